"""MillionAvto (000): `WS /ws/chat` and `WS /ws/status`, on the delivery hub and the one chat core.

Both sockets start as the document shows: the client's first frame is `{"type": "auth", "token":
"<access token>"}` (a `?token=` query works too), answered `{"type": "auth", "status": "ok",
"user_id"}`. A dialog is an ad dialog (chat.py), and a message frame is the REST message
(`message_out`: `id`, `message_id`, `dialog_id`, `sender_id`, `content`, `created_at`, `is_read`) with
`"type": "message"`, so the live and the stored message read alike.

`/ws/chat`, client to server:

- `message` {dialog_id, content, client_msg_id?}: sends. The message comes back as a `message` frame
  on every socket of both participants, this one included.
- `typing` {dialog_id}: the other participant's sockets get `{"type": "typing", "dialog_id", "user_id"}`.
- `read` {dialog_id, message_id?}: that message and all before it (without one: all) are read; both
  participants' sockets get `{"type": "read", "dialog_id", "message_id", "user_id"}`.
- `status` {user_id?}: answered with `{"type": "status", "user_id", "status": "online"|"offline"}`
  for that user, or for everyone one shares a dialog with.

Server to client: `message`, `typing` and `read` of the user's ad dialogs only (never another
contract's conversations), and `status` whenever someone one shares a dialog with comes online or
goes offline. `/ws/status` is the same minus the chat: a `status` frame for each dialog partner right
after `auth`, then each change; it takes `status` queries too.

Choices where the document is silent:

- `client_msg_id` is an addition: with it a retried send is stored once, the sending socket gets
  `{"type": "ack", "client_msg_id", "dialog_id", "message_id", "duplicate"}`, and the sender's own
  `message` frames carry it. `user_id` in a `read` frame (who read) is an addition too.
- A live message's `is_read` is false (nobody has read it yet); a typing stop is not shown.
- Errors are `{"type": "error", "detail": ...}`, FastAPI's body as the REST endpoints answer it
  (`detail` the list of `{loc, msg, type}` for a frame that fails its schema). A dialog that is not
  the user's is "not found" like a missing one; a blocked dialog refuses messages ("forbidden").
- Status is shown for the users one shares an ad dialog with: those at connect, and those of dialogs
  opened since (another's opening is delivered; one's own is found when its partner's status first
  changes, by reloading the dialogs, at most once per RECHECK_S for a user that is not a partner).
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web
from pydantic import Field

from nodes.edge.http import SurfaceRoutes
from nodes.edge.kit.chat import Content
from nodes.edge.kit.fastapi import ID_MAX
from nodes.edge.kit.paging import every_conversation
from nodes.edge.realtime.ws import (
    Channel,
    Conversations,
    Frame,
    FrameModel,
    FrameTypes,
    WsProtocol,
    message_at,
    serve,
)
from nodes.edge.state import BUS
from nodes.runtime.bus import Bus
from protocols.chat import (
    CLIENT_MSG_ID_MAX,
    PAGE_MAX,
    ChatMessage,
    Conversation,
    ConversationDelivery,
    MarkRead,
    MessageDelivery,
    ReadDelivery,
    SendMessage,
    Typing,
    TypingDelivery,
)
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.presence import GetPresence, PresenceDelivery, UserPresence

from .chat import AD_DIALOG
from .errors import SURFACE
from .shapes import message_out

routes = SurfaceRoutes(SURFACE)
PROTOCOL = WsProtocol(SURFACE, first_frame_auth=True)

DIALOG_NOT_FOUND = "Dialog not found"
DIALOGS_MAX = 10 * PAGE_MAX
RECHECK_S = 30.0
RECHECKS_KEPT = 1024
PRESENCE_ASKED_MAX = 500  # users per GetPresence


# --- frames ----------------------------------------------------------------------------------------


class AuthFrame(FrameModel):
    token: str | None = None


class StatusQuery(FrameModel):
    user_id: int | None = Field(default=None, ge=1, le=ID_MAX)


class SendFrame(FrameModel):
    dialog_id: int = Field(ge=1, le=ID_MAX)
    content: Content
    client_msg_id: str | None = Field(default=None, min_length=1, max_length=CLIENT_MSG_ID_MAX)


class TypingFrame(FrameModel):
    dialog_id: int = Field(ge=1, le=ID_MAX)


class ReadFrame(FrameModel):
    dialog_id: int = Field(ge=1, le=ID_MAX)
    message_id: int | None = Field(default=None, ge=1, le=ID_MAX)


def auth_ok(actor: Actor) -> Frame:
    return {"type": "auth", "status": "ok", "user_id": actor.user_id}


def status_frame(presence: UserPresence) -> Frame:
    return {
        "type": "status",
        "user_id": presence.user_id,
        "status": "online" if presence.online else "offline",
    }


def message_frame(message: ChatMessage, viewer: int) -> Frame:
    frame = {"type": "message", **message_out(message, is_read=False).model_dump(mode="json")}
    if message.sender_id == viewer and message.client_msg_id is not None:
        frame["client_msg_id"] = message.client_msg_id
    return frame


# --- who the user shares dialogs with --------------------------------------------------------------


class DialogPartners:
    """Everyone the user shares an ad dialog with: whose status the sockets show."""

    def __init__(self, dialogs: Conversations) -> None:
        self.dialogs = dialogs
        self.user_ids: set[int] = set()
        self._rechecked: dict[int, float] = {}

    async def load(self) -> None:
        found = await every_conversation(self.dialogs.bus, self.dialogs.actor, AD_DIALOG, DIALOGS_MAX)
        for dialog in found.items:
            self.add(dialog)

    def add(self, dialog: Conversation) -> None:
        self.dialogs.remember(dialog)
        self.user_ids.update(u for u in dialog.participants if u != self.dialogs.actor.user_id)

    async def includes(self, user_id: int) -> bool:
        if user_id in self.user_ids:
            return True
        now = time.monotonic()
        if now - self._rechecked.get(user_id, -RECHECK_S) < RECHECK_S:
            return False
        if len(self._rechecked) >= RECHECKS_KEPT:
            self._rechecked.clear()
        self._rechecked[user_id] = now
        await self.load()
        return user_id in self.user_ids


# --- the sockets -----------------------------------------------------------------------------------


STATUS_FRAMES: FrameTypes[StatusChannel] = FrameTypes()
CHAT_FRAMES: FrameTypes[ChatChannel] = FrameTypes(base=STATUS_FRAMES)


class StatusChannel(Channel):
    """`/ws/status`: the status of everyone the user shares a dialog with."""

    def __init__(self, bus: Bus, actor: Actor) -> None:
        super().__init__(bus, actor)
        self.dialogs = Conversations(bus, actor, AD_DIALOG)
        self.partners = DialogPartners(self.dialogs)

    async def opening(self) -> list[Frame]:
        frames = [auth_ok(self.actor)]
        try:  # without it the socket still works; partners are then learnt as they show up
            await self.partners.load()
            frames += await self.snapshot()
        except DomainError as exc:
            frames.append(PROTOCOL.error(exc))
        return frames

    async def snapshot(self) -> list[Frame]:
        return await self.statuses(sorted(self.partners.user_ids))

    async def statuses(self, user_ids: list[int]) -> list[Frame]:
        frames: list[Frame] = []
        for start in range(0, len(user_ids), PRESENCE_ASKED_MAX):
            cmd = GetPresence(user_ids=user_ids[start : start + PRESENCE_ASKED_MAX])
            frames += [status_frame(p) for p in (await self.bus.request(cmd, actor=self.actor)).items]
        return frames

    async def shown(self, delivery_type: str, payload: dict[str, Any]) -> list[Frame]:
        if delivery_type == "presence":
            presence = PresenceDelivery.model_validate(payload).presence
            return [status_frame(presence)] if await self.partners.includes(presence.user_id) else []
        if delivery_type == "conversation":
            await self.met(ConversationDelivery.model_validate(payload).conversation_id, again=True)
        elif delivery_type == "message" and payload.get("conversation_kind") == AD_DIALOG.value:
            await self.met(MessageDelivery.model_validate(payload).message.conversation_id)
        return []

    async def met(self, dialog_id: int, *, again: bool = False) -> Conversation | None:
        """The user's dialog of that id, its partner now known; None if it is no dialog of theirs."""
        if again:
            self.dialogs.forget(dialog_id)
        dialog = await self.dialogs.get(dialog_id)
        if dialog is not None:
            self.partners.add(dialog)
        return dialog

    async def received(self, frame: Frame) -> list[Frame]:
        return await STATUS_FRAMES.dispatch(self, frame)


@STATUS_FRAMES.on("auth", AuthFrame)
async def authenticated_again(channel: StatusChannel, _frame: AuthFrame) -> list[Frame]:
    return [auth_ok(channel.actor)]


@STATUS_FRAMES.on("status", StatusQuery)
async def status_query(channel: StatusChannel, frame: StatusQuery) -> list[Frame]:
    if frame.user_id is None:
        return await channel.statuses(sorted(channel.partners.user_ids))
    if not await channel.partners.includes(frame.user_id):
        raise DomainError(ErrorCode.NOT_FOUND, "User not found")
    return await channel.statuses([frame.user_id])


class ChatChannel(StatusChannel):
    """`/ws/chat`: the user's ad dialogs, live, and their partners' status changes."""

    async def snapshot(self) -> list[Frame]:
        return []  # status changes only; `status` asks

    async def shown(self, delivery_type: str, payload: dict[str, Any]) -> list[Frame]:
        if delivery_type == "message":
            delivery = MessageDelivery.model_validate(payload)
            if delivery.conversation_kind is not AD_DIALOG:
                return []
            await self.met(delivery.message.conversation_id)
            return [message_frame(delivery.message, self.actor.user_id)]
        if delivery_type == "typing":
            typing = TypingDelivery.model_validate(payload)
            if not typing.typing or await self.dialogs.get(typing.conversation_id) is None:
                return []
            return [{"type": "typing", "dialog_id": typing.conversation_id, "user_id": typing.user_id}]
        if delivery_type == "read":
            return await self._read(ReadDelivery.model_validate(payload))
        return await super().shown(delivery_type, payload)

    async def _read(self, delivery: ReadDelivery) -> list[Frame]:
        state = delivery.state
        if await self.dialogs.get(state.conversation_id) is None:
            return []
        message = await message_at(self.bus, self.actor, state.conversation_id, state.read_seq, AD_DIALOG)
        if message is None:
            return []
        return [
            {
                "type": "read",
                "dialog_id": state.conversation_id,
                "message_id": message.id,
                "user_id": state.user_id,
            }
        ]

    async def received(self, frame: Frame) -> list[Frame]:
        return await CHAT_FRAMES.dispatch(self, frame)


@CHAT_FRAMES.on("message", SendFrame)
async def send(channel: ChatChannel, frame: SendFrame) -> list[Frame]:
    cmd = SendMessage(
        conversation_id=frame.dialog_id, body=frame.content, client_msg_id=frame.client_msg_id,
        conversation_kind=AD_DIALOG,
    )  # fmt: skip
    stored = await channel.bus.request(cmd, actor=channel.actor)
    if frame.client_msg_id is None:
        return []
    return [{"type": "ack", "client_msg_id": frame.client_msg_id, "dialog_id": frame.dialog_id,
             "message_id": stored.message.id, "duplicate": stored.duplicate}]  # fmt: skip


@CHAT_FRAMES.on("typing", TypingFrame)
async def typing(channel: ChatChannel, frame: TypingFrame) -> list[Frame]:
    await channel.dialogs.require(frame.dialog_id, DIALOG_NOT_FOUND)  # the command knows no kinds
    await channel.bus.request(Typing(conversation_id=frame.dialog_id), actor=channel.actor)
    return []


@CHAT_FRAMES.on("read", ReadFrame)
async def read(channel: ChatChannel, frame: ReadFrame) -> list[Frame]:
    cmd = MarkRead(conversation_id=frame.dialog_id, message_id=frame.message_id, conversation_kind=AD_DIALOG)
    await channel.bus.request(cmd, actor=channel.actor)
    return []


# --- routes ----------------------------------------------------------------------------------------


async def open_chat(request: web.Request, actor: Actor) -> Channel:
    return ChatChannel(request.app[BUS], actor)


async def open_status(request: web.Request, actor: Actor) -> Channel:
    return StatusChannel(request.app[BUS], actor)


@routes.get("/ws/chat", responses={101: None})
async def chat_socket(request: web.Request) -> web.WebSocketResponse:
    """Real-time chat (WebSocket): send `{"type": "auth", "token"}` first."""
    return await serve(request, PROTOCOL, open_chat)


@routes.get("/ws/status", responses={101: None})
async def status_socket(request: web.Request) -> web.WebSocketResponse:
    """Online/offline status of the users you share dialogs with (WebSocket): `auth` first."""
    return await serve(request, PROTOCOL, open_status)
