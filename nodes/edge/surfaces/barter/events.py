"""FreeMarket (seeds/001): `GET /api/events/stream`, Server-Sent Events of the user's exchange chats
and notifications, on the edge's delivery hub (`realtime/sse.py`).

Each event is an unnamed `data:` line of JSON (`EventSource.onmessage` receives them all) whose
`type` is one of:

- `message_received` `{exchange_id, sender_name, preview}`: a message in one of the user's exchange
  chats, from someone else (the user's own messages, from any device, are not "received").
- `notification_new` `{notification_id, title, message}`: a notification of the user's.
- `resync` `{exchange_ids, notifications}`: the client was too far behind to be sent what it missed:
  reload the history of those exchange chats (`/api/chat/exchange/{id}/history`) and, when
  `notifications` is true, the notifications (`/api/notifications/`). Live events follow as usual.

Access: the bearer header, or `?token=<access token>` for EventSource (see `sse.py`); without a
valid one, 401 `{"detail", "status_code", "error_type": "authentication_error"}` before the stream.

Resuming. Every event's `id:` is a cursor of everything the client has been sent: the last
notification id and, per exchange chat, the last sequence number, written
`1.<notification id>.<chat id>-<seq>_<chat id>-<seq>...` (numbers in base 36, least recently active
chat first). A reconnecting EventSource sends the last one back as `Last-Event-ID`; the stream then
replays what came after it (chat messages through `CatchUp`, notifications through
`ListNotifications(after_id)`), messages first (by chat, in order) then notifications (in order),
before anything live, and live copies of what was replayed are dropped. So that even a client that
received nothing yet can resume, the replay (or, on a first connection, the start) ends with an
event that has an `id:` and no data: it moves `Last-Event-ID` without reaching `onmessage`.

Choices where the document is silent:

- A first connection (no `Last-Event-ID`) streams what happens from then on; what came before is
  history, read over REST. An unreadable `Last-Event-ID` is treated as a first connection preceded
  by a `resync` of every exchange chat and the notifications (where the client was is unknown).
- Too far behind: more than `CATCH_UP_MAX` (200) messages missed in one chat, or more than
  `NOTIFICATIONS_REPLAY_MAX` (200) notifications: `resync` instead of the replay of that part.
- The cursor holds the `CURSOR_MAX` (500) most recently active exchange chats. Past that it is
  marked partial (`+` after the notification id), and on a reconnect a chat it does not hold but
  that has messages is part of `resync` (it may have missed some).
- `sender_name` is the sender's full name, else username, else `User <id>`; a message without a
  sender (a system message) reads `FreeMarket`. `preview` is the text, cut to `PREVIEW_MAX` (100)
  characters followed by `...` when longer; a picture without text previews as its URL.
- Messages of other contracts' conversations (an ad dialog...) are not FreeMarket's: not sent.
  Every notification of the user is (they are listed the same way by `/api/notifications/`).
- Notification ids are taken to grow in the order notifications are stored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from nodes.edge.http import SurfaceRoutes
from nodes.edge.kit.paging import every_conversation
from nodes.edge.realtime import sse
from nodes.edge.realtime.frames import FrameTable, JsonObject, ServerFrame
from nodes.edge.realtime.sse import SseEvent
from nodes.edge.state import BUS
from nodes.runtime.bus import Bus
from protocols.chat import (
    CATCH_UP_MAX,
    PAGE_MAX,
    CatchUp,
    CaughtUp,
    ChatMessage,
    Conversation,
    ConversationKind,
    MessageDelivery,
)
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.fields import CATCH_UP_POSITIONS_MAX, INT32_MAX, AccessToken
from protocols.identity import GetUser
from protocols.notify import ListNotifications, Notification, NotificationDelivery

from .errors import SURFACE
from .shapes import message_text

routes = SurfaceRoutes(SURFACE)
EXCHANGE = ConversationKind.EXCHANGE

CURSOR_VERSION = "1"
CURSOR_MAX = CATCH_UP_POSITIONS_MAX  # the most positions one CatchUp takes
NOTIFICATIONS_REPLAY_MAX = CATCH_UP_MAX
PREVIEW_MAX = 100
ID_MAX = INT32_MAX  # ids and sequence numbers are 32-bit integer columns (protocols.fields)
SYSTEM_SENDER = "FreeMarket"
_NUMBER = r"[0-9a-z]{1,13}"
CURSOR = re.compile(
    rf"^{CURSOR_VERSION}\.(?P<notification>{_NUMBER})(?P<partial>\+?)\."
    rf"(?P<positions>(?:{_NUMBER}-{_NUMBER})(?:_{_NUMBER}-{_NUMBER})*)?$"
)


class StreamQuery(BaseModel):
    token: AccessToken | None = Field(
        default=None,
        description="The access token, for clients that cannot send headers (EventSource); "
        "the Authorization header is preferred.",
    )


# --- the cursor -------------------------------------------------------------------------------------


def _b36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
        if number == 0:
            return digits


@dataclass
class Cursor:
    """Where a client is: the last notification id, the last seq per exchange chat (least recently
    active first), and whether chats were left out."""

    notification_id: int = 0
    positions: dict[int, int] = field(default_factory=dict)
    partial: bool = False

    def advance(self, conversation_id: int, seq: int) -> None:
        seen = self.positions.pop(conversation_id, 0)
        self.positions[conversation_id] = max(seen, seq)
        while len(self.positions) > CURSOR_MAX:
            del self.positions[next(iter(self.positions))]
            self.partial = True

    def encode(self) -> str:
        head = f"{CURSOR_VERSION}.{_b36(self.notification_id)}{'+' if self.partial else ''}."
        return head + "_".join(f"{_b36(chat)}-{_b36(seq)}" for chat, seq in self.positions.items())

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        match = CURSOR.match(text)
        if match is None:
            return None
        entries = match["positions"].split("_") if match["positions"] else []
        if len(entries) > CURSOR_MAX:
            return None
        positions = {int(chat, 36): int(seq, 36) for chat, seq in (e.split("-") for e in entries)}
        notification_id = int(match["notification"], 36)
        if max([notification_id, *positions, *positions.values()]) > ID_MAX:
            return None
        return cls(notification_id, positions, bool(match["partial"]))


def chats_behind(given: Cursor, chats: list[Conversation]) -> tuple[dict[int, int], list[int]]:
    """The chats with messages after the client's position (and that position), and those whose
    position a partial cursor does not hold."""
    behind: dict[int, int] = {}
    unknown: list[int] = []
    for chat in reversed(chats):
        seen = given.positions.get(chat.id)
        if seen is None and given.partial and chat.last_seq:
            unknown.append(chat.id)
        elif chat.last_seq > (seen or 0):
            behind[chat.id] = seen or 0
    return behind, unknown


# --- the events -------------------------------------------------------------------------------------


def preview(message: ChatMessage) -> str:
    text = message_text(message)
    return text if len(text) <= PREVIEW_MAX else text[:PREVIEW_MAX] + "..."


class MessageReceived(ServerFrame):
    type: Literal["message_received"] = "message_received"
    exchange_id: str
    sender_name: str
    preview: str


class NotificationNew(ServerFrame):
    type: Literal["notification_new"] = "notification_new"
    notification_id: int
    title: str
    message: str


class Resync(ServerFrame):
    type: Literal["resync"] = "resync"
    exchange_ids: list[str]
    notifications: bool


def notification_new(notification: Notification, event_id: str) -> SseEvent:
    data = NotificationNew(
        notification_id=notification.id, title=notification.title, message=notification.message
    )
    return SseEvent(data, event_id)


def resync(exchange_ids: Sequence[str], notifications: bool, event_id: str) -> SseEvent:
    return SseEvent(Resync(exchange_ids=list(exchange_ids), notifications=notifications), event_id)


# --- the feed ---------------------------------------------------------------------------------------

LIVE: FrameTable[ExchangeFeed, SseEvent] = FrameTable()


class ExchangeFeed:
    """The user's exchange messages and notifications, from where the client was."""

    def __init__(self, bus: Bus, actor: Actor, resume_from: str | None) -> None:
        self.bus = bus
        self.actor = actor
        self.resume_from = resume_from
        self.cursor = Cursor()
        self.finished = False
        self._exchange_ids: dict[int, str] = {}
        self._names: dict[int, str] = {}
        self._notifications_after = 0  # live copies of these (replayed or history) are dropped

    async def open(self) -> list[SseEvent]:
        chats, partial = await self._exchange_chats()
        self._exchange_ids = {chat.id: chat.topic_id for chat in chats if chat.topic_id}
        given = Cursor.decode(self.resume_from) if self.resume_from else None
        if given is None:
            events = await self._start(chats, partial, lost=self.resume_from is not None)
        else:
            events = await self._resume(given, chats)
        self._notifications_after = self.cursor.notification_id
        return [*events, SseEvent(id=self.cursor.encode())]

    async def live(self, delivery_type: str, payload: JsonObject) -> list[SseEvent]:
        return await LIVE.show(self, delivery_type, payload)

    # --- opening ---

    async def _exchange_chats(self) -> tuple[list[Conversation], bool]:
        """The user's most recently active exchange chats (most recent first), and whether there are more."""
        found = await every_conversation(self.bus, self.actor, EXCHANGE, CURSOR_MAX)
        return found.items, found.total > CURSOR_MAX

    async def _start(self, chats: list[Conversation], partial: bool, *, lost: bool) -> list[SseEvent]:
        self.cursor = Cursor(notification_id=await self._newest_notification(), partial=partial)
        for chat in reversed(chats):
            if chat.last_seq:
                self.cursor.advance(chat.id, chat.last_seq)
        if not lost:
            return []
        stale = [
            self._exchange_ids[chat.id] for chat in chats if chat.last_seq and chat.id in self._exchange_ids
        ]
        return [resync(stale, True, self.cursor.encode())]

    async def _resume(self, given: Cursor, chats: list[Conversation]) -> list[SseEvent]:
        self.cursor = Cursor(given.notification_id, dict(given.positions), given.partial)
        behind, unknown = chats_behind(given, chats)
        caught = await self._catch_up(behind)
        last_seqs = {chat.id: chat.last_seq for chat in chats}
        stale = [*unknown, *caught.resync]
        for chat_id in stale:  # the client reloads them: it is where they are now
            self.cursor.advance(chat_id, last_seqs[chat_id])
        missed, too_many = await self._missed_notifications(given.notification_id)
        if too_many:
            self.cursor.notification_id = await self._newest_notification()
        events = []
        if stale or too_many:
            exchange_ids = [self._exchange_ids[c] for c in stale if c in self._exchange_ids]
            events.append(resync(exchange_ids, too_many, self.cursor.encode()))
        for message in caught.messages:
            events += await self._received(message)
        for notification in missed:
            events += self._notified(notification)
        return events

    async def _catch_up(self, behind: dict[int, int]) -> CaughtUp:
        if not behind:
            return CaughtUp(messages=[])
        return await self.bus.request(CatchUp(positions=behind), actor=self.actor)

    async def _missed_notifications(self, after_id: int) -> tuple[list[Notification], bool]:
        """The notifications after `after_id`, oldest first; or none and True when too many."""
        page = await self.bus.request(ListNotifications(after_id=after_id, limit=PAGE_MAX), actor=self.actor)
        if page.total > NOTIFICATIONS_REPLAY_MAX:
            return [], True
        missed = list(page.items)
        while page.items and len(missed) < page.total:
            cmd = ListNotifications(after_id=after_id, offset=len(missed), limit=PAGE_MAX)
            page = await self.bus.request(cmd, actor=self.actor)
            missed += page.items
        return missed, False

    async def _newest_notification(self) -> int:
        page = await self.bus.request(ListNotifications(limit=1), actor=self.actor)
        return page.items[0].id if page.items else 0

    # --- live ---

    @LIVE.on(MessageDelivery)
    async def _live_message(self, delivery: MessageDelivery) -> list[SseEvent]:
        message = delivery.message
        chat_id = message.conversation_id
        if delivery.conversation_kind is not EXCHANGE or delivery.topic_id is None:
            return []
        self._exchange_ids[chat_id] = delivery.topic_id
        seen = self.cursor.positions.get(chat_id, 0)
        if message.seq <= seen:
            return []  # replayed already (or history when the stream started)
        known = chat_id in self.cursor.positions or not self.cursor.partial
        if message.seq == seen + 1 or not known:
            return await self._received(message)
        return await self._fill_gap(chat_id, seen, message)

    async def _fill_gap(self, chat_id: int, seen: int, message: ChatMessage) -> list[SseEvent]:
        """A delivery was lost on the way (best effort): fetch what came between."""
        caught = await self._catch_up({chat_id: seen})
        if caught.resync:
            self.cursor.advance(chat_id, message.seq)
            return [resync([self._exchange_ids[chat_id]], False, self.cursor.encode())]
        events = []
        for missed in caught.messages or [message]:
            events += await self._received(missed)
        return events

    @LIVE.on(NotificationDelivery)
    async def _live_notification(self, delivery: NotificationDelivery) -> list[SseEvent]:
        notification = delivery.notification
        if notification.id <= self._notifications_after:
            return []
        return self._notified(notification)

    # --- one item ---

    async def _received(self, message: ChatMessage) -> list[SseEvent]:
        self.cursor.advance(message.conversation_id, message.seq)
        exchange_id = self._exchange_ids.get(message.conversation_id)
        if message.sender_id == self.actor.user_id or exchange_id is None:
            return []
        data = MessageReceived(
            exchange_id=exchange_id,
            sender_name=await self._sender_name(message.sender_id),
            preview=preview(message),
        )
        return [SseEvent(data, self.cursor.encode())]

    def _notified(self, notification: Notification) -> list[SseEvent]:
        self.cursor.notification_id = max(self.cursor.notification_id, notification.id)
        return [notification_new(notification, self.cursor.encode())]

    async def _sender_name(self, sender_id: int | None) -> str:
        if sender_id is None:
            return SYSTEM_SENDER
        name = self._names.get(sender_id)
        if name is None:
            try:
                user = await self.bus.request(GetUser(user_id=sender_id), actor=self.actor)
                name = user.full_name or user.username or f"User {sender_id}"
            except DomainError as exc:
                if exc.code is not ErrorCode.NOT_FOUND:
                    return f"User {sender_id}"  # not remembered: it may be found next time
                name = f"User {sender_id}"
            self._names[sender_id] = name
        return name


# --- the route --------------------------------------------------------------------------------------


@routes.get("/api/events/stream", query=StreamQuery, responses={200: None, 401: None, 503: None})
async def events_stream(request: web.Request) -> web.StreamResponse:
    """Real-time events (Server-Sent Events): messages received in exchange chats, new notifications."""
    actor = sse.authenticate(request)
    feed = ExchangeFeed(request.app[BUS], actor, sse.last_event_id(request))
    return await sse.serve(request, actor, feed)
