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
from typing import Literal

from aiohttp import web

from nodes.edge.http import SurfaceRoutes
from nodes.edge.kit.chat import Content
from nodes.edge.kit.frames import Acked, LiveMessage, ReadShown, TypingShown, live_message
from nodes.edge.kit.paging import every_conversation
from nodes.edge.kit.sockets import Conversations, message_at
from nodes.edge.realtime.frames import ClientFrame, FrameTable, JsonObject, ServerFrame
from nodes.edge.realtime.ws import Channel, WsProtocol, serve
from nodes.edge.state import BUS
from nodes.runtime.bus import Bus
from protocols.chat import (
    PAGE_MAX,
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
from protocols.fields import PRESENCE_ASKED_MAX, ClientMsgId, Id
from protocols.presence import GetPresence, PresenceDelivery, UserPresence

from .chat import AD_DIALOG
from .errors import SURFACE
from .shapes import DialogMessageOut, message_out

routes = SurfaceRoutes(SURFACE)
PROTOCOL = WsProtocol(SURFACE, first_frame_auth=True)

DIALOG_NOT_FOUND = "Dialog not found"
DIALOGS_MAX = 10 * PAGE_MAX
RECHECK_S = 30.0
RECHECKS_KEPT = 1024


# --- client frames ---------------------------------------------------------------------------------


class AuthFrame(ClientFrame):
    type: Literal["auth"] = "auth"
    token: str | None = None


class StatusQuery(ClientFrame):
    type: Literal["status"] = "status"
    user_id: Id | None = None


class SendFrame(ClientFrame):
    type: Literal["message"] = "message"
    dialog_id: Id
    content: Content
    client_msg_id: ClientMsgId | None = None


class TypingFrame(ClientFrame):
    type: Literal["typing"] = "typing"
    dialog_id: Id


class ReadFrame(ClientFrame):
    type: Literal["read"] = "read"
    dialog_id: Id
    message_id: Id | None = None


# --- server frames ---------------------------------------------------------------------------------


class AuthOk(ServerFrame):
    type: Literal["auth"] = "auth"
    status: Literal["ok"] = "ok"
    user_id: int


class StatusFrame(ServerFrame):
    type: Literal["status"] = "status"
    user_id: int
    status: Literal["online", "offline"]

    @classmethod
    def of(cls, presence: UserPresence) -> StatusFrame:
        return cls(user_id=presence.user_id, status="online" if presence.online else "offline")


class MessageFrame(DialogMessageOut, LiveMessage):
    pass


class DialogTyping(TypingShown):
    dialog_id: int


class DialogRead(ReadShown):
    dialog_id: int


class DialogAcked(Acked):
    dialog_id: int


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

STATUS_FRAMES: FrameTable[StatusChannel, ServerFrame] = FrameTable()
CHAT_FRAMES: FrameTable[ChatChannel, ServerFrame] = FrameTable(base=STATUS_FRAMES)
STATUS_SHOWN: FrameTable[StatusChannel, ServerFrame] = FrameTable()
CHAT_SHOWN: FrameTable[ChatChannel, ServerFrame] = FrameTable(base=STATUS_SHOWN)


class StatusChannel(Channel):
    """`/ws/status`: the status of everyone the user shares a dialog with."""

    def __init__(self, bus: Bus, actor: Actor) -> None:
        super().__init__(bus, actor)
        self.dialogs = Conversations(bus, actor, AD_DIALOG)
        self.partners = DialogPartners(self.dialogs)

    async def opening(self) -> list[ServerFrame]:
        frames: list[ServerFrame] = [AuthOk(user_id=self.actor.user_id)]
        try:  # without it the socket still works; partners are then learnt as they show up
            await self.partners.load()
            frames += await self.snapshot()
        except DomainError as exc:
            frames.append(PROTOCOL.error(exc))
        return frames

    async def snapshot(self) -> list[ServerFrame]:
        return await self.statuses(sorted(self.partners.user_ids))

    async def statuses(self, user_ids: list[int]) -> list[ServerFrame]:
        frames: list[ServerFrame] = []
        for start in range(0, len(user_ids), PRESENCE_ASKED_MAX):
            cmd = GetPresence(user_ids=user_ids[start : start + PRESENCE_ASKED_MAX])
            frames += [StatusFrame.of(p) for p in (await self.bus.request(cmd, actor=self.actor)).items]
        return frames

    async def met(self, dialog_id: int, *, again: bool = False) -> Conversation | None:
        """The user's dialog of that id, its partner now known; None if it is no dialog of theirs."""
        if again:
            self.dialogs.forget(dialog_id)
        dialog = await self.dialogs.get(dialog_id)
        if dialog is not None:
            self.partners.add(dialog)
        return dialog

    async def shown(self, delivery_type: str, payload: JsonObject) -> list[ServerFrame]:
        return await STATUS_SHOWN.show(self, delivery_type, payload)

    @STATUS_SHOWN.on(PresenceDelivery)
    async def _presence(self, delivery: PresenceDelivery) -> list[ServerFrame]:
        presence = delivery.presence
        return [StatusFrame.of(presence)] if await self.partners.includes(presence.user_id) else []

    @STATUS_SHOWN.on(ConversationDelivery)
    async def _conversation(self, delivery: ConversationDelivery) -> list[ServerFrame]:
        await self.met(delivery.conversation_id, again=True)
        return []

    @STATUS_SHOWN.on(MessageDelivery)
    async def _message_met(self, delivery: MessageDelivery) -> list[ServerFrame]:
        if delivery.conversation_kind is AD_DIALOG:
            await self.met(delivery.message.conversation_id)
        return []

    async def received(self, frame: JsonObject) -> list[ServerFrame]:
        return await STATUS_FRAMES.answer(self, frame)


@STATUS_FRAMES.on(AuthFrame)
async def authenticated_again(channel: StatusChannel, _frame: AuthFrame) -> list[ServerFrame]:
    return [AuthOk(user_id=channel.actor.user_id)]


@STATUS_FRAMES.on(StatusQuery)
async def status_query(channel: StatusChannel, frame: StatusQuery) -> list[ServerFrame]:
    if frame.user_id is None:
        return await channel.statuses(sorted(channel.partners.user_ids))
    if not await channel.partners.includes(frame.user_id):
        raise DomainError(ErrorCode.NOT_FOUND, "User not found")
    return await channel.statuses([frame.user_id])


class ChatChannel(StatusChannel):
    """`/ws/chat`: the user's ad dialogs, live, and their partners' status changes."""

    async def snapshot(self) -> list[ServerFrame]:
        return []  # status changes only; `status` asks

    async def shown(self, delivery_type: str, payload: JsonObject) -> list[ServerFrame]:
        return await CHAT_SHOWN.show(self, delivery_type, payload)

    @CHAT_SHOWN.on(MessageDelivery)
    async def _message(self, delivery: MessageDelivery) -> list[ServerFrame]:
        if delivery.conversation_kind is not AD_DIALOG:
            return []
        message = delivery.message
        await self.met(message.conversation_id)
        shaped = message_out(message, is_read=False)
        return [live_message(MessageFrame, shaped, message, self.actor.user_id)]

    @CHAT_SHOWN.on(TypingDelivery)
    async def _typing(self, typing: TypingDelivery) -> list[ServerFrame]:
        if not typing.typing or await self.dialogs.get(typing.conversation_id) is None:
            return []
        return [DialogTyping(dialog_id=typing.conversation_id, user_id=typing.user_id)]

    @CHAT_SHOWN.on(ReadDelivery)
    async def _read(self, delivery: ReadDelivery) -> list[ServerFrame]:
        state = delivery.state
        if await self.dialogs.get(state.conversation_id) is None:
            return []
        message = await message_at(self.bus, self.actor, state.conversation_id, state.read_seq, AD_DIALOG)
        if message is None:
            return []
        return [DialogRead(dialog_id=state.conversation_id, message_id=message.id, user_id=state.user_id)]

    async def received(self, frame: JsonObject) -> list[ServerFrame]:
        return await CHAT_FRAMES.answer(self, frame)


@CHAT_FRAMES.on(SendFrame)
async def send(channel: ChatChannel, frame: SendFrame) -> list[ServerFrame]:
    cmd = SendMessage(
        conversation_id=frame.dialog_id, body=frame.content, client_msg_id=frame.client_msg_id,
        conversation_kind=AD_DIALOG,
    )  # fmt: skip
    stored = await channel.bus.request(cmd, actor=channel.actor)
    if frame.client_msg_id is None:
        return []
    return [DialogAcked(client_msg_id=frame.client_msg_id, dialog_id=frame.dialog_id,
                        message_id=stored.message.id, duplicate=stored.duplicate)]  # fmt: skip


@CHAT_FRAMES.on(TypingFrame)
async def typing(channel: ChatChannel, frame: TypingFrame) -> list[ServerFrame]:
    await channel.dialogs.require(frame.dialog_id, DIALOG_NOT_FOUND)  # the command knows no kinds
    await channel.bus.request(Typing(conversation_id=frame.dialog_id), actor=channel.actor)
    return []


@CHAT_FRAMES.on(ReadFrame)
async def read(channel: ChatChannel, frame: ReadFrame) -> list[ServerFrame]:
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
