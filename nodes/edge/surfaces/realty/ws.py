"""Realty (003): `WS chat/ws/{chat_id}`, one property chat live, on the delivery hub and the one chat core.

The document names the path and its two parameters (`chat_id`, and `token`, "Bearer token") and
nothing more; its chats are chat.py's, and a message frame is the REST message (`message_out`:
`id`, `chat_id`, `sender_id`, `content`, `created_at`, `is_read`) with `"type": "message"`, so the
live and the stored message read alike.

Choices where the document is silent:

- The token is the `token` query parameter, bare or as `Bearer <token>` (an `Authorization: Bearer`
  header works too, for clients that can set one).
- Client to server: `{"type": "message", "content", "client_msg_id"?}` sends (a frame without a
  `type` is a message, and `message` is read as `content`); `{"type": "typing"}` shows the other
  participant `{"type": "typing", "chat_id", "user_id"}`; `{"type": "read", "message_id"?}` reads up
  to that message (all without one) and both participants get `{"type": "read", "chat_id",
  "message_id", "user_id"}`. Messages come back as `message` frames to every socket of both
  participants on this chat, the sender's included.
- With `client_msg_id`, a retried send is stored once and the sending socket is answered `{"type":
  "ack", "client_msg_id", "message_id", "duplicate"}`; the sender's own message frames carry it.
- A socket shows this chat only. A chat that is not the user's (or none, or an id that is not a
  number) is refused with `{"type": "error", "detail": "Chat not found"}` and close code 4004; a
  missing or bad token with 4001. Other errors are `{"type": "error", "detail"}` frames, FastAPI's
  body as the REST endpoints answer it, and the socket stays open.
- A live message's `is_read` is false (nobody has read it yet); a typing stop is not shown.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import AliasChoices, Field

from nodes.edge.errors import not_found_says
from nodes.edge.http import SurfaceRoutes, path_int
from nodes.edge.kit.chat import Content
from nodes.edge.kit.frames import LiveMessage, ReadShown, TypingShown, acked, live_message
from nodes.edge.kit.sockets import OneConversationChannel
from nodes.edge.realtime.frames import ClientFrame, FrameTable, JsonObject, ServerFrame
from nodes.edge.realtime.ws import Channel, WsProtocol, serve
from nodes.edge.state import BUS
from nodes.runtime.bus import Bus
from protocols.chat import ChatMessage, Conversation, GetConversation, MarkRead, SendMessage, Typing
from protocols.envelope import Actor
from protocols.fields import ClientMsgId, Id

from .chat import PROPERTY
from .errors import SURFACE
from .shapes import ChatMessageOut, message_out

routes = SurfaceRoutes(SURFACE)
PROTOCOL = WsProtocol(SURFACE)
NOT_FOUND = "Chat not found"

# --- client frames ---------------------------------------------------------------------------------


class SendFrame(ClientFrame):
    type: Literal["message"] = "message"
    content: Content = Field(validation_alias=AliasChoices("content", "message"))
    client_msg_id: ClientMsgId | None = None


class TypingFrame(ClientFrame):
    type: Literal["typing"] = "typing"


class ReadFrame(ClientFrame):
    type: Literal["read"] = "read"
    message_id: Id | None = None


# --- server frames ---------------------------------------------------------------------------------


class MessageFrame(ChatMessageOut, LiveMessage):
    pass


class ChatTyping(TypingShown):
    chat_id: int


class ChatRead(ReadShown):
    chat_id: int


# --- the socket ------------------------------------------------------------------------------------


class PropertyChatChannel(OneConversationChannel):
    def __init__(self, bus: Bus, actor: Actor, chat: Conversation) -> None:
        super().__init__(bus, actor, chat, PROPERTY)

    def message_frame(self, message: ChatMessage) -> ServerFrame:
        return live_message(MessageFrame, message_out(message, self.chat), message, self.actor.user_id)

    def typing_frame(self, user_id: int) -> ServerFrame:
        return ChatTyping(chat_id=self.chat.id, user_id=user_id)

    def read_frame(self, user_id: int, message_id: int) -> ServerFrame:
        return ChatRead(chat_id=self.chat.id, user_id=user_id, message_id=message_id)

    async def received(self, frame: JsonObject) -> list[ServerFrame]:
        return await FRAMES.answer(self, frame)


FRAMES: FrameTable[PropertyChatChannel, ServerFrame] = FrameTable(untyped="message")


@FRAMES.on(SendFrame)
async def send(channel: PropertyChatChannel, frame: SendFrame) -> list[ServerFrame]:
    cmd = SendMessage(
        conversation_id=channel.chat.id, body=frame.content, client_msg_id=frame.client_msg_id,
        conversation_kind=PROPERTY,
    )  # fmt: skip
    return acked(frame.client_msg_id, await channel.bus.request(cmd, actor=channel.actor))


@FRAMES.on(TypingFrame)
async def typing(channel: PropertyChatChannel, _frame: TypingFrame) -> list[ServerFrame]:
    await channel.bus.request(Typing(conversation_id=channel.chat.id), actor=channel.actor)
    return []


@FRAMES.on(ReadFrame)
async def read(channel: PropertyChatChannel, frame: ReadFrame) -> list[ServerFrame]:
    cmd = MarkRead(conversation_id=channel.chat.id, message_id=frame.message_id, conversation_kind=PROPERTY)
    await channel.bus.request(cmd, actor=channel.actor)
    return []


async def open_chat(request: web.Request, actor: Actor) -> Channel:
    with not_found_says(NOT_FOUND):
        cmd = GetConversation(conversation_id=path_int(request, "chat_id"), conversation_kind=PROPERTY)
        chat = await request.app[BUS].request(cmd, actor=actor)
    return PropertyChatChannel(request.app[BUS], actor, chat)


@routes.get("/chat/ws/{chat_id}", responses={101: None})
async def chat_socket(request: web.Request) -> web.WebSocketResponse:
    """WebSocket for a chat's messages (`?token=` the access token)."""
    return await serve(request, PROTOCOL, open_chat)
