"""The contracts' raw WebSocket endpoints on the delivery hub: what they all do the same way.

A surface declares an endpoint as a GET route whose handler calls `serve` with the contract's
`WsProtocol` and an opener. The opener resolves what the socket is about (an exchange, a chat, every
dialog of the user) for the verified actor and answers a `Channel`: which deliveries the socket
shows, as which frames, and what each client frame does. Everything else is common:

- Authentication: `?token=` (the access token, bare or as `Bearer <token>`), else the
  `Authorization: Bearer` header; a protocol with `first_frame_auth` also takes a first frame
  `{"type": "auth", "token": ...}` sent within AUTH_WAIT_S (MillionAvto; any other first frame, or
  none in time, is refused as unauthorized).
- A socket that cannot be served is refused after the upgrade, so that a browser can tell why: one
  error frame in the contract's error body (`type` the protocol's error type), then a close code:
  4001 unauthorized, 4003 forbidden, 4004 not found (a conversation the user is not in answers
  like one that does not exist), 4000 validation, 1013 unavailable, 1011 internal.
- Client frames are JSON objects (text frames; binary ones are read alike), handled one at a time
  in the order sent, each read as the model its `type` names and handed to that model's handler
  (frames.py); what the server sends are models too. Bad JSON, a frame that is not an object, text
  with control characters (protocols/fields.py), an unknown `type` or fields that fail their model
  are answered with an error frame and the socket stays open; a frame larger than MAX_FRAME_BYTES
  closes it with 1009 (message too big). A frame arriving after the session ended (logout,
  revocation) is answered with an unauthorized error frame and the socket is closed (4001).
- Deliveries go through a bounded buffer (connection.py): a client that stops reading loses typing
  and presence first, then is closed with 1013 to reconnect; a close it does not take within
  CLOSE_WAIT_S aborts the TCP connection. A delivery that cannot be shown for want of a lookup (the
  chat worker unavailable) closes the socket the same way, unless it is typing or presence (then
  skipped). Heartbeat pings every HEARTBEAT_S drop dead peers.
- None of the documents gives a position to resume from, so nothing is replayed on reconnect: a
  client connects first, then reloads the history over REST and drops duplicates by message id.
- `close_websockets`, as the app's `on_shutdown` hook, closes every socket with 1001 so that clients
  move to another edge.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Literal

import nats.errors
from aiohttp import WSCloseCode, WSMsgType, web
from pydantic import ConfigDict, ValidationError

from nodes.edge.auth import InvalidToken, bearer_token
from nodes.edge.errors import STATUS_OF
from nodes.edge.http import Surface
from nodes.edge.state import ACTOR, HUB, KEYRING, VERIFIER
from nodes.runtime.bus import Bus
from nodes.runtime.context import current_request_id, new_request_id
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.fields import NON_EMPTY

from .connection import BUFFER_SIZE, DROPPABLE, BufferedConnection, Delivery
from .frames import ClientFrame, JsonObject, ServerFrame, decode_frame
from .hub import DeliveryHub

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024  # a message is at most 4000 characters (16 KiB of UTF-8) and its fields
HEARTBEAT_S = 30.0
AUTH_WAIT_S = 10.0
CLOSE_WAIT_S = 2.0

CLOSE_CODES: dict[ErrorCode, int] = {
    ErrorCode.UNAUTHORIZED: 4001,
    ErrorCode.FORBIDDEN: 4003,
    ErrorCode.NOT_FOUND: 4004,
    ErrorCode.VALIDATION: 4000,
    ErrorCode.CONFLICT: 4009,
    ErrorCode.RATE_LIMITED: 4029,
    ErrorCode.UNAVAILABLE: WSCloseCode.TRY_AGAIN_LATER,
    ErrorCode.INTERNAL: WSCloseCode.INTERNAL_ERROR,
}
SLOW_CLIENT_CLOSE = WSCloseCode.TRY_AGAIN_LATER


class ErrorFrame(ServerFrame):
    """An error: the protocol's error `type`, then the contract's error body as its HTTP responses
    have it (its fields differ by contract)."""

    model_config = ConfigDict(extra="allow")
    type: str


@dataclass(frozen=True)
class WsProtocol:
    """How one contract's sockets authenticate and word their errors."""

    surface: Surface
    error_type: str = "error"
    first_frame_auth: bool = False

    def error(self, exc: DomainError) -> ErrorFrame:
        body = self.surface.error_format(STATUS_OF[exc.code], exc.code, exc.message, dict(exc.details))
        return ErrorFrame(type=self.error_type, **body)


class AuthFirst(ClientFrame):
    """The first frame of a protocol with `first_frame_auth`."""

    type: Literal["auth"]
    token: Annotated[str, NON_EMPTY]


class Channel(ABC):
    """One socket's view of its contract; `bus` and `actor` are the socket's."""

    def __init__(self, bus: Bus, actor: Actor) -> None:
        self.bus = bus
        self.actor = actor

    async def opening(self) -> list[ServerFrame]:
        """Frames sent once the socket receives deliveries, before any of them."""
        return []

    @abstractmethod
    async def shown(self, delivery_type: str, payload: JsonObject) -> list[ServerFrame]:
        """A delivery to the user as this socket shows it: usually one frame, none when it is about
        something else. `payload` is shared with the user's other connections: read only."""

    @abstractmethod
    async def received(self, frame: JsonObject) -> list[ServerFrame]:
        """A client frame (a JSON object), done; the frames that answer it. DomainError: an error frame."""


Opener = Callable[[web.Request, Actor], Awaitable[Channel]]


# --- the connection --------------------------------------------------------------------------------


class WsConnection(BufferedConnection):
    def __init__(
        self,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport | None,
        channel: Channel,
        hub: DeliveryHub,
        *,
        buffer_size: int = BUFFER_SIZE,
    ) -> None:
        super().__init__(buffer_size=buffer_size)
        self.ws = ws
        self.transport = transport
        self.channel = channel
        self.actor = channel.actor
        self._hub = hub

    def __repr__(self) -> str:
        return f"<websocket {type(self.channel).__name__} user {self.actor.user_id}>"

    async def send(self, batch: list[Delivery]) -> None:
        for delivery_type, payload in batch:
            for frame in await self._shown(delivery_type, payload):
                await self.write(frame)

    async def write(self, frame: ServerFrame) -> None:
        """Returns once the transport has the frame (waiting while a client's buffers are full)."""
        try:
            await self.ws.send_str(frame.encode().decode())
        except ConnectionError:  # the client is gone: the socket's handler sees it and cleans up
            log.debug("%r: the client is gone", self)

    async def close(self) -> None:
        """The client read too slowly (or a delivery could not be shown): it reconnects."""
        await close_socket(self.ws, self.transport, SLOW_CLIENT_CLOSE, "Reconnect")
        await self._hub.unregister(self.actor.user_id, self)

    async def _shown(self, delivery_type: str, payload: JsonObject) -> list[ServerFrame]:
        try:
            return await self.channel.shown(delivery_type, payload)
        except ValidationError:  # not what its type says: nothing to show (the hub skips unreadable ones too)
            log.warning("%r: ignoring a malformed %s delivery", self, delivery_type)
            return []
        except DomainError as exc:
            if delivery_type not in DROPPABLE:
                raise  # the sender closes the socket: the client reloads what it would have missed
            log.debug("%r: %s delivery not shown: %s", self, delivery_type, exc)
            return []


async def close_socket(
    ws: web.WebSocketResponse, transport: asyncio.Transport | None, code: int, reason: str
) -> None:
    """Close with `code`; a client that does not take the close in time has its TCP connection cut."""
    try:
        await asyncio.wait_for(
            ws.close(code=code, message=reason[:40].encode()), CLOSE_WAIT_S
        )  # <= 123 bytes
    except (TimeoutError, ConnectionError):
        if transport is not None:
            transport.abort()


# --- serving a socket ------------------------------------------------------------------------------

# The open sockets of each app, by its hub (an aiohttp app is not hashable), for `close_websockets`.
_OPEN: weakref.WeakKeyDictionary[DeliveryHub, set[WsConnection]] = weakref.WeakKeyDictionary()


async def serve(request: web.Request, protocol: WsProtocol, open_channel: Opener) -> web.WebSocketResponse:
    """Upgrade, authenticate, open the channel, then relay deliveries and client frames until either
    side closes."""
    ws = web.WebSocketResponse(max_msg_size=MAX_FRAME_BYTES, heartbeat=HEARTBEAT_S)
    await ws.prepare(request)
    try:
        actor = await _authenticate(request, ws, protocol)
        if actor is None:  # the client left before authenticating
            return ws
        request[ACTOR] = actor
        channel = await open_channel(request, actor)
    except DomainError as exc:
        await _refuse(request, ws, protocol, exc)
        return ws
    except Exception:
        log.exception("opening a websocket failed")
        await _refuse(request, ws, protocol, DomainError(ErrorCode.INTERNAL, "Internal server error"))
        return ws
    hub = request.app[HUB]
    connection = WsConnection(ws, request.transport, channel, hub)
    try:
        await hub.register(actor.user_id, connection)
    except (nats.errors.Error, RuntimeError):
        await _refuse(request, ws, protocol, DomainError(ErrorCode.UNAVAILABLE, "Try again later"))
        return ws
    try:
        _OPEN.setdefault(hub, set()).add(connection)
        await _open(connection, protocol)
        connection.start()
        await _converse(request, connection, protocol)
    finally:
        # Shielded: aiohttp may cancel this handler when the client's connection drops.
        await asyncio.shield(_leave(hub, connection))
    return ws


async def _leave(hub: DeliveryHub, connection: WsConnection) -> None:
    _OPEN.get(hub, set()).discard(connection)
    await connection.stop()
    await hub.unregister(connection.actor.user_id, connection)
    if not connection.ws.closed:
        await close_socket(connection.ws, connection.transport, WSCloseCode.OK, "")


async def close_websockets(app: web.Application) -> None:
    """Close every socket of this app (shutting down): clients reconnect, to another edge."""
    connections = tuple(_OPEN.pop(app[HUB], set()))
    await asyncio.gather(
        *(
            close_socket(c.ws, c.transport, WSCloseCode.GOING_AWAY, "Server shutting down")
            for c in connections
        )
    )


async def _authenticate(
    request: web.Request, ws: web.WebSocketResponse, protocol: WsProtocol
) -> Actor | None:
    token = _query_token(request) or bearer_token(request.headers.get("Authorization"), None)
    if token is None and protocol.first_frame_auth:
        token = await _auth_frame(ws)
        if token is None:
            return None
    try:
        if not token:
            raise InvalidToken("no token")
        return request.app[VERIFIER].verify_access(token)
    except InvalidToken as exc:
        log.info("websocket refused: %s", exc)
        raise DomainError(ErrorCode.UNAUTHORIZED, "Could not validate credentials") from None


def _query_token(request: web.Request) -> str | None:
    token = request.query.get("token", "").strip()
    scheme, _, rest = token.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" and rest.strip() else token or None


async def _auth_frame(ws: web.WebSocketResponse) -> str | None:
    """The token of the first frame; None when the client leaves instead."""
    try:
        msg = await ws.receive(timeout=AUTH_WAIT_S)
    except TimeoutError:
        raise DomainError(ErrorCode.UNAUTHORIZED, "Authenticate first") from None
    if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
        return None
    try:
        return AuthFirst.model_validate(decode_frame(msg.data)).token
    except (DomainError, ValidationError):
        raise DomainError(
            ErrorCode.UNAUTHORIZED, 'Authenticate first: {"type": "auth", "token": ...}'
        ) from None


async def _refuse(
    request: web.Request, ws: web.WebSocketResponse, protocol: WsProtocol, exc: DomainError
) -> None:
    if ws.closed:
        return
    try:
        await ws.send_str(protocol.error(exc).encode().decode())
    except ConnectionError:
        pass
    await close_socket(ws, request.transport, CLOSE_CODES[exc.code], exc.message)


async def _open(connection: WsConnection, protocol: WsProtocol) -> None:
    # Deliveries arriving meanwhile wait in the buffer: the opening frames come first.
    frames: list[ServerFrame]
    try:
        frames = await connection.channel.opening()
    except DomainError as exc:
        frames = [protocol.error(exc)]
    for frame in frames:
        await connection.write(frame)


async def _converse(request: web.Request, connection: WsConnection, protocol: WsProtocol) -> None:
    revoked = request.app[KEYRING].revoked
    async for msg in connection.ws:
        if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            continue  # an ERROR (a frame too big, say): aiohttp has closed the socket with its code
        current_request_id.set(new_request_id())
        if connection.actor.session_id in revoked:
            await connection.write(protocol.error(DomainError(ErrorCode.UNAUTHORIZED, "Session ended")))
            await close_socket(
                connection.ws, request.transport, CLOSE_CODES[ErrorCode.UNAUTHORIZED], "Session ended"
            )
            return
        for frame in await _answer(connection.channel, protocol, msg.data):
            await connection.write(frame)


async def _answer(channel: Channel, protocol: WsProtocol, data: str | bytes) -> list[ServerFrame]:
    try:
        return await channel.received(decode_frame(data))
    except DomainError as exc:
        return [protocol.error(exc)]
    except Exception:
        log.exception("handling a websocket frame failed")
        return [protocol.error(DomainError(ErrorCode.INTERNAL, "Internal server error"))]
