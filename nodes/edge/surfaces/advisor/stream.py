"""Car advisor (seeds/002): the answer stream that `POST /chats/{chat_id}/messages` names in its
`stream_url`, as Server-Sent Events on the edge's delivery hub (`realtime/sse.py`).

`stream_url` is `/chats/{chat_id}/stream?message_id=<the user's message id>`, relative to the base URL;
it is served at `/api/v1/chats/{chat_id}/stream` and at `/chats/{chat_id}/stream` alike (see
`chat.py`). The advisor worker writes the answer (protocols.advisor): its text reaches the stream in
chunks as it is produced, then the cars it recommends; the finished answer is stored in the chat as
the assistant's message (`PostAssistantMessage`) and reaches the stream as a live chat delivery.

Events are unnamed `data:` lines of JSON (`EventSource.onmessage` receives them all):

- `{"type": "chunk", "message_id": <the user's message id>, "text": "..."}`: the answer's next text,
  as it is written (the chunks joined are the answer's text).
- `{"type": "cars", "cars": [Car]}`: the cars the answer recommends (the `Car` of `/api/v1/cars`),
  once, after the last chunk.
- `{"type": "message", "message": Message}` for every message the chat receives after `message_id`,
  in order (a message the user sends from another device too), `Message` as the chat endpoints
  give it: `{id, chat_id, role, content, created_at}`; the stored answer is one.
- `{"type": "done", "message_id": <the answer's id>}` right after the answer's `message`; then the
  stream ends.
- `{"type": "error", "code", "message"}` when the answer failed part way (the assistant failed or
  took too long, or the worker writing it stopped): the stream ends. The text written so far is stored
  as the assistant's message with a last line saying it was interrupted (`[ответ прерван]`), seen in
  the history.

Choices where the document is silent (it names the URL, not the events):

- Event ids: a `message` or `done` event's is the sequence number of its chat message (as before the
  answers were streamed); a chunk's is `<seq>:<offset>`, the last message's seq and the answer's text
  length the client then has; the cars' `<seq>:<offset>:cars`; the error's `<seq>:<offset>:end`.
- Reconnecting with `Last-Event-ID` sends what came after it: the messages after its seq, the rest of
  the answer's text after its offset as one chunk, then live chunks, with no gap or repeat (a chunk is
  stored by the worker before it is sent, and a live chunk says where it starts). A plain `<seq>`
  resumes the text from its start. Once the client has had the answer (its `Last-Event-ID` at or past
  it, or past the error) there is nothing more to stream: 204 No Content, which also tells an
  EventSource to stop reconnecting. An unreadable `Last-Event-ID` is ignored.
- The answer is the one the advisor started for `message_id`; a message sent while the assistant was
  unavailable (503) has none, and its stream carries the chat's messages up to the next assistant
  message, as it did before answers were streamed.
- The stream of a message covers the `SPAN` (100) messages after it: when they hold no answer the
  stream is over as well (204); the history endpoint has them.
- `message_id` is required: missing, or not a message of this chat: 400 `validation_error` with
  `details: {"field": "message_id", ...}`. The chat is its owner's alone: another user's chat, a
  deleted one or another contract's conversation answers 404 like a missing one. Access as in
  `sse.py` (the bearer header, or `?token=`), else 401, all in the `{"error": {...}}` format.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from protocols.advisor import AnswerCars, AnswerChunk, AnswerFailed, AnswerProgress, AnswerState, GetAnswer
from protocols.advisor_cars import Car
from protocols.chat import PAGE_MAX, Author, ChatMessage, ListMessages, MessageDelivery, MessagePage
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.fields import AccessToken, Id

from .car_shapes import CarOut, car_out
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


class ChunkEvent(ServerFrame):
    type: Literal["chunk"] = "chunk"
    message_id: int  # the user's message
    text: str


class CarsEvent(ServerFrame):
    type: Literal["cars"] = "cars"
    cars: list[CarOut]


class ErrorEvent(ServerFrame):
    type: Literal["error"] = "error"
    code: str
    message: str


@dataclass(frozen=True)
class Resume:
    """What a `Last-Event-ID` says the client has."""

    seq: int
    offset: int = 0
    cars: bool = False
    ended: bool = False


def resume_of(value: str | None) -> Resume | None:
    parts = (value or "").split(":")
    numbers = parts[:2]
    if len(parts) > 3 or not all(p.isascii() and p.isdigit() and len(p) <= 18 for p in numbers):
        return None
    stage = parts[2] if len(parts) == 3 else ""
    if stage not in ("", "cars", "end") or (stage and len(numbers) < 2):
        return None
    offset = int(parts[1]) if len(parts) > 1 else 0
    return Resume(int(parts[0]), offset, cars=stage in ("cars", "end"), ended=stage == "end")


LIVE: FrameTable[AnswerFeed, SseEvent] = FrameTable()


class AnswerFeed:
    """A chat's messages after the user's message, and the answer to it as it is written, up to and
    including the stored answer (or its error)."""

    def __init__(
        self, bus: Bus, actor: Actor, chat_id: int, message_id: int, message_seq: int, resume: Resume | None
    ) -> None:
        self.bus = bus
        self.actor = actor
        self.chat_id = chat_id
        self.message_id = message_id
        self.message_seq = message_seq
        self.position = max(message_seq, resume.seq if resume else 0)  # the last seq the client has
        self.offset = resume.offset if resume else 0  # of the answer's text, what the client has
        self.cars_sent = resume.cars if resume else False
        self.ended = resume.ended if resume else False
        self.answered = False  # the advisor started an answer to the message
        self.finished = False

    async def open(self) -> list[SseEvent] | None:
        progress = await self._progress()
        self.answered = progress is not None
        page = await self._after(self.message_seq)
        unrecorded = progress is not None and progress.assistant_message_id is None
        if unrecorded and any(m.author is Author.ASSISTANT for m in page.items):
            progress = await self._progress()  # maybe stored since: its final text tells it
        answer = next((m for m in page.items if self._is_answer(m, progress)), None)
        if answer is not None and answer.seq <= self.position:
            return None  # the client has had the answer
        if progress is not None and progress.state is AnswerState.FAILED and self.ended:
            return None  # ... or its error
        if answer is None and page.has_more:
            return None  # no answer in the span: nothing more to stream
        before = [m for m in page.items if answer is None or m.seq < answer.seq]
        events = self._events(before, None)
        if progress is not None:
            events += self._caught_up(progress)
        return events + (self._events([answer], answer.id) if answer is not None else [])

    async def live(self, delivery_type: str, payload: JsonObject) -> list[SseEvent]:
        return [] if self.finished else await LIVE.show(self, delivery_type, payload)

    # --- the answer's deliveries ---

    @LIVE.on(AnswerChunk)
    async def _chunk(self, chunk: AnswerChunk) -> list[SseEvent]:
        if chunk.message_id != self.message_id:
            return []
        if chunk.offset > self.offset:  # a chunk was lost on its way: the row has it
            return await self._catch_up()
        return self._text(chunk.text[self.offset - chunk.offset :])

    @LIVE.on(AnswerCars)
    async def _cars(self, cars: AnswerCars) -> list[SseEvent]:
        if cars.message_id != self.message_id:
            return []
        if cars.offset > self.offset:
            return await self._catch_up()
        return self._cars_event(cars.cars)

    @LIVE.on(AnswerFailed)
    async def _failed(self, failed: AnswerFailed) -> list[SseEvent]:
        if failed.message_id != self.message_id:
            return []
        if failed.offset > self.offset:
            return await self._catch_up()
        return self._error(failed.code, failed.message)

    async def _catch_up(self) -> list[SseEvent]:
        progress = await self._progress()
        return self._caught_up(progress) if progress is not None else []

    def _caught_up(self, progress: AnswerProgress) -> list[SseEvent]:
        """The answer as it stands, past what the client has: text, cars, the error."""
        events = self._text(progress.text[self.offset :])
        if progress.cars is not None:
            events += self._cars_event(progress.cars)
        if progress.state is AnswerState.FAILED and progress.error is not None:
            events += self._error(progress.error.code, progress.error.message)
        return events

    def _text(self, text: str) -> list[SseEvent]:
        if not text:
            return []
        self.offset += len(text)
        chunk = ChunkEvent(message_id=self.message_id, text=text)
        return [SseEvent(chunk, f"{self.position}:{self.offset}")]

    def _cars_event(self, cars: list[Car]) -> list[SseEvent]:
        if self.cars_sent:
            return []
        self.cars_sent = True
        return [
            SseEvent(CarsEvent(cars=[car_out(car) for car in cars]), f"{self.position}:{self.offset}:cars")
        ]

    def _error(self, code: str, message: str) -> list[SseEvent]:
        self.finished = True
        return [SseEvent(ErrorEvent(code=code, message=message), f"{self.position}:{self.offset}:end")]

    async def _progress(self) -> AnswerProgress | None:
        """The answer as the advisor has it; None when there is none (or the advisor does not answer:
        the stream carries the chat's messages still)."""
        cmd = GetAnswer(conversation_id=self.chat_id, message_id=self.message_id)
        try:
            return await self.bus.request(cmd, actor=self.actor)
        except DomainError as exc:
            if exc.code not in (ErrorCode.NOT_FOUND, ErrorCode.UNAVAILABLE):
                raise
            return None

    # --- the chat's messages ---

    @LIVE.on(MessageDelivery)
    async def _message(self, delivery: MessageDelivery) -> list[SseEvent]:
        message = delivery.message
        if message.conversation_id != self.chat_id or message.seq <= self.position:
            return []  # another chat's, or replayed already
        is_assistant = message.author is Author.ASSISTANT
        if message.seq == self.position + 1 and not (is_assistant and self.answered):
            return self._events([message], message.id if is_assistant else None)
        # The answer, maybe (its text and cars go first), or a delivery was lost: from the stores.
        progress = await self._progress() if self.answered else None
        events = self._caught_up(progress) if progress is not None else []
        messages = (await self._after(self.position)).items or [message]
        answer = next((m for m in messages if self._is_answer(m, progress)), None)
        return events + self._events(messages, answer.id if answer else None)

    def _is_answer(self, message: ChatMessage, progress: AnswerProgress | None) -> bool:
        if message.author is not Author.ASSISTANT:
            return False
        if not self.answered:
            return True  # no answer started: the first assistant message, as before answers were streamed
        # The one the advisor stored (another answer's is just a message). The chat delivers it before
        # the advisor records its id: until then it is told by its text, the whole answer's.
        if progress is None or progress.assistant_message_id is not None:
            return progress is not None and message.id == progress.assistant_message_id
        return progress.state is AnswerState.DONE and message.body == progress.text

    async def _after(self, seq: int) -> MessagePage:
        cmd = ListMessages(conversation_id=self.chat_id, after_seq=seq, limit=SPAN, conversation_kind=ADVISOR)
        return await self.bus.request(cmd, actor=self.actor)

    def _events(self, messages: list[ChatMessage], answer_id: int | None) -> list[SseEvent]:
        events: list[SseEvent] = []
        for message in messages:
            if self.finished:
                break
            if message.seq > self.position:
                events += self._sent(message, message.id == answer_id)
        return events

    def _sent(self, message: ChatMessage, is_answer: bool) -> list[SseEvent]:
        self.position = message.seq
        event_id = str(message.seq)
        events = [SseEvent(MessageEvent(message=advisor_message(message)), event_id)]
        if is_answer:
            self.finished = True
            events.append(SseEvent(DoneEvent(message_id=message.id), event_id))
        return events


async def message_seq(bus: Bus, actor: Actor, chat_id: int, message_id: int) -> int:
    """The seq of a message of the user's chat (seqs have no gaps: one more than the one before it)."""
    cmd = ListMessages(conversation_id=chat_id, before_id=message_id, limit=1, conversation_kind=ADVISOR)
    with reworded(no_such_message("message_id"), when(ErrorCode.NOT_FOUND, message=NOT_FOUND, details={})):
        page = await bus.request(cmd, actor=actor)
    return page.items[-1].seq + 1 if page.items else 1


@routes.get(API_BASE + STREAM_PATH, query=StreamQuery, responses=RESPONSES)
@routes.get(STREAM_PATH, query=StreamQuery, responses=RESPONSES)
async def answer_stream(request: web.Request) -> web.StreamResponse:
    """Stream the assistant's answer to a message (Server-Sent Events); the `stream_url` of a sent message."""
    actor = sse.authenticate(request)
    chat_id = path_int(request, "chat_id")
    query = read_query(request, StreamQuery)
    bus = request.app[BUS]
    seq = await message_seq(bus, actor, chat_id, query.message_id)
    resume = resume_of(sse.last_event_id(request))
    feed = AnswerFeed(bus, actor, chat_id, query.message_id, seq, resume)
    return await sse.serve(request, actor, feed)
