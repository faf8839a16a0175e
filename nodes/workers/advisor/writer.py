"""The answer writer: drives a backend for each answer this worker holds, relays its text as chunks,
and stores the finished answer as the assistant's message once.

- Pieces are coalesced into chunks: the first piece goes at once, then a chunk at most every `[advisor]
  chunk_flush_s` or at a sentence's end. Each chunk is written to the row (the text so far) BEFORE it
  is delivered, so a stream that resumes from the row (`GetAnswer`) never misses a delivered chunk.
- One answer at a time per chat in a worker: a second message's answer waits for the first, and its
  backend then sees the first answer in the conversation.
- The end: the row takes its final state and text first (`done`, or `failed` with an error), then
  the answer is posted to the chat (`PostAssistantMessage`), then the row records the message's id.
  A failed answer is stored with what was written and a last line saying it was interrupted.
- Leases: a worker holds each answer it has (renewed every third of `[advisor] lease_s`); every write
  names the holder, so a worker that lost an answer to another stops. A lapsed answer is taken over
  (`resume_lapsed`: at start and on the scheduler's `ResumeAnswers`): a `pending` one is written; a
  `writing` one is finished as failed with the text stored so far, because its chunks already reached
  the user and a new run of the backend would write another text they could not be joined to; a
  finished one not yet stored is stored.
- Stored once: the chat core dedupes client message ids of users only, so a taken-over answer that may
  have been posted before its worker died is first looked for in the chat (the first assistant message
  after the user's with the very body, no other answer's), and posted only when not found.
- A stopping worker lets its answers finish for `[advisor] stop_grace_s`, then cancels the rest and
  releases their leases, so the next worker takes them over at once.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections import Counter
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.deliveries import deliver
from nodes.runtime.settings import AdvisorSettings
from protocols.advisor import (
    AnswerCars,
    AnswerChunk,
    AnswerError,
    AnswerFailed,
    AnswersResumed,
    AnswerState,
)
from protocols.advisor_cars import Car
from protocols.chat import PAGE_MAX, Author, ListMessages, PostAssistantMessage
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.fields import BODY_MAX
from storage.models.advisor import Answer

from . import queries
from .backend import Backend, BackendFailed, BackendUnavailable, CarFinder, CarsPiece, Turn
from .chunks import chunks

log = logging.getLogger(__name__)

HISTORY = 30  # messages of the chat the backend sees, the user's last one included
TEXT_MAX = BODY_MAX * 8 - 64  # an assistant message's most (AssistantText), less room for the mark
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
RESUME_BATCH = 50


def interrupted_mark(text: str) -> str:
    if not text.strip():
        return "[ответ прерван / answer interrupted]"
    return "[ответ прерван]" if CYRILLIC.search(text) else "[answer interrupted]"


def stored_body(text: str, failed: bool) -> str:
    """The assistant's message: the answer, and a visible last line when it was interrupted."""
    if not failed:
        return text
    mark = interrupted_mark(text)
    return f"{text.rstrip()}\n\n{mark}" if text.strip() else mark


@dataclass
class Held:
    """An answer this worker holds (a snapshot of its row)."""

    id: int
    message_id: int
    conversation_id: int
    user_id: int
    message_seq: int
    state: AnswerState
    text: str
    error: AnswerError | None
    taken_over: bool = False
    cars: list[Car] | None = None

    @classmethod
    def of(cls, row: Answer, *, taken_over: bool) -> Held:
        error = AnswerError(code=row.error_code, message=row.error_message or "") if row.error_code else None
        return cls(
            id=row.id, message_id=row.message_id, conversation_id=row.conversation_id, user_id=row.user_id,
            message_seq=row.message_seq, state=AnswerState(row.state), text=row.text, error=error,
            taken_over=taken_over,
        )  # fmt: skip

    @property
    def user(self) -> Actor:
        return Actor(user_id=self.user_id, role=Role.USER)


class LeaseLost(Exception):
    """Another worker took the answer over: this one stops writing it."""


class AnswerWriter:
    def __init__(
        self,
        settings: AdvisorSettings,
        db: async_sessionmaker[AsyncSession],
        bus: Bus,
        backend: Backend,
        cars: CarFinder,
    ) -> None:
        self.settings = settings
        self.db = db
        self.bus = bus
        self.backend = backend
        self.cars = cars
        self.owner = uuid.uuid4().hex  # this worker's name on the leases it holds
        self.closing = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._chats: dict[int, asyncio.Lock] = {}  # one answer at a time per chat
        self._waiting: Counter[int] = Counter()  # answers of each chat running or waiting
        self._renewer: asyncio.Task[None] | None = None

    def lease_until(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.settings.lease_s)

    # --- running and stopping ---

    def start(self) -> None:
        self._renewer = asyncio.create_task(self._renew(), name="advisor lease renewal")

    def run(self, held: Held) -> None:
        task = asyncio.create_task(self._one_at_a_time(held), name=f"answer {held.message_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        self.closing = True
        if self._tasks:
            _, unfinished = await asyncio.wait(set(self._tasks), timeout=self.settings.stop_grace_s)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
        if self._renewer is not None:
            self._renewer.cancel()
            await asyncio.gather(self._renewer, return_exceptions=True)
        async with self.db() as db:
            await queries.release_leases(db, self.owner, datetime.now(UTC))
            await db.commit()

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.settings.lease_s / 3)
            try:
                async with self.db() as db:
                    await queries.renew_leases(db, self.owner, self.lease_until())
                    await db.commit()
            except SQLAlchemyError as exc:  # a database hiccup: the next round renews, or the lease lapses
                log.warning("could not renew the advisor's answer leases: %r", exc)

    async def _one_at_a_time(self, held: Held) -> None:
        chat = held.conversation_id
        lock = self._chats.setdefault(chat, asyncio.Lock())
        self._waiting[chat] += 1  # the lock is dropped once nobody waits (`locked()` cannot tell)
        try:
            async with lock:
                await self._carry_on(held)
        except LeaseLost:
            log.info("answer %d was taken over by another worker", held.message_id)
        except DomainError as exc:  # the chat not answering: the lease lapses, and it is taken over
            log.warning("answer %d waits to be taken over: %s", held.message_id, exc.message)
            await self._let_lapse(held)
        except Exception:
            log.exception("answer %d failed", held.message_id)  # a bug; it is tried again once it lapses
            await self._let_lapse(held)
        finally:
            self._waiting[chat] -= 1
            if not self._waiting[chat]:
                del self._waiting[chat], self._chats[chat]

    async def _let_lapse(self, held: Held) -> None:
        """No longer renewed: the answer is taken over when its lease runs out."""
        try:
            async with self.db() as db:
                await queries.held_update(db, held.id, self.owner, lease_owner=None)
                await db.commit()
        except SQLAlchemyError as exc:
            log.warning("answer %d: could not let its lease lapse: %r", held.message_id, exc)

    async def _carry_on(self, held: Held) -> None:
        if held.state is AnswerState.PENDING:
            await self._write(held)
        elif held.state is AnswerState.WRITING:  # taken over part way: see the module's docstring
            error = AnswerError(code="interrupted", message="The answer was interrupted")
            await self._finish(held, error)
        else:
            await self._store(held)

    # --- taking lapsed answers over ---

    async def resume_lapsed(self) -> AnswersResumed:
        if self.closing:
            return AnswersResumed(resumed=0, more=False)
        now = datetime.now(UTC)
        taken: list[Held] = []
        async with self.db() as db:
            found = await queries.lapsed(db, now, RESUME_BATCH)
            for row in found:
                if await queries.take_over(db, row, self.owner, now, self.lease_until()):
                    taken.append(Held.of(row, taken_over=True))
            await db.commit()
        for held in taken:
            log.info("taking over answer %d (%s)", held.message_id, held.state.value)
            self.run(held)
        return AnswersResumed(resumed=len(taken), more=len(found) == RESUME_BATCH)

    # --- writing ---

    async def _update(self, held: Held, **values: object) -> None:
        async with self.db() as db:
            kept = await queries.held_update(db, held.id, self.owner, updated_at=datetime.now(UTC), **values)
            await db.commit()
        if not kept:
            raise LeaseLost

    async def _turns(self, held: Held) -> list[Turn]:
        cmd = ListMessages(
            conversation_id=held.conversation_id, before_seq=held.message_seq + 1, limit=HISTORY
        )
        page = await self.bus.request(cmd, actor=held.user)
        return [Turn(author=m.author, text=m.body) for m in page.items if m.author is not Author.SYSTEM]

    async def _write(self, held: Held) -> None:
        await self._update(held, state=AnswerState.WRITING.value, lease_until=self.lease_until())
        held.state = AnswerState.WRITING
        error: AnswerError | None = None
        try:
            turns = await self._turns(held)
            async with asyncio.timeout(self.settings.answer_timeout_s):
                await self._relay(held, turns)
        except BackendFailed as exc:
            log.warning("answer %d interrupted: %s", held.message_id, exc)
            error = AnswerError(
                code="interrupted", message="The assistant failed in the middle of the answer"
            )
        except TimeoutError:
            error = AnswerError(code="timeout", message="The assistant took too long to answer")
        except (BackendUnavailable, DomainError) as exc:
            log.warning("answer %d not written: %s", held.message_id, exc)
            error = AnswerError(code="unavailable", message="The assistant is unavailable")
        if error is None and not held.text.strip():
            error = AnswerError(code="empty", message="The assistant gave no answer")
        await self._finish(held, error)

    async def _relay(self, held: Held, turns: list[Turn]) -> None:
        """The backend's chunks, each stored, then delivered (see the module's docstring)."""
        pieces = self.backend.answer(turns, self.cars)
        async with aclosing(chunks(pieces, self.settings.chunk_flush_s)) as answer:
            async for chunk in answer:
                if isinstance(chunk, CarsPiece):
                    await self._send_cars(held, chunk.cars)
                    continue
                room = TEXT_MAX - len(held.text)
                await self._send_text(held, chunk[:room])
                if len(chunk) >= room:
                    return  # as long as an answer may be: it ends here

    async def _send_text(self, held: Held, chunk: str) -> None:
        if not chunk:
            return
        offset = len(held.text)
        await self._update(held, text=held.text + chunk, lease_until=self.lease_until())
        held.text += chunk
        delivery = AnswerChunk(
            conversation_id=held.conversation_id, message_id=held.message_id, offset=offset, text=chunk
        )
        await deliver(self.bus, [held.user_id], delivery)

    async def _send_cars(self, held: Held, cars: list[Car]) -> None:
        await self._update(held, cars=[car.model_dump(mode="json") for car in cars])
        held.cars = cars
        delivery = AnswerCars(
            conversation_id=held.conversation_id, message_id=held.message_id, offset=len(held.text), cars=cars
        )
        await deliver(self.bus, [held.user_id], delivery)

    # --- the end ---

    async def _finish(self, held: Held, error: AnswerError | None) -> None:
        state = AnswerState.FAILED if error else AnswerState.DONE
        await self._update(
            held,
            state=state.value,
            error_code=error.code if error else None,
            error_message=error.message if error else None,
        )
        held.state, held.error = state, error
        if error is not None:
            failed = AnswerFailed(
                conversation_id=held.conversation_id, message_id=held.message_id, offset=len(held.text),
                code=error.code, message=error.message,
            )  # fmt: skip
            await deliver(self.bus, [held.user_id], failed)
        await self._store(held)

    async def _store(self, held: Held) -> None:
        body = stored_body(held.text, held.state is AnswerState.FAILED)
        stored_id = await self._stored_before(held, body) if held.taken_over else None
        if stored_id is None:
            cmd = PostAssistantMessage(conversation_id=held.conversation_id, body=body)
            stored_id = (await self.bus.request(cmd, actor=Actor.system())).message.id
        await self._update(held, assistant_message_id=stored_id, lease_owner=None)

    async def _stored_before(self, held: Held, body: str) -> int | None:
        """The chat message a dead worker stored this answer as, if it got so far."""
        cmd = ListMessages(conversation_id=held.conversation_id, after_seq=held.message_seq, limit=PAGE_MAX)
        try:
            page = await self.bus.request(cmd, actor=held.user)
        except DomainError as exc:
            if exc.code is not ErrorCode.NOT_FOUND:
                raise
            return None  # the user deleted the chat: the answer goes where nobody looks
        async with self.db() as db:
            for message in page.items:
                mine = message.author is Author.ASSISTANT and message.body == body
                if mine and not await queries.message_claimed(db, message.id):
                    return message.id
        return None
