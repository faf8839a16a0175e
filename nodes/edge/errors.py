"""Each contract's error body, and how a domain error code maps to an HTTP status."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from pydantic.alias_generators import to_camel

from protocols.envelope import DomainError, ErrorCode

T = TypeVar("T")

STATUS_OF: dict[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.CONFLICT: 409,
    ErrorCode.VALIDATION: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
}

CODE_OF_STATUS: dict[int, ErrorCode] = {status: code for code, status in STATUS_OF.items()}
CODE_OF_STATUS[422] = ErrorCode.VALIDATION
CODE_OF_STATUS[413] = ErrorCode.VALIDATION
CODE_OF_STATUS[405] = ErrorCode.NOT_FOUND


async def found_or_none(reply: Awaitable[T]) -> T | None:
    """A worker's reply, or None where it answers not-found; any other error passes."""
    try:
        return await reply
    except DomainError as exc:
        if exc.code is not ErrorCode.NOT_FOUND:
            raise
        return None


@contextmanager
def not_found_says(message: str) -> Iterator[None]:
    """A not-found raised inside, reworded as the contract words it."""
    try:
        yield
    except DomainError as exc:
        if exc.code is not ErrorCode.NOT_FOUND:
            raise
        raise DomainError(ErrorCode.NOT_FOUND, message) from None


# (status, code, message, details) -> body
ErrorFormat = Callable[[int, ErrorCode, str, dict[str, Any]], dict[str, Any]]


def detail_only(_status: int, _code: ErrorCode, message: str, details: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's shape: MillionAvto and Realty."""
    errors = details.get("errors")
    return {"detail": errors if errors else message}


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


DRF_REQUIRED = "This field is required."


def garage(_status: int, code: ErrorCode, message: str, details: dict[str, Any]) -> dict[str, Any]:
    """Membership Auto (DRF): `{"error": message}`, plus `{field: [messages]}` for each field a
    validation names."""
    body: dict[str, Any] = {"error": message}
    if code is not ErrorCode.VALIDATION:
        return body
    fields: dict[str, list[str]] = {}
    for error in details.get("errors") or ():
        loc = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
        name = loc[0] if loc else "non_field_errors"
        text = DRF_REQUIRED if error.get("type") == "missing" else str(error.get("msg", "Invalid value."))
        fields.setdefault(name, []).append(text)
    if isinstance(details.get("field"), str):  # the worker names its fields in snake_case
        fields.setdefault(to_camel(details["field"]), []).append(message)
    fields.pop("error", None)  # no field of this surface is called that; the message keeps its key
    return {**body, **fields}


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


def autos_and_advisor(status: int, code: ErrorCode, message: str, details: dict[str, Any]) -> dict[str, Any]:
    """Paths both MillionAvto (FastAPI `detail`) and Car advisor (`error`) define: both keys at once."""
    errors = details.get("errors")
    detail: Any = message
    if errors:  # FastAPI locates body fields under "body"
        detail = [{**e, "loc": ["body", *e.get("loc", ())]} if isinstance(e, dict) else e for e in errors]
    return {"detail": detail, **advisor(status, code, message, details)}
