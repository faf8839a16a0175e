"""The catalog domain: categories (admins write them), the vehicle references and the places (both read
only), all served from caches in the worker.

Three groups of commands (categories, vehicles, places), their SQL in `queries`, the caches in `cache`,
the vehicle references' and the places' snapshots in `references` and `geography`, the IP database in
`geoip`.
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import categories, places, vehicles  # noqa: F401
from .deps import CatalogDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[CatalogDeps] = Domain(handlers=handlers, open_deps=open_deps)
