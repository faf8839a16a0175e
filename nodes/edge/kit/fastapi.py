"""FastAPI's ways, for the contracts written against a FastAPI server (MillionAvto, Realty): ids in
paths, and validation errors located in the request (`loc`) that answer 422."""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

from nodes.edge.http import Handler, read_body, read_query
from nodes.edge.middleware import error_response
from protocols.envelope import DomainError, ErrorCode
from protocols.fields import INT32_MAX

from .rewording import Reword, reworded

B = TypeVar("B", bound=BaseModel)
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


def located(where: str, *, unreadable_too: bool = True) -> Reword:
    """A validation error of the request's `where` (body, query) located FastAPI's way. With
    `unreadable_too`, also one that lists no fields (a body that is not JSON), as FastAPI's 422 is."""

    def reword(exc: DomainError) -> DomainError | None:
        if exc.code is not ErrorCode.VALIDATION:
            return None
        errors = exc.details.get("errors")
        if not isinstance(errors, list):
            if not unreadable_too:
                return None
            errors = [
                {"type": "json_invalid" if where == "body" else "value_error", "loc": [], "msg": exc.message}
            ]
        return unprocessable(where, errors, exc.message)

    return reword


async def body_of(request: web.Request, model: type[B], *, unreadable_too: bool = True) -> B:
    with reworded(located("body", unreadable_too=unreadable_too)):
        return await read_body(request, model)


def query_of(request: web.Request, model: type[B]) -> B:
    with reworded(located("query")):
        return read_query(request, model)


def answers_422(handler: Handler) -> Handler:
    """A request found failing its schema (a located error) answers 422 with FastAPI's `detail` list."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except DomainError as exc:
            if not exc.details.get(LOCATED):
                raise
            return error_response(
                request, DomainError(exc.code, exc.message, {"errors": exc.details["errors"]}), 422
            )

    return wrapped
