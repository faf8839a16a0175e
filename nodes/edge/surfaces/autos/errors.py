"""MillionAvto's errors: FastAPI's `{"detail": ...}` on its own paths (kit/fastapi.py: a request that
fails its schema is 422 with the list of `{loc, msg, type}`), and on the `/api/v1/auth` paths it shares
with Car advisor both contracts' bodies at once. The surfaces that answer in them are named here."""

from __future__ import annotations

from typing import Any

from nodes.edge.http import Surface
from nodes.edge.kit.error_bodies import advisor
from protocols.envelope import ErrorCode


def autos_and_advisor(status: int, code: ErrorCode, message: str, details: dict[str, Any]) -> dict[str, Any]:
    """Paths both MillionAvto (FastAPI `detail`) and Car advisor (`error`) define: both keys at once."""
    errors = details.get("errors")
    detail: Any = message
    if errors:  # FastAPI locates body fields under "body"
        detail = [{**e, "loc": ["body", *e.get("loc", ())]} if isinstance(e, dict) else e for e in errors]
    return {"detail": detail, **advisor(status, code, message, details)}


SURFACE = Surface(name="autos", title="MillionAvto (car classifieds)")
SHARED = Surface(
    name="autos", title="MillionAvto + Car advisor (shared /api/v1/auth)", error_format=autos_and_advisor
)
