"""Edge middleware: request ids, metrics, token verification and errors in each contract's shape."""

from __future__ import annotations

import logging
import re
import time

from aiohttp import web

from nodes.runtime import metrics
from nodes.runtime.context import current_request_id, new_request_id
from protocols.envelope import DomainError, ErrorCode

from .auth import InvalidToken, bearer_token
from .errors import CODE_OF_STATUS, STATUS_OF, detail_only
from .http import Endpoint, Handler, json_response
from .state import ACTOR, ENDPOINT, REQUEST_ID, ROUTE_ENDPOINTS, VERIFIER

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
ACCESS_COOKIE = "access_token"


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
