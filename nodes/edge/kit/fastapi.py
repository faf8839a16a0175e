"""FastAPI's ways, for the contracts written against a FastAPI server (MillionAvto, Realty): ids in
paths, and validation errors located in the request (`loc`) that answer 422."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import TypeAdapter, ValidationError

from protocols.envelope import DomainError, ErrorCode
from protocols.fields import INT32_MAX

ID_MAX = INT32_MAX  # ids are 32-bit integer columns (protocols.fields)
# Set on a validation error whose `errors` are located FastAPI's way; such an error answers 422.
LOCATED = "located"
INT = TypeAdapter(int)


def unprocessable(where: str, errors: list[Any], message: str) -> DomainError:
    located = [{**e, "loc": [where, *e.get("loc", ())]} for e in errors if isinstance(e, dict)]
    return DomainError(ErrorCode.VALIDATION, message, {"errors": located, LOCATED: True})


def path_id(request: web.Request, name: str) -> int:
    """A path id: not an integer is a validation error (FastAPI's 422); out of range is not there."""
    value = request.match_info[name]
    try:
        number = INT.validate_python(value)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise unprocessable(
            "path", [{**e, "loc": [name]} for e in errors], f"{name}: not an integer"
        ) from None
    if not 1 <= number <= ID_MAX:
        raise DomainError(ErrorCode.NOT_FOUND, "Not found")
    return number
