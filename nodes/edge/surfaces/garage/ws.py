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

from typing import Any

from aiohttp import web
from pydantic import Field

from nodes.edge.http import SurfaceRoutes
from nodes.edge.realtime.ws import Channel, Conversations, Frame, FrameTypes, WsProtocol, serve
from nodes.edge.state import BUS
from nodes.runtime.bus import Bus
from protocols.chat import (
    CLIENT_MSG_ID_MAX,
    Conversation,
    ConversationDelivery,
    MessageDelivery,
    SendMessage,
    Typing,
    TypingDelivery,
)
from protocols.envelope import Actor, DomainError, ErrorCode

from .chat import NOT_FOUND, SUPPORT, MessageBody
from .errors import SURFACE
from .shapes import CamelModel, thread_message

routes = SurfaceRoutes(SURFACE)
PROTOCOL = WsProtocol(SURFACE, error_type="ERROR")
THREAD_ID_MAX = 20


class SendFrame(MessageBody):
    thread_id: str | int
    client_msg_id: str | None = Field(default=None, min_length=1, max_length=CLIENT_MSG_ID_MAX)


class TypingFrame(CamelModel):
    thread_id: str | int


class SupportChannel(Channel):
    def __init__(self, bus: Bus, actor: Actor) -> None:
        super().__init__(bus, actor)
        self.threads = Conversations(bus, actor, SUPPORT)

    async def thread(self, thread_id: str | int) -> Conversation:
        number = str(thread_id)
        if not number.isdigit() or len(number) > THREAD_ID_MAX:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        return await self.threads.require(int(number), NOT_FOUND)

    async def shown(self, delivery_type: str, payload: dict[str, Any]) -> list[Frame]:
        if delivery_type == "message":
            delivery = MessageDelivery.model_validate(payload)
            if delivery.conversation_kind is not SUPPORT:
                return []
            thread = await self.threads.get(delivery.message.conversation_id)
            if thread is None:
                return []
            shaped = thread_message(delivery.message, thread.created_by)
            return [{"type": "MESSAGE", **shaped.model_dump(mode="json", by_alias=True)}]
        if delivery_type == "typing":
            typing = TypingDelivery.model_validate(payload)
            if not typing.typing or await self.threads.get(typing.conversation_id) is None:
                return []
            return [{"type": "TYPING", "user": str(typing.user_id), "threadId": str(typing.conversation_id)}]
        if delivery_type == "conversation":  # added to a thread: look it up afresh
            self.threads.forget(ConversationDelivery.model_validate(payload).conversation_id)
        return []

    async def received(self, frame: Frame) -> list[Frame]:
        return await FRAMES.dispatch(self, frame)


FRAMES: FrameTypes[SupportChannel] = FrameTypes()


@FRAMES.on("SEND", SendFrame)
async def send(channel: SupportChannel, frame: SendFrame) -> list[Frame]:
    thread = await channel.thread(frame.thread_id)
    cmd = SendMessage(
        conversation_id=thread.id, body=frame.body, attachments=frame.attachments,
        client_msg_id=frame.client_msg_id, conversation_kind=SUPPORT,
    )  # fmt: skip
    stored = await channel.bus.request(cmd, actor=channel.actor)
    if frame.client_msg_id is None:
        return []
    return [{"type": "ACK", "clientMsgId": frame.client_msg_id, "id": str(stored.message.id),
             "duplicate": stored.duplicate}]  # fmt: skip


@FRAMES.on("TYPING", TypingFrame)
async def typing(channel: SupportChannel, frame: TypingFrame) -> list[Frame]:
    thread = await channel.thread(frame.thread_id)  # the command knows no kinds
    await channel.bus.request(Typing(conversation_id=thread.id), actor=channel.actor)
    return []


async def open_threads(request: web.Request, actor: Actor) -> Channel:
    return SupportChannel(request.app[BUS], actor)


@routes.get("/chat/ws", responses={101: None})
async def chat_socket(request: web.Request) -> web.WebSocketResponse:
    """Real-time support chat (WebSocket, `?token=` the access token)."""
    return await serve(request, PROTOCOL, open_threads)
