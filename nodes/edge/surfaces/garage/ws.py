"""Membership Auto (004): `WS /chat/ws?token=`, the member's support threads live, on the delivery hub
and the one chat core.

Frames as the document gives them. Client to server: `{"type": "SEND", "threadId", "body",
"attachments"}` and `{"type": "TYPING", "threadId"}`. Server to client: `{"type": "MESSAGE", "id",
"threadId", "body", "sender", "timestamp", "attachments"}`, the REST message (`thread_message`) with
its type, so the live and the stored message read alike, and `{"type": "TYPING", "user", "threadId"}`.

Choices where the document is silent:

- One socket carries every support thread of the user (threads are named in each frame); the user's
  conversations of other kinds (another contract's dialog or exchange) never appear on it, and a
  `threadId` that is not one of the user's support threads is answered like a missing thread.
- A sent message comes back as a `MESSAGE` frame to every socket of everyone in the thread, the
  sender's included. A SEND may carry a `clientMsgId`: a retried send is then stored once and the
  sending socket is answered `{"type": "ACK", "clientMsgId", "id", "duplicate"}`.
- `user` in TYPING is the typist's account id as a string, like every id of this contract; a typing
  stop is not shown, nor are read receipts (the document has none; fetching messages over REST
  marks them read).
- Errors are `{"type": "ERROR", "error": "..."}` frames (the contract's `{"error"}` body, with its
  per-field messages for a frame that fails its schema); the socket stays open. A missing or bad
  token is refused with such a frame and close code 4001.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web

from nodes.edge.http import SurfaceRoutes
from nodes.edge.kit.sockets import Conversations
from nodes.edge.realtime.frames import ClientFrame, FrameTable, JsonObject, ServerFrame
from nodes.edge.realtime.ws import Channel, WsProtocol, serve
from nodes.edge.state import BUS
from nodes.runtime.bus import Bus
from protocols.chat import (
    Conversation,
    ConversationDelivery,
    MessageDelivery,
    SendMessage,
    Typing,
    TypingDelivery,
)
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.fields import ClientMsgId

from .chat import NOT_FOUND, SUPPORT, MessageBody
from .errors import SURFACE
from .shapes import CamelModel, ThreadMessage, thread_message

routes = SurfaceRoutes(SURFACE)
PROTOCOL = WsProtocol(SURFACE, error_type="ERROR")
THREAD_ID_MAX = 20

# --- client frames ---------------------------------------------------------------------------------


class SendFrame(MessageBody, ClientFrame):
    type: Literal["SEND"] = "SEND"
    thread_id: str | int
    client_msg_id: ClientMsgId | None = None


class TypingFrame(CamelModel, ClientFrame):
    type: Literal["TYPING"] = "TYPING"
    thread_id: str | int


# --- server frames ---------------------------------------------------------------------------------


class MessageFrame(ThreadMessage, ServerFrame):
    type: Literal["MESSAGE"] = "MESSAGE"


class ThreadTyping(CamelModel, ServerFrame):
    type: Literal["TYPING"] = "TYPING"
    user: str
    thread_id: str


class ThreadAcked(CamelModel, ServerFrame):
    type: Literal["ACK"] = "ACK"
    client_msg_id: str
    id: str
    duplicate: bool


# --- the socket ------------------------------------------------------------------------------------

SHOWN: FrameTable[SupportChannel, ServerFrame] = FrameTable()


class SupportChannel(Channel):
    def __init__(self, bus: Bus, actor: Actor) -> None:
        super().__init__(bus, actor)
        self.threads = Conversations(bus, actor, SUPPORT)

    async def thread(self, thread_id: str | int) -> Conversation:
        number = str(thread_id)
        if not number.isdigit() or len(number) > THREAD_ID_MAX:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        return await self.threads.require(int(number), NOT_FOUND)

    async def shown(self, delivery_type: str, payload: JsonObject) -> list[ServerFrame]:
        return await SHOWN.show(self, delivery_type, payload)

    @SHOWN.on(MessageDelivery)
    async def _message(self, delivery: MessageDelivery) -> list[ServerFrame]:
        if delivery.conversation_kind is not SUPPORT:
            return []
        thread = await self.threads.get(delivery.message.conversation_id)
        if thread is None:
            return []
        return [MessageFrame(**dict(thread_message(delivery.message, thread.created_by)))]

    @SHOWN.on(TypingDelivery)
    async def _typing(self, typing: TypingDelivery) -> list[ServerFrame]:
        if not typing.typing or await self.threads.get(typing.conversation_id) is None:
            return []
        return [ThreadTyping(user=str(typing.user_id), thread_id=str(typing.conversation_id))]

    @SHOWN.on(ConversationDelivery)
    async def _added(self, delivery: ConversationDelivery) -> list[ServerFrame]:
        self.threads.forget(delivery.conversation_id)  # added to a thread: look it up afresh
        return []

    async def received(self, frame: JsonObject) -> list[ServerFrame]:
        return await FRAMES.answer(self, frame)


FRAMES: FrameTable[SupportChannel, ServerFrame] = FrameTable()


@FRAMES.on(SendFrame)
async def send(channel: SupportChannel, frame: SendFrame) -> list[ServerFrame]:
    thread = await channel.thread(frame.thread_id)
    cmd = SendMessage(
        conversation_id=thread.id, body=frame.body, attachments=frame.attachments,
        client_msg_id=frame.client_msg_id, conversation_kind=SUPPORT,
    )  # fmt: skip
    stored = await channel.bus.request(cmd, actor=channel.actor)
    if frame.client_msg_id is None:
        return []
    return [
        ThreadAcked(client_msg_id=frame.client_msg_id, id=str(stored.message.id), duplicate=stored.duplicate)
    ]


@FRAMES.on(TypingFrame)
async def typing(channel: SupportChannel, frame: TypingFrame) -> list[ServerFrame]:
    thread = await channel.thread(frame.thread_id)  # the command knows no kinds
    await channel.bus.request(Typing(conversation_id=thread.id), actor=channel.actor)
    return []


async def open_threads(request: web.Request, actor: Actor) -> Channel:
    return SupportChannel(request.app[BUS], actor)


@routes.get("/chat/ws", responses={101: None})
async def chat_socket(request: web.Request) -> web.WebSocketResponse:
    """Real-time support chat (WebSocket, `?token=` the access token)."""
    return await serve(request, PROTOCOL, open_threads)
