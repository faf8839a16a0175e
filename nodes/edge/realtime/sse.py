"""Server-Sent Events on the delivery hub: each stream is one hub connection, whatever it carries.

A surface says what its stream carries with a `Feed`: the events that open the stream (what the
client missed, from its `Last-Event-ID`) and the events each live delivery becomes. `serve` registers
the connection in the hub *before* the feed opens, so nothing published meanwhile is missed (a feed
drops the live copies of what it replayed), then answers `text/event-stream` until the stream ends:
the client leaves, the feed is finished, the client stops reading (see `connection.py`), its session
is revoked, or the app shuts down: the app factory calls `setup_sse`, whose shutdown hook ends every
stream at once (without it aiohttp would wait out its shutdown timeout for them); a stream asked
for from then on is refused (503).

Choices the contracts leave open:

- The stream starts with `retry: 3000` (EventSource reconnects after 3 s) and sends a comment
  `: ping` every `HEARTBEAT_S` (15 s) so that proxies keep an idle stream open. A ping the client
  has not taken within another `HEARTBEAT_S` ends the stream (a dead peer), and so does a session
  ended by logout or revocation (checked at each ping). An access token that merely expires while
  streaming does not end the stream; a reconnect needs a valid one.
- Access: the `Authorization: Bearer` header (or the access-token cookie), else `?token=<access
  token>` in the URL, because EventSource cannot send headers. Prefer the header: a URL ends up in
  proxy logs. Anything else is the contract's 401, before the stream starts.
- Headers are final when the stream starts, so the stream sets its own `X-Request-ID` and CORS
  headers (the middleware's would come too late); `Cache-Control: no-cache` and
  `X-Accel-Buffering: no` keep proxies from holding events back.
- A write returns once the transport has taken it (under its high-water mark); the bounded buffer
  of `BufferedConnection` does the rest. On the way out the final chunk is sent if the client takes
  it within `CLOSE_WAIT_S`, else the connection is aborted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Container
from dataclasses import dataclass
from typing import Protocol

import nats.errors
from aiohttp import web
from pydantic import ValidationError

from nodes.edge.auth import InvalidToken
from nodes.edge.cors import cors_headers
from nodes.edge.state import ACTOR, HUB, REQUEST_ID, SETTINGS, VERIFIER
from protocols.envelope import Actor, DomainError, ErrorCode

from .connection import BUFFER_SIZE, BufferedConnection, Connection, Delivery
from .frames import JsonObject, ServerFrame
from .hub import DeliveryHub

log = logging.getLogger(__name__)

HEARTBEAT_S = 15.0
RETRY_MS = 3000
CLOSE_WAIT_S = 1.0
# How often a stream looks whether its client is still there (a server that does not cancel
# handlers when the client leaves).
GONE_POLL_S = 1.0
LAST_EVENT_ID = "Last-Event-ID"
TOKEN_PARAM = "token"
PING = b": ping\n\n"


@dataclass(frozen=True)
class SseEvent:
    """One event: `data` is sent as JSON; an event with an `id` only moves the client's Last-Event-ID."""

    data: ServerFrame | None = None
    id: str | None = None

    def encode(self) -> bytes:
        lines = []
        if self.id is not None:
            lines.append(b"id: " + self.id.encode())
        if self.data is not None:
            lines.append(b"data: " + self.data.encode())  # JSON holds no raw newline
        return b"\n".join(lines) + b"\n\n"


class Feed(Protocol):
    """What a stream carries. `finished` becomes true once the stream has said all it will."""

    finished: bool

    async def open(self) -> list[SseEvent] | None:
        """The first events (a replay); None when there is nothing to stream (answered 204).
        Raises DomainError to refuse the stream in the contract's format."""
        ...

    async def live(self, delivery_type: str, payload: JsonObject) -> list[SseEvent]:
        """The events one delivery becomes (often none). `payload` is shared: read only.
        ValidationError: the delivery is not what its type says (it is skipped)."""
        ...


class Room(Protocol):
    """Something of this edge's own that offers its streams' connections deliveries directly, not
    through the hub's NATS subjects (the console's waiting work): a stream is in it while it runs,
    joined before its feed opens, so nothing offered meanwhile is missed."""

    async def join(self, connection: Connection, actor: Actor) -> None: ...

    async def leave(self, connection: Connection) -> None: ...


# --- the request ------------------------------------------------------------------------------------


def authenticate(request: web.Request) -> Actor:
    """The actor of the bearer header or cookie (the middleware's), else of `?token=`."""
    actor: Actor | None = request.get(ACTOR)
    if actor is not None:
        return actor
    token = request.query.get(TOKEN_PARAM)
    if token:
        try:
            return request.app[VERIFIER].verify_access(token)
        except InvalidToken as exc:
            log.info("rejected stream token: %s", exc)
    raise DomainError(ErrorCode.UNAUTHORIZED, "Not authenticated")


def last_event_id(request: web.Request) -> str | None:
    value = request.headers.get(LAST_EVENT_ID, "").strip()
    return value or None


def stream_headers(request: web.Request) -> dict[str, str]:
    headers = {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache",
        "X-Accel-Buffering": "no",
        "X-Request-ID": request.get(REQUEST_ID, "-"),
    }
    # Its headers go out before the CORS middleware sees the response: the stream sets them itself.
    headers.update(cors_headers(request.headers.get("Origin"), request.app[SETTINGS].edge.cors_origins))
    return headers


# --- the connection ---------------------------------------------------------------------------------


class SseConnection(BufferedConnection):
    """One event stream: the hub's deliveries go through the feed and are written as events."""

    def __init__(
        self,
        request: web.Request,
        response: web.StreamResponse,
        actor: Actor,
        feed: Feed,
        *,
        hub: DeliveryHub,
        revoked: Container[object],
        heartbeat_s: float = HEARTBEAT_S,
        buffer_size: int = BUFFER_SIZE,
    ) -> None:
        super().__init__(buffer_size=buffer_size)
        self.request = request
        self.response = response
        self.actor = actor
        self.feed = feed
        self.hub = hub
        self.revoked = revoked
        self.heartbeat_s = heartbeat_s
        self.ended = asyncio.Event()
        self._opening: list[SseEvent] = []
        self._writing = asyncio.Lock()
        self._heartbeat: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<sse {self.request.path} user {self.actor.user_id}>"

    async def run(self, opening: list[SseEvent]) -> None:
        """Stream (the response is prepared) until the stream ends."""
        self._opening = opening
        await self._write(f"retry: {RETRY_MS}\n\n".encode())  # also puts the headers on the wire
        self.start()
        self._heartbeat = asyncio.create_task(self._beat(), name=f"heartbeat {self!r}")
        while not self.ended.is_set() and not self.gone():
            try:
                await asyncio.wait_for(self.ended.wait(), GONE_POLL_S)
            except TimeoutError:
                pass

    def gone(self) -> bool:
        transport = self.request.transport
        return transport is None or transport.is_closing()

    # --- BufferedConnection ---

    async def opened(self) -> None:
        await self._send_events(self._opening)

    async def send(self, batch: list[Delivery]) -> None:
        events: list[SseEvent] = []
        for delivery_type, payload in batch:
            if self.feed.finished:
                break
            try:
                events += await self.feed.live(delivery_type, payload)
            except ValidationError:  # nothing to show (the hub skips unreadable ones too)
                log.warning("%r: ignoring a malformed %s delivery", self, delivery_type)
        await self._send_events(events)

    async def close(self) -> None:
        self.closing = True
        self.ended.set()
        await self.hub.unregister(self.actor.user_id, self)

    async def stop(self) -> None:
        self.ended.set()
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
        await super().stop()
        await self.hub.unregister(self.actor.user_id, self)

    # --- writing ---

    async def _send_events(self, events: list[SseEvent]) -> None:
        if events:
            try:
                await self._write(b"".join(event.encode() for event in events))
            except ConnectionError:  # the client left
                self.close_soon()
                return
        if self.feed.finished:
            self.close_soon()

    async def _write(self, data: bytes) -> None:
        async with self._writing:
            await self.response.write(data)
            await self.request.writer.drain()

    async def _beat(self) -> None:
        while not self.closing:
            await asyncio.sleep(self.heartbeat_s)
            if self.actor.session_id is not None and self.actor.session_id in self.revoked:
                log.info("%r: session ended", self)
                break
            try:
                await asyncio.wait_for(self._write(PING), self.heartbeat_s)
            except (ConnectionError, TimeoutError):
                break
        self.close_soon()


# --- serving a stream -------------------------------------------------------------------------------


class SseStreams:
    """The streams an app serves, so that shutting down ends them (their clients reconnect elsewhere)."""

    def __init__(self) -> None:
        self.live: set[SseConnection] = set()
        self.closed = False

    def add(self, connection: SseConnection) -> None:
        if self.closed:
            raise DomainError(ErrorCode.UNAVAILABLE, "Shutting down, try again")
        self.live.add(connection)

    async def close_all(self) -> None:
        self.closed = True
        for connection in list(self.live):
            await connection.close()


SSE_STREAMS = web.AppKey("sse_streams", SseStreams)


def setup_sse(app: web.Application) -> None:
    """Track the app's streams and end them when it shuts down (streams never end on their own)."""
    app[SSE_STREAMS] = SseStreams()
    app.on_shutdown.append(close_streams)


async def close_streams(app: web.Application) -> None:
    await app[SSE_STREAMS].close_all()


async def serve(
    request: web.Request, actor: Actor, feed: Feed, *, room: Room | None = None
) -> web.StreamResponse:
    """Answer the request with the feed's event stream, in `room` too if given; returns when the
    stream has ended."""
    response = web.StreamResponse(headers=stream_headers(request))
    connection = SseConnection(
        request,
        response,
        actor,
        feed,
        hub=request.app[HUB],
        revoked=request.app[VERIFIER].keyring.revoked,
        heartbeat_s=HEARTBEAT_S,
    )
    streams = request.app.get(SSE_STREAMS)
    if streams is not None:
        streams.add(connection)  # from here on, shutting down ends it (even while it opens)
    try:
        await _register(connection)
        if room is not None:
            await room.join(connection, actor)
        opening = await feed.open()
        if opening is None:
            return web.Response(status=204, headers={"X-Request-ID": request.get(REQUEST_ID, "-")})
        await response.prepare(request)
        await connection.run(opening)
    except ConnectionError:
        log.debug("%r: the client left", connection)
    finally:
        if streams is not None:
            streams.live.discard(connection)
        if room is not None:
            await room.leave(connection)
        await connection.stop()
    if response.prepared:
        await _finish(request, response)
    return response


async def _register(connection: SseConnection) -> None:
    try:
        await connection.hub.register(connection.actor.user_id, connection)
    except (nats.errors.Error, RuntimeError):  # NATS refused, or the app is shutting down
        raise DomainError(ErrorCode.UNAVAILABLE, "Service unavailable, try again") from None


async def _finish(request: web.Request, response: web.StreamResponse) -> None:
    """End the stream with its last chunk, or drop the connection of a client that does not read."""
    try:
        await asyncio.wait_for(response.write_eof(), CLOSE_WAIT_S)
    except (ConnectionError, TimeoutError):
        transport = request.transport
        if transport is not None:
            transport.abort()
