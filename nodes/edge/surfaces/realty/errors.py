"""Realty's errors: FastAPI's `{"detail": ...}`, with 400 (not 422) for a request that fails its
schema, the detail then the list of `{loc, msg, type}` (a path id's `loc` starts with `path`)."""

from __future__ import annotations

from nodes.edge.errors import detail_only
from nodes.edge.http import Surface

SURFACE = Surface(name="realty", title="Realty", error_format=detail_only)
