"""Edge middleware: request ids, metrics, token verification, errors in each contract's shape, and
the security headers every answer carries."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from aiohttp import hdrs, web

from nodes.runtime import metrics
from nodes.runtime.context import current_request_id, new_request_id
from nodes.runtime.settings import EdgeSettings
from protocols.envelope import DomainError, ErrorCode

from .auth import InvalidToken, bearer_token
from .errors import CODE_OF_STATUS, STATUS_OF, detail_only
from .http import Endpoint, Handler, json_response
from .state import ACTOR, ENDPOINT, REQUEST_ID, ROUTE_ENDPOINTS, VERIFIER

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
ACCESS_COOKIE = "access_token"
SERVER_NAME = "souk"  # aiohttp's default names its own and Python's versions
NO_FRAMING = "frame-ancestors 'none'"


def endpoint_of(request: web.Request) -> Endpoint | None:
    return request.get(ENDPOINT)


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Request id (the client's if it is sane), metrics, and the endpoint being served."""
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    rid = offered if SAFE_REQUEST_ID.match(offered) else new_request_id()
    request[REQUEST_ID] = rid
    current_request_id.set(rid)
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "unmatched"
    request[ENDPOINT] = request.app[ROUTE_ENDPOINTS].get(request.match_info.route)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers[REQUEST_ID_HEADER] = rid
        return response
    except web.HTTPException as exc:
        status = exc.status
        exc.headers[REQUEST_ID_HEADER] = rid
        raise
    finally:
        metrics.HTTP_REQUESTS.labels(request.method, route, str(status)).inc()
        metrics.HTTP_SECONDS.labels(request.method, route).observe(time.perf_counter() - started)


def error_response(request: web.Request, error: DomainError, status: int | None = None) -> web.Response:
    endpoint = endpoint_of(request)
    render = endpoint.surface.error_format if endpoint else detail_only
    status = status or STATUS_OF[error.code]
    headers = {REQUEST_ID_HEADER: request.get(REQUEST_ID, "-")}
    retry_after = error.details.get("retry_after")
    if retry_after is not None:
        headers["Retry-After"] = str(max(1, int(float(retry_after) + 0.999)))
    if error.code in (ErrorCode.UNAVAILABLE,) and "Retry-After" not in headers:
        headers["Retry-After"] = "1"
    body = render(status, error.code, error.message, {k: v for k, v in error.details.items()})
    return json_response(body, status=status, headers=headers)


def unrouted_error(status: int, message: str) -> web.Response:
    """An error answer to a request that reached no route (aiohttp's parser refused it, say), in the
    format of paths the edge does not know."""
    body = detail_only(status, CODE_OF_STATUS.get(status, ErrorCode.VALIDATION), message, {})
    return json_response(body, status=status, headers={REQUEST_ID_HEADER: new_request_id()})


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure leaves as the contract's error body; nothing leaks a traceback."""
    try:
        return await handler(request)
    except DomainError as exc:
        return error_response(request, exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = CODE_OF_STATUS.get(exc.status, ErrorCode.VALIDATION)
        return error_response(request, DomainError(code, exc.reason), exc.status)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(request, DomainError(ErrorCode.INTERNAL, "Internal server error"))


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Puts the verified actor on the request; routes declared `auth=True` refuse anonymous calls."""
    token = bearer_token(request.headers.get("Authorization"), request.cookies.get(ACCESS_COOKIE))
    if token:
        try:
            request[ACTOR] = request.app[VERIFIER].verify_access(token)
        except InvalidToken as exc:
            log.info("rejected token: %s", exc)
            request[ACTOR] = None
    endpoint = endpoint_of(request)
    if endpoint is not None and endpoint.auth and request.get(ACTOR) is None:
        raise DomainError(ErrorCode.UNAUTHORIZED, "Not authenticated")
    return await handler(request)


@dataclass(frozen=True)
class SecurityHeaders:
    """What every answer carries. Routes, errors, redirects, static files and the Socket.IO, WebSocket
    and SSE handshakes get it from `on_prepare`; what aiohttp's parser refuses, from `apply`."""

    hsts_max_age_s: int = 0

    @classmethod
    def of(cls, settings: EdgeSettings) -> SecurityHeaders:
        return cls(hsts_max_age_s=settings.hsts_max_age_s)

    def apply(self, response: web.StreamResponse) -> None:
        headers = response.headers
        headers[hdrs.SERVER] = SERVER_NAME
        headers["X-Content-Type-Options"] = "nosniff"
        headers.setdefault("Referrer-Policy", "no-referrer")
        if response.content_type == "text/html":
            # Framed unseen by another site, a page of ours could be clicked through (clickjacking).
            headers["X-Frame-Options"] = "DENY"
            headers.setdefault("Content-Security-Policy", NO_FRAMING)
        if self.hsts_max_age_s > 0:
            headers["Strict-Transport-Security"] = f"max-age={self.hsts_max_age_s}"

    async def on_prepare(self, _request: web.Request, response: web.StreamResponse) -> None:
        self.apply(response)


def secure_responses(app: web.Application, settings: EdgeSettings) -> None:
    app.on_response_prepare.append(SecurityHeaders.of(settings).on_prepare)
