"""The text rule (protocols/fields.py) on what every route takes from its URL: query and path
parameters. Bodies are checked where they are read (`read_body`, the forms), socket frames where
they are decoded."""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from protocols.envelope import DomainError, ErrorCode
from protocols.fields import Location, control_character_error, has_control_character

from .http import Handler
from .middleware import endpoint_of, error_response

# A contract that documents 422 for a route answers its schema errors that way (FastAPI's).
UNPROCESSABLE = 422


def _offending(where: str, pairs: Iterable[tuple[str, str]]) -> Location | None:
    for name, value in pairs:
        if has_control_character(name) or has_control_character(value):
            return (where, name)
    return None


@web.middleware
async def plain_text(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuses a request whose query or path parameters hold control characters, in the contract's
    error format, before any route reads them."""
    found = _offending("query", request.query.items()) or _offending("path", request.match_info.items())
    if found is None:
        return await handler(request)
    error = control_character_error(found)
    refusal = DomainError(ErrorCode.VALIDATION, f"{found[1]}: {error['msg']}", {"errors": [error]})
    endpoint = endpoint_of(request)
    status = UNPROCESSABLE if endpoint is not None and UNPROCESSABLE in endpoint.responses else None
    return error_response(request, refusal, status)
