"""Car advisor (seeds/002): the answer stream that `POST /chats/{chat_id}/messages` names in its
`stream_url`, as Server-Sent Events on the edge's delivery hub (`realtime/sse.py`).

`stream_url` is `/chats/{chat_id}/stream?message_id=<the user's message id>`, relative to the base URL;
it is served at `/api/v1/chats/{chat_id}/stream` and at `/chats/{chat_id}/stream` alike (see
`chat.py`). The assistant's answer is posted into the chat by a worker (`PostAssistantMessage`)
and reaches the stream as a live chat delivery.

Events are unnamed `data:` lines of JSON (`EventSource.onmessage` receives them all); each one's
`id:` is the sequence number of the chat message it is about:

- `{"type": "message", "message": Message}` for every message the chat receives after `message_id`,
  in order (a message the user sends from another device too), `Message` as the chat endpoints
  give it: `{id, chat_id, role, content, created_at}`.
- `{"type": "done", "message_id": <the answer's id>}` right after the answer, which is the first
  assistant message after `message_id`; then the stream ends.

Choices where the document is silent (it names the URL, not the events):

- Answers are stored whole, so an answer arrives as one `message` event, not in token chunks.
- Reconnecting with `Last-Event-ID` (a seq) sends what came after it. Once the client has had the
  answer (its `Last-Event-ID` is at or past it) there is nothing more to stream: 204 No Content,
  which also tells an EventSource to stop reconnecting. An unreadable `Last-Event-ID` is ignored.
- The stream of a message covers the `SPAN` (100) messages after it: when they hold no answer the
  stream is over as well (204); the history endpoint has them.
- `message_id` is required: missing, or not a message of this chat: 400 `validation_error` with
  `details: {"field": "message_id", ...}`. The chat is its owner's alone: another user's chat, a
  deleted one or another contract's conversation answers 404 like a missing one. Access as in
  `sse.py` (the bearer header, or `?token=`), else 401, all in the `{"error": {...}}` format.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from nodes.edge.http import SurfaceRoutes, path_int, read_query
from nodes.edge.kit.rewording import reworded, when
from nodes.edge.realtime import sse
from nodes.edge.realtime.frames import FrameTable, JsonObject, ServerFrame
from nodes.edge.realtime.sse import SseEvent
from nodes.edge.state import BUS
from nodes.runtime.bus import Bus
from protocols.chat import PAGE_MAX, Author, ChatMessage, ListMessages, MessageDelivery, MessagePage
from protocols.envelope import Actor, ErrorCode
from protocols.fields import AccessToken, Id

from .chat import ADVISOR, NOT_FOUND
from .errors import SURFACE, no_such_message
from .shapes import API_BASE, STREAM_PATH, AdvisorMessage, advisor_message

routes = SurfaceRoutes(SURFACE)

SPAN = PAGE_MAX
RESPONSES: dict[int, type[BaseModel] | None] = {
    200: None,
    204: None,
    400: None,
    401: None,
    404: None,
    503: None,
}


class StreamQuery(BaseModel):
    message_id: Id = Field(description="The user's message whose answer to stream.")
    token: AccessToken | None = Field(
        default=None,
        description="The access token, for clients that cannot send headers (EventSource); "
        "the Authorization header is preferred.",
    )


class MessageEvent(ServerFrame):
    type: Literal["message"] = "message"
    message: AdvisorMessage


class DoneEvent(ServerFrame):
    type: Literal["done"] = "done"
    message_id: int


LIVE: FrameTable[AnswerFeed, SseEvent] = FrameTable()


class AnswerFeed:
    """A chat's messages after the user's message, up to and including the assistant's answer."""

    def __init__(
        self, bus: Bus, actor: Actor, chat_id: int, message_seq: int, resume_seq: int | None
    ) -> None:
        self.bus = bus
        self.actor = actor
        self.chat_id = chat_id
        self.message_seq = message_seq
        self.position = max(message_seq, resume_seq or 0)  # the last seq the client has
        self.finished = False

    async def open(self) -> list[SseEvent] | None:
        page = await self._after(self.message_seq)
        answer = next((m for m in page.items if m.author is Author.ASSISTANT), None)
        if answer is not None and answer.seq <= self.position:
            return None  # the client has had the answer
        if answer is None and page.has_more:
            return None  # no answer in the span: nothing more to stream
        return self._events(page.items)

    async def live(self, delivery_type: str, payload: JsonObject) -> list[SseEvent]:
        return [] if self.finished else await LIVE.show(self, delivery_type, payload)

    @LIVE.on(MessageDelivery)
    async def _message(self, delivery: MessageDelivery) -> list[SseEvent]:
        message = delivery.message
        if message.conversation_id != self.chat_id or message.seq <= self.position:
            return []  # another chat's, or replayed already
        if message.seq == self.position + 1:
            return self._events([message])
        return self._events((await self._after(self.position)).items or [message])  # a delivery was lost

    async def _after(self, seq: int) -> MessagePage:
        cmd = ListMessages(conversation_id=self.chat_id, after_seq=seq, limit=SPAN, conversation_kind=ADVISOR)
        return await self.bus.request(cmd, actor=self.actor)

    def _events(self, messages: list[ChatMessage]) -> list[SseEvent]:
        events: list[SseEvent] = []
        for message in messages:
            if self.finished:
                break
            if message.seq > self.position:
                events += self._sent(message)
        return events

    def _sent(self, message: ChatMessage) -> list[SseEvent]:
        self.position = message.seq
        event_id = str(message.seq)
        events = [SseEvent(MessageEvent(message=advisor_message(message)), event_id)]
        if message.author is Author.ASSISTANT:
            self.finished = True
            events.append(SseEvent(DoneEvent(message_id=message.id), event_id))
        return events


async def message_seq(bus: Bus, actor: Actor, chat_id: int, message_id: int) -> int:
    """The seq of a message of the user's chat (seqs have no gaps: one more than the one before it)."""
    cmd = ListMessages(conversation_id=chat_id, before_id=message_id, limit=1, conversation_kind=ADVISOR)
    with reworded(no_such_message("message_id"), when(ErrorCode.NOT_FOUND, message=NOT_FOUND, details={})):
        page = await bus.request(cmd, actor=actor)
    return page.items[-1].seq + 1 if page.items else 1


def resume_seq(request: web.Request) -> int | None:
    value = sse.last_event_id(request)
    return int(value) if value is not None and value.isdigit() and len(value) <= 18 else None


@routes.get(API_BASE + STREAM_PATH, query=StreamQuery, responses=RESPONSES)
@routes.get(STREAM_PATH, query=StreamQuery, responses=RESPONSES)
async def answer_stream(request: web.Request) -> web.StreamResponse:
    """Stream the assistant's answer to a message (Server-Sent Events); the `stream_url` of a sent message."""
    actor = sse.authenticate(request)
    chat_id = path_int(request, "chat_id")
    query = read_query(request, StreamQuery)
    bus = request.app[BUS]
    seq = await message_seq(bus, actor, chat_id, query.message_id)
    feed = AnswerFeed(bus, actor, chat_id, seq, resume_seq(request))
    return await sse.serve(request, actor, feed)
