"""Error bodies that the paths of more than one contract answer in: Car advisor's (seeds/002), which
its own paths and the `/api/v1/auth` paths it shares with MillionAvto carry."""

from __future__ import annotations

from typing import Any

from protocols.envelope import ErrorCode

ADVISOR_CODES: dict[ErrorCode, str] = {
    ErrorCode.VALIDATION: "validation_error",
    ErrorCode.NOT_FOUND: "not_found",
    ErrorCode.CONFLICT: "conflict",
    ErrorCode.UNAUTHORIZED: "unauthorized",
    ErrorCode.FORBIDDEN: "forbidden",
    ErrorCode.RATE_LIMITED: "rate_limited",
    ErrorCode.UNAVAILABLE: "service_unavailable",
    ErrorCode.INTERNAL: "internal_error",
}


def _advisor_details(details: dict[str, Any]) -> dict[str, Any]:
    """Car advisor's `details` as its document shows them: `{"field", "reason"}` for a bad field."""
    errors = details.get("errors")
    if not errors:
        return {key: value for key, value in details.items() if key in ("field", "reason", "retry_after")}
    first = errors[0]
    field = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    return {"field": field, "reason": str(first.get("type", "invalid"))}


def advisor(_status: int, code: ErrorCode, message: str, details: dict[str, Any]) -> dict[str, Any]:
    """Car advisor (002) as its document spells it: lowercase codes such as `validation_error`."""
    return {"error": {"code": ADVISOR_CODES[code], "message": message, "details": _advisor_details(details)}}
