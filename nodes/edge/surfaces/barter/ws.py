"""FreeMarket (001): `WS /ws/exchange/{exchange_id}?token=`, an exchange's chat live, on the delivery hub
and the one chat core.

The exchange is resolved as the REST chat endpoints resolve it (chat.py): only its participants (as
the matching domain knows them, two for a swap, all of a chain's) reach it, only while it is agreed
or completed; its chat is opened the first time one of them touches it, and a message frame is the REST
history's message (`exchange_message`: `id`, `exchange_id`, `sender_id`, `message_text`,
`message_type`, `is_read`, `delivered_at`, `read_at`, `created_at`) with `"type": "message"`.

Client to server:

- `{"type": "message", "text", "message_type"?, "client_msg_id"?}`: sends (`message_type` TEXT by
  default; IMAGE takes the picture's URL as `text`; SYSTEM messages come from the platform only and
  are refused). Every participant's sockets on this exchange get the `message` frame, the sender's included.
- `{"type": "typing", "typing"?}`: the other participants' sockets get `{"type": "typing", "exchange_id",
  "user_id"}` (a stop, `"typing": false`, is not shown).
- `{"type": "read"}`: everything is read (as `mark-read`); every participant's sockets get `{"type": "read",
  "exchange_id", "user_id", "message_id"}` (the last message read).

Choices where the document is silent:

- "Message delivery guarantees": a send that carries a `client_msg_id` is stored once however often
  it is retried (on this socket or after reconnecting), and the sending socket is answered `{"type":
  "ack", "client_msg_id", "message_id", "duplicate"}` once it is stored; the sender's own message
  frames carry their `client_msg_id`. A client resends what was not acked after a reconnect.
- A socket shows its exchange only: the user's other exchanges and conversations are not on it.
- Errors are frames in the REST error body, `{"type": "error", "detail", "status_code",
  "error_type"}`. An exchange the user is not in (or no exchange at all) is refused with such a frame
  (404, "Exchange not found") and close code 4004; a missing or bad token with 401 and 4001.
- A live message's `is_read` is false (nobody has read it yet).
"""

from __future__ import annotations

from typing import Annotated, Literal

from aiohttp import web

from nodes.edge.http import SurfaceRoutes
from nodes.edge.kit.frames import LiveMessage, ReadShown, TypingShown, acked, live_message
from nodes.edge.kit.sockets import OneConversationChannel
from nodes.edge.realtime.frames import ClientFrame, FrameTable, JsonObject, ServerFrame
from nodes.edge.realtime.ws import Channel, WsProtocol, serve
from nodes.edge.state import BUS
from nodes.runtime.bus import Bus
from protocols.chat import ChatMessage, Conversation, MarkRead, MessageKind, SendMessage, Typing
from protocols.envelope import Actor
from protocols.fields import NON_EMPTY, ClientMsgId, MessageText

from .chat import EXCHANGE, exchange_chat
from .errors import SURFACE
from .shapes import ExchangeMessageOut, exchange_message

routes = SurfaceRoutes(SURFACE)
PROTOCOL = WsProtocol(SURFACE)

KINDS: dict[str, MessageKind] = {
    "TEXT": MessageKind.TEXT,
    "IMAGE": MessageKind.IMAGE,
    "SYSTEM": MessageKind.SYSTEM,
}

# --- client frames ---------------------------------------------------------------------------------


class SendFrame(ClientFrame):
    type: Literal["message"] = "message"
    text: Annotated[MessageText, NON_EMPTY]
    message_type: Literal["TEXT", "IMAGE", "SYSTEM"] = "TEXT"
    client_msg_id: ClientMsgId | None = None


class TypingFrame(ClientFrame):
    type: Literal["typing"] = "typing"
    typing: bool = True


class ReadFrame(ClientFrame):
    type: Literal["read"] = "read"


# --- server frames ---------------------------------------------------------------------------------


class MessageFrame(ExchangeMessageOut, LiveMessage):
    pass


class ExchangeTyping(TypingShown):
    exchange_id: str


class ExchangeRead(ReadShown):
    exchange_id: str


# --- the socket ------------------------------------------------------------------------------------


class ExchangeChannel(OneConversationChannel):
    def __init__(self, bus: Bus, actor: Actor, exchange_id: str, chat: Conversation) -> None:
        super().__init__(bus, actor, chat, EXCHANGE)
        self.exchange_id = exchange_id

    def message_frame(self, message: ChatMessage) -> ServerFrame:
        shaped = exchange_message(message, self.exchange_id, self.chat, self.actor.user_id)
        return live_message(MessageFrame, shaped, message, self.actor.user_id)

    def typing_frame(self, user_id: int) -> ServerFrame:
        return ExchangeTyping(exchange_id=self.exchange_id, user_id=user_id)

    def read_frame(self, user_id: int, message_id: int) -> ServerFrame:
        return ExchangeRead(exchange_id=self.exchange_id, user_id=user_id, message_id=message_id)

    async def received(self, frame: JsonObject) -> list[ServerFrame]:
        return await FRAMES.answer(self, frame)


FRAMES: FrameTable[ExchangeChannel, ServerFrame] = FrameTable()


@FRAMES.on(SendFrame)
async def send(channel: ExchangeChannel, frame: SendFrame) -> list[ServerFrame]:
    kind = KINDS[frame.message_type]
    image = kind is MessageKind.IMAGE
    cmd = SendMessage(
        conversation_id=channel.chat.id, body="" if image else frame.text, attachments=[frame.text] if image else [],
        kind=kind, client_msg_id=frame.client_msg_id, conversation_kind=EXCHANGE,
    )  # fmt: skip
    return acked(frame.client_msg_id, await channel.bus.request(cmd, actor=channel.actor))


@FRAMES.on(TypingFrame)
async def typing(channel: ExchangeChannel, frame: TypingFrame) -> list[ServerFrame]:
    await channel.bus.request(
        Typing(conversation_id=channel.chat.id, typing=frame.typing), actor=channel.actor
    )
    return []


@FRAMES.on(ReadFrame)
async def read(channel: ExchangeChannel, _frame: ReadFrame) -> list[ServerFrame]:
    await channel.bus.request(
        MarkRead(conversation_id=channel.chat.id, conversation_kind=EXCHANGE), actor=channel.actor
    )
    return []


async def open_exchange(request: web.Request, actor: Actor) -> Channel:
    _, exchange_id, chat = await exchange_chat(request)  # reads the actor `serve` put on the request
    return ExchangeChannel(request.app[BUS], actor, exchange_id, chat)


@routes.get("/ws/exchange/{exchange_id}", responses={101: None})
async def exchange_socket(request: web.Request) -> web.WebSocketResponse:
    """Real-time chat for an exchange (WebSocket, `?token=` the access token)."""
    return await serve(request, PROTOCOL, open_exchange)
