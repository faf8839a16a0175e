"""FreeMarket's error body, `{"detail", "status_code", "error_type"}` as the document's error section
lists it (a body that fails its schema is 400 `validation_error`: no 422), and its surface."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from nodes.edge.http import Surface
from protocols.envelope import DomainError, ErrorCode

T = TypeVar("T")

FREEMARKET_ERROR_TYPES: dict[ErrorCode, str] = {
    ErrorCode.VALIDATION: "validation_error",
    ErrorCode.NOT_FOUND: "not_found",
    ErrorCode.CONFLICT: "conflict",
    ErrorCode.UNAUTHORIZED: "authentication_error",
    ErrorCode.FORBIDDEN: "permission_denied",
    ErrorCode.RATE_LIMITED: "rate_limit_exceeded",
    ErrorCode.UNAVAILABLE: "service_unavailable",
    ErrorCode.INTERNAL: "internal_error",
}


def freemarket(status: int, code: ErrorCode, message: str, _details: dict[str, Any]) -> dict[str, Any]:
    return {"detail": message, "status_code": status, "error_type": FREEMARKET_ERROR_TYPES[code]}


SURFACE = Surface(name="barter", title="FreeMarket (barter exchange)", error_format=freemarket)


async def unless(reply: Awaitable[T], *codes: ErrorCode) -> T | None:
    """A worker's reply, or None where it answers one of `codes` (what the document calls no error)."""
    try:
        return await reply
    except DomainError as exc:
        if exc.code not in codes:
            raise
        return None
