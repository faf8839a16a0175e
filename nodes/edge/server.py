"""Serving one edge: load the verification keys, build the app, listen; /metrics on a port of its own;
a line in the access log per answered request.

aiohttp answers a request its parser refuses (a request line or header over its limits, too many
headers, garbage) before any middleware, in plain text, and logs a traceback for each; it offers no
hook for that (aio-libs/aiohttp#3287). `EdgeRunner` serves the app with protocol handlers that answer
those in the edge's JSON error format and log one line.
"""

from __future__ import annotations

import logging
import re
import socket
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import BadHttpMessage, HttpProcessingError, LineTooLong
from aiohttp.web_protocol import RequestPayloadError

from nodes.runtime.bus import Bus
from nodes.runtime.metrics import start_metrics_listener
from nodes.runtime.settings import Settings

from .app import create_app
from .auth import KeyRing
from .middleware import SecurityHeaders, unrouted_error
from .session_http import client_ip
from .state import REQUEST_ID, SETTINGS

log = logging.getLogger(__name__)
ACCESS_LOG = logging.getLogger("souk.access")
# Query parameters that carry credentials (WebSocket and SSE take `?token=`): their values are
# never written to the log.
SECRET_PARAMETER = re.compile(
    r"(^|[_-])(token|password|passwd|secret|code|key|sig|signature|auth|otp)$", re.IGNORECASE
)


# A classifieds search with its 20-odd filters makes long URLs: twice aiohttp's 8190 bytes. Header
# fields keep aiohttp's limit; the two differ, so a LineTooLong tells which one was passed.
REQUEST_LINE_BYTES = 16384
HEADER_FIELD_BYTES = 8190
URI_TOO_LONG, HEADERS_TOO_LARGE = 414, 431


def _refusal(status: int, exc: BaseException | None) -> tuple[int, str]:
    """The status and message for what the parser refused: 414 and 431 as RFC 9110 and 6585 name
    them (a client can tell "shorten the URL" from "fix the request"), else aiohttp's own status."""
    if isinstance(exc, LineTooLong):
        if exc.args[1] == REQUEST_LINE_BYTES:
            return URI_TOO_LONG, "Request URI too long"
        return HEADERS_TOO_LARGE, "Request header field too large"
    if isinstance(exc, BadHttpMessage) and "Too many headers" in exc.message:
        return HEADERS_TOO_LARGE, "Too many request headers"
    return status, "Malformed HTTP request"


class EdgeRequestHandler(web.RequestHandler):
    """aiohttp's protocol handler, answering its own failures as the edge answers its errors."""

    __slots__ = ("_security",)

    def __init__(self, manager: web.Server, security: SecurityHeaders, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._security = security

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:  # the answer has begun: aiohttp closes the connection
            return super().handle_error(request, status, exc, message)
        if status >= 500:  # a failure outside the error middleware: a bug, worth its traceback
            log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
            response = unrouted_error(status, "Internal server error")
        else:  # the client's doing: one line, nothing in it but what the parser objected to
            status, message = _refusal(status, exc)
            log.info("refused a malformed request from %s: %s", request.remote, message)
            response = unrouted_error(status, message)
        response.force_close()
        self._security.apply(response)
        return response

    def log_exception(self, *args: Any, **kw: Any) -> None:
        # After an answer, aiohttp drains what is left of the body; a body that does not decode
        # (a bad Content-Encoding) fails there, and aiohttp logs the client's fault as its own crash.
        if isinstance(kw.get("exc_info"), (HttpProcessingError, RequestPayloadError)):
            log.info("dropped a connection whose body did not decode: %s", kw["exc_info"])
            return
        super().log_exception(*args, **kw)


class EdgeServer(web.Server):
    """The app's low-level server, rebuilt to make `EdgeRequestHandler`s."""

    def __init__(self, plain: web.Server, security: SecurityHeaders) -> None:
        limits = {"max_line_size": REQUEST_LINE_BYTES, "max_field_size": HEADER_FIELD_BYTES}
        super().__init__(
            plain.request_handler,
            request_factory=plain.request_factory,
            handler_cancellation=plain.handler_cancellation,
            **{**limits, **plain._kwargs},  # what the runner and the app's handler_args set for each handler
        )
        self._security = security

    def __call__(self) -> web.RequestHandler:
        return EdgeRequestHandler(self, self._security, loop=self._loop, **self._kwargs)


class EdgeRunner(web.AppRunner):
    """`web.AppRunner` for an edge app (`create_app`): use it wherever an edge app is served."""

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()
        return EdgeServer(plain, SecurityHeaders.of(self.app[SETTINGS].edge))


def loggable_target(request: web.BaseRequest) -> str:
    """The path and query, with the values of credential-like parameters masked."""
    if not request.query_string:
        return request.path
    query = [(k, "***" if SECRET_PARAMETER.search(k) else v) for k, v in request.query.items()]
    return f"{request.path}?{urlencode(query, safe='*')}"


class AccessLog(AbstractAccessLogger):
    """One INFO line per answered request, under that request's id (the one the client gets back in
    X-Request-ID): client address (the proxy's forwarded one where trusted), method, target, status,
    body size, time taken. No headers: they hold the Authorization and cookies."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %d %dB %.1fms",
            client_ip(request) if isinstance(request, web.Request) else request.remote,
            request.method,
            loggable_target(request),
            response.status,
            response.body_length,
            time * 1000,
            extra={"request_id": request.get(REQUEST_ID, "-")},
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


class RunningEdge:
    def __init__(self) -> None:
        self.keyring: KeyRing | None = None
        self.runners: list[web.AppRunner] = []

    async def start(
        self, bus: Bus, settings: Settings, *, host: str, port: int, metrics_port: int | None = None
    ) -> None:
        """Serve on `port`, and /metrics on `metrics_port` (default `[edge] metrics_port`; 0: none)."""
        self.keyring = KeyRing(settings.auth)
        await self.keyring.watch(bus)
        app = create_app(settings, bus, self.keyring, node_name=f"edge@{socket.gethostname()}:{port}")
        access_log = ACCESS_LOG if settings.log.access else None
        runner = EdgeRunner(app, access_log_class=AccessLog, access_log=access_log, shutdown_timeout=10)
        await runner.setup()
        self.runners.append(runner)
        await web.TCPSite(runner, host, port).start()
        metrics_port = settings.edge.metrics_port if metrics_port is None else metrics_port
        if metrics_port:
            self.runners.append(await start_metrics_listener(host, metrics_port))
            log.info("edge metrics on %s:%d/metrics", host, metrics_port)

    async def stop(self) -> None:
        for runner in reversed(self.runners):
            await runner.cleanup()
        self.runners.clear()
        if self.keyring is not None:
            await self.keyring.close()
