"""The platform's own real-time protocol: Socket.IO at `/socket.io/` (default namespace).

Connect with `auth={"token": "<access token>", "positions": {"<conversation_id>": <last seq>}}`;
`positions` is optional. A missing, invalid, expired, revoked or non-access token is refused with a
`connect_error` whose message is `unauthorized` (malformed `positions`: `validation`). After
connecting, a client that gave positions is sent what it missed as `message` events (in order,
shaped as live ones and marked `"replay": true`), then `resync` {"conversation_ids": [...]} for conversations too far
behind to replay (reload their history over REST).

Client -> server, each answered through the Socket.IO ack with `{"ok": true, ...}` or
`{"ok": false, "error": {"code", "message"[, "details"]}}` (codes: not_found, forbidden, conflict,
validation, unauthorized, rate_limited, unavailable, internal):

- `send` {conversation_id, body, kind?, attachments?, client_msg_id?} -> {message, duplicate}.
  Retrying with the same `client_msg_id` stores the message once (`duplicate: true`). The sending
  connection has the message in its ack; the user's other devices get it as a `message` event.
- `read` {conversation_id, up_to_seq?, message_id?} -> {state: {conversation_id, user_id, read_seq,
  unread_count}}
- `typing` {conversation_id, typing?} -> {} (an ack is optional)
- `catch_up` {positions: {"<conversation_id>": <last seq>}} -> {messages, resync}
- anything else, or a payload that is not an object of the right fields -> error `validation`.
- a packet that cannot be read (not JSON, an event name that is not a string or is `connect` or
  `disconnect`, binary attachments) -> error `validation` if it has an ack id, else it is dropped.

`EVENTS` is that table: each event's payload is read as the command (protocols/chat.py) whose fields
it takes and handed to the event's handler, whose ack is typed (sio_frames.py).

A client's events about one conversation (those whose payload names a `conversation_id`: `send`,
`read`, `typing`) are handled one at a time, in the order sent, so its sends to a conversation are
stored in that order. Events about different conversations run concurrently: a send that hangs holds
back only the later events of its own conversation. The events that name no conversation
(`catch_up`, unknown events, malformed packets) form one lane of their own, in order among
themselves and concurrent with the conversations: a `catch_up` answers with what is stored when it
runs, and a send still in flight reaches the client through its own ack. A connection has at most
32 events running or waiting; past that the server reads nothing more from it until one finishes
(none is dropped). Every event with an ack id is answered.

Server -> client, one event per delivery addressed to the user, named by its type, its payload
the delivery itself: `message` {message, conversation_kind, topic_id}, `read` {state}, `typing`
{conversation_id, user_id, typing}, `conversation` {conversation_id}, and likewise any other type
(`presence`, `notification`). Every device of the user receives each one. Delivery is best effort:
a client that stops reading loses typing and presence first and is then disconnected, to reconnect
with its positions.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import nats.errors
import socketio
from aiohttp import web

from nodes.edge.auth import InvalidToken, TokenVerifier
from nodes.runtime.bus import Bus
from nodes.runtime.context import current_request_id, new_request_id
from protocols.chat import CatchUp, MarkRead, MessageDelivery, SendMessage, Typing
from protocols.envelope import Actor, Command, DomainError, ErrorCode, decode_data

from .frames import JsonObject
from .hub import DeliveryHub
from .sio_connection import Event, Lane, SocketIOConnection
from .sio_frames import (
    Ack,
    CaughtUpAck,
    ErrorAck,
    OkAck,
    ReadAck,
    SentAck,
    error_ack,
    refusal,
)
from .sio_packets import JsonPacket, Malformed, OrjsonJson
from .sio_websocket import DirectSocketIOServer

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 128 * 1024  # a send is at most ~16 KiB of body; positions ~10 KiB
SETTLE_S = 5.0  # at shutdown, how long the events still running may take

P = TypeVar("P", bound=Command[Any])


def attach_socketio(
    app: web.Application, verifier: TokenVerifier, bus: Bus, hub: DeliveryHub, cors_origins: tuple[str, ...]
) -> socketio.AsyncServer:
    """Mount the Socket.IO server on the app; its connections close with the app."""
    sio = DirectSocketIOServer(
        async_mode="aiohttp",
        cors_allowed_origins=list(cors_origins) or [],
        json=OrjsonJson,
        serializer=JsonPacket,
        max_http_buffer_size=MAX_FRAME_BYTES,
        # The gateway orders a client's events itself (`SocketIOGateway.run_event`); python-socketio's
        # own choice is one at a time or a task each, in no order.
        async_handlers=False,
        logger=False,
        engineio_logger=EngineIOLog(ENGINEIO_LOG, {}),
    )
    sio.attach(app, socketio_path="/socket.io/")
    gateway = SocketIOGateway(sio, verifier, bus, hub)
    gateway.register()
    sio.run_event = gateway.run_event

    async def close(_app: web.Application) -> None:
        await gateway.close()

    app.on_shutdown.append(close)
    return sio


# engine.io logs every packet at INFO: only its warnings (and the errors below, made warnings) are
# kept, whoever set up logging (an edge in a test included).
ENGINEIO_LOG = logging.getLogger("engineio.server")
ENGINEIO_LOG.setLevel(logging.WARNING)


class EngineIOLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """engine.io's log, told apart from the edge's own faults. What engine.io logs as an error is the
    client's doing (an unknown session, a request the transport cannot take), and a long-polling
    payload it cannot read it logs as its own crash, traceback and all: one warning line each."""

    def error(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self.warning(msg, *args, **kwargs)

    def exception(self, msg: object, *args: Any, exc_info: Any = True, **kwargs: Any) -> None:
        failure = sys.exc_info()[1]
        self.warning("%s: %r", msg, failure, **kwargs)


class SocketIOGateway:
    """The handlers of one server, and its live connections by sid."""

    def __init__(
        self, sio: socketio.AsyncServer, verifier: TokenVerifier, bus: Bus, hub: DeliveryHub
    ) -> None:
        self.sio = sio
        self.verifier = verifier
        self.bus = bus
        self.hub = hub
        self.connections: dict[str, SocketIOConnection] = {}

    def register(self) -> None:
        self.sio.on("connect", self.connect)
        self.sio.on("disconnect", self.disconnect)
        for event, route in EVENTS.items():
            self.sio.on(event, self._handler(event, route))
        self.sio.on("*", self.unknown)

    async def connect(self, sid: str, _environ: dict[str, Any], auth: Any = None) -> None:
        actor = self._authenticate(auth)
        positions = auth.get("positions") if isinstance(auth, dict) else None
        try:
            catch_up = decode_data(CatchUp, {"positions": positions}) if positions else None
        except DomainError:
            raise socketio.exceptions.ConnectionRefusedError(
                "validation", refusal(ErrorCode.VALIDATION, "positions must map conversation ids to seqs")
            ) from None
        connection = SocketIOConnection(
            self.sio, sid, actor, self.bus, positions=catch_up.positions if catch_up else None
        )
        self.connections[sid] = connection
        try:
            await self.hub.register(actor.user_id, connection)
        except (nats.errors.Error, RuntimeError):
            self.connections.pop(sid, None)
            raise socketio.exceptions.ConnectionRefusedError(
                "unavailable", refusal(ErrorCode.UNAVAILABLE, "try again")
            ) from None
        if connection.gone():  # the client left while we subscribed
            self.connections.pop(sid, None)
            await self.hub.unregister(actor.user_id, connection)
            raise socketio.exceptions.ConnectionRefusedError("gone")
        connection.start()

    async def disconnect(self, sid: str, _reason: str | None = None) -> None:
        connection = self.connections.pop(sid, None)
        if connection is not None:
            await connection.stop()
            await self.hub.unregister(connection.actor.user_id, connection)

    async def unknown(self, event: str | Malformed, sid: str, *_args: Any) -> ErrorAck:
        """An event no handler takes, or a packet that could not be read (see `sio_packets.py`); the
        ack goes back only if the client asked for one."""
        if isinstance(event, Malformed):
            log.info("malformed socket.io packet from %s: %s", sid, event.reason)
            return error_ack(DomainError(ErrorCode.VALIDATION, event.reason))
        return error_ack(DomainError(ErrorCode.VALIDATION, f"unknown event {event[:64]!r}"))

    async def run_event(self, sid: str, data: list[Any], handle: Event) -> None:
        """Start `handle`, an event's handling, in its lane of the client's events (see the module's
        docstring); waits while the client has too many in flight."""
        connection = self.connections.get(sid)
        if connection is None:  # gone: the handler answers so
            await handle()
            return
        await connection.events.run(_lane(data), handle)

    async def close(self) -> None:
        """Close every client's transport (they reconnect, to another edge) and leave the hub; the
        events still running finish while the bus is there to answer them."""
        closed = list(self.connections.values())
        for sid, connection in list(self.connections.items()):
            try:
                await connection.close()
            except Exception:  # the transport may be half gone already
                log.debug("closing %r failed", connection, exc_info=True)
            await self.disconnect(sid)
        await asyncio.gather(*(connection.events.settle(SETTLE_S) for connection in closed))

    def _authenticate(self, auth: Any) -> Actor:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            if not isinstance(token, str):
                raise InvalidToken("no token")
            return self.verifier.verify_access(token)
        except InvalidToken as exc:
            log.info("socket.io connection refused: %s", exc)
            raise socketio.exceptions.ConnectionRefusedError(
                "unauthorized", refusal(ErrorCode.UNAUTHORIZED, "a valid access token is required")
            ) from None

    def _handler(self, event: str, route: EventRoute[Any]) -> Callable[..., Awaitable[Ack]]:
        """The event's handler: its payload (`prepare`d) read as the route's command, then done."""

        async def handle(sid: str, data: Any = None, *_extra: Any) -> Ack:
            current_request_id.set(new_request_id())
            connection = self.connections.get(sid)
            if connection is None:
                return error_ack(DomainError(ErrorCode.UNAUTHORIZED, "not connected"))
            if connection.actor.session_id in self.verifier.keyring.revoked:
                connection.close_soon()
                return error_ack(DomainError(ErrorCode.UNAUTHORIZED, "session ended"))
            try:
                if not isinstance(data, dict):
                    raise DomainError(ErrorCode.VALIDATION, f"{event} takes an object")
                payload = decode_data(route.payload, route.prepare(data) if route.prepare else data)
                return await route.handle(self, connection, payload)
            except DomainError as exc:
                return error_ack(exc)
            except Exception:
                log.exception("%s failed", event)
                return error_ack(DomainError(ErrorCode.INTERNAL, "internal error"))

        return handle

    async def share_sender_copy(self, connection: SocketIOConnection, stored: JsonObject) -> None:
        """The sender's other devices get their copy of a message from here (see `_as_sent_here`)."""
        delivery = MessageDelivery.as_json(stored["message"], stored["conversation_kind"], stored["topic_id"])
        try:
            await self.hub.share(connection.actor.user_id, delivery, besides=connection)
        except nats.errors.Error as exc:  # stored is what counts: other devices catch up by sequence
            log.warning(
                "could not share message %s with the sender's devices: %s", stored["message"]["id"], exc
            )


# --- the client's events ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRoute(Generic[P]):
    """An event a client sends: its payload's model, and what is done with the payload read as one.
    `prepare` sets what the edge decides before the payload is read."""

    payload: type[P]
    handle: Callable[[SocketIOGateway, SocketIOConnection, P], Awaitable[Ack]]
    prepare: Callable[[JsonObject], JsonObject] | None = None


# The replies are relayed as the worker wrote them (see Bus.request_json): no model is built and
# dumped again on the hot path.


async def _send(gateway: SocketIOGateway, connection: SocketIOConnection, send: SendMessage) -> SentAck:
    """The sending connection has the message in its ack; the sender's other devices get it from here."""
    stored = await gateway.bus.request_json(send, actor=connection.actor)
    if not stored["duplicate"]:
        await gateway.share_sender_copy(connection, stored)
    return SentAck(ok=True, message=stored["message"], duplicate=stored["duplicate"])


async def _read(gateway: SocketIOGateway, connection: SocketIOConnection, read: MarkRead) -> ReadAck:
    return ReadAck(ok=True, state=await gateway.bus.request_json(read, actor=connection.actor))


async def _typing(gateway: SocketIOGateway, connection: SocketIOConnection, typing: Typing) -> OkAck:
    await gateway.bus.request_json(typing, actor=connection.actor)
    return OkAck(ok=True)


async def _catch_up(
    gateway: SocketIOGateway, connection: SocketIOConnection, catch_up: CatchUp
) -> CaughtUpAck:
    caught = await gateway.bus.request_json(catch_up, actor=connection.actor)
    return CaughtUpAck(ok=True, messages=caught["messages"], resync=caught["resync"])


def _as_sent_here(send: JsonObject) -> JsonObject:
    """A send's payload with a client id if the client gave none (the bus may ask again after a
    timeout, and the id keeps that from storing it twice; unique, not secret: the fast generator),
    and the sender's copy left to this edge (`_send`)."""
    sent = {**send, "sender_copy": False}
    if sent.get("client_msg_id") is None:
        sent["client_msg_id"] = f"sio-{random.getrandbits(128):032x}"
    return sent


EVENTS: dict[str, EventRoute[Any]] = {
    "send": EventRoute(SendMessage, _send, prepare=_as_sent_here),
    "read": EventRoute(MarkRead, _read),
    "typing": EventRoute(Typing, _typing),
    "catch_up": EventRoute(CatchUp, _catch_up),
}


def _lane(data: list[Any]) -> Lane:
    """The conversation an event is about, read as its command will read it (`"7"` is 7), or None."""
    payload = data[1] if len(data) > 1 else None
    conversation_id = payload.get("conversation_id") if isinstance(payload, dict) else None
    if conversation_id is None:
        return None
    try:
        return int(conversation_id)
    except (TypeError, ValueError, OverflowError):  # not a conversation id: the command refuses it
        return None
