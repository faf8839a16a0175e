"""CORS from settings: only the configured origins get the headers; preflights answered here.

A page may read only a few response headers unless they are exposed: the ones a client acts on are
(`Retry-After` on a 429 or 503, the `X-Request-ID` to quote when reporting a problem). A preflight's
answer is cached by the browser for `MAX_AGE_S`, so that a page's every call is not preceded by one.
"""

from __future__ import annotations

from collections.abc import Collection, MutableMapping

from aiohttp import web
from aiohttp.typedefs import Middleware

from .http import Handler

ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-ID, Last-Event-ID, If-None-Match"
EXPOSED_HEADERS = "Retry-After, X-Request-ID, ETag"
# Ten minutes (Starlette's default): a changed setting reaches browsers soon. Chromium caps it at 7200.
MAX_AGE_S = 600


def cors_headers(origin: str | None, origins: Collection[str]) -> dict[str, str]:
    """What an answer to `origin` carries when `origins` (the settings') permit it, else nothing. A
    stream must set them itself: its headers are sent before the middleware sees its response."""
    if origin is None or not ("*" in origins or origin in origins):
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Expose-Headers": EXPOSED_HEADERS,
        "Vary": "Origin",
    }


def preflight_headers(allowed: dict[str, str]) -> dict[str, str]:
    """The answer to a permitted origin's preflight, from its `cors_headers`."""
    return {
        **allowed,
        "Access-Control-Allow-Methods": ALLOWED_METHODS,
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Max-Age": str(MAX_AGE_S),
    }


def _add(target: MutableMapping[str, str], headers: dict[str, str]) -> None:
    """`headers` on an answer, keeping what else its `Vary` names (compression adds one)."""
    vary = target.get("Vary")
    target.update(headers)
    if headers and vary and "origin" not in vary.lower():
        target["Vary"] = f"{vary}, Origin"


def cors_middleware(origins: tuple[str, ...]) -> Middleware:
    allowed = frozenset(origins)

    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        headers = cors_headers(request.headers.get("Origin"), allowed)
        if headers and request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return web.Response(status=204, headers=preflight_headers(headers))
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # a redirect: the errors middleware answers the others
            _add(exc.headers, headers)
            raise
        if not response.prepared:  # a stream's headers have been sent (see `cors_headers`)
            _add(response.headers, headers)
        return response

    return cors
