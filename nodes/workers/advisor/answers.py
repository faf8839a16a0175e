"""Answers: a user's message starts one (`StartAnswer`), a stream reads it as it stands (`GetAnswer`),
and lapsed ones are taken over (`ResumeAnswers`, and once as a worker starts). The writing itself is
`writer.py`'s.

`StartAnswer` checks over NATS that the message is the actor's own, in his advisor chat: the worker
never trusts ids from the payload. The answer's row is committed before the reply, so an edge that
was answered 201 has an answer that survives this worker.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from protocols.advisor import (
    AnswerError,
    AnswerProgress,
    AnswersResumed,
    AnswerState,
    GetAnswer,
    ResumeAnswers,
    StartAnswer,
)
from protocols.advisor_cars import Car
from protocols.chat import Author, ConversationKind, ListMessages
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from storage.models.advisor import Answer

from . import queries
from .deps import AdvisorDeps
from .handlers import handlers
from .writer import Held

log = logging.getLogger(__name__)

NOT_FOUND = "Message not found"
UNAVAILABLE = "The assistant is unavailable, try again later"


def progress(row: Answer) -> AnswerProgress:
    return AnswerProgress(
        conversation_id=row.conversation_id,
        message_id=row.message_id,
        state=AnswerState(row.state),
        text=row.text,
        cars=[Car.model_validate(car) for car in row.cars] if row.cars is not None else None,
        assistant_message_id=row.assistant_message_id,
        error=AnswerError(code=row.error_code, message=row.error_message or "") if row.error_code else None,
    )


async def own_answer(deps: AdvisorDeps, user_id: int, conversation_id: int, message_id: int) -> Answer | None:
    async with deps.read_db() as db:
        row = await queries.answer_of(db, message_id)
    if row is not None and (row.user_id != user_id or row.conversation_id != conversation_id):
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)  # not his: as if not there
    return row


async def own_message_seq(deps: AdvisorDeps, actor: Actor, cmd: StartAnswer) -> int:
    """The seq of the actor's own message in his advisor chat; `not_found` for anything else."""
    chat = {"conversation_id": cmd.conversation_id, "conversation_kind": ConversationKind.ADVISOR}
    before = await deps.bus.request(ListMessages(**chat, before_id=cmd.message_id, limit=1), actor=actor)
    seq = before.items[-1].seq + 1 if before.items else 1
    page = await deps.bus.request(ListMessages(**chat, after_seq=seq - 1, limit=1), actor=actor)
    message = page.items[0] if page.items else None
    if message is None or message.id != cmd.message_id or message.author is not Author.USER:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    if message.sender_id != actor.user_id:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return seq


@handlers.on(StartAnswer)
async def start_answer(cmd: StartAnswer, actor: Actor, deps: AdvisorDeps) -> AnswerProgress:
    user_id = actor.require_user()
    row = await own_answer(deps, user_id, cmd.conversation_id, cmd.message_id)
    if row is not None:
        return progress(row)
    seq = await own_message_seq(deps, actor, cmd)
    writer = deps.answers
    if writer.closing or not writer.backend.ready():
        raise DomainError(ErrorCode.UNAVAILABLE, UNAVAILABLE)
    now = datetime.now(UTC)
    values = {
        "message_id": cmd.message_id, "conversation_id": cmd.conversation_id, "user_id": user_id,
        "message_seq": seq, "state": AnswerState.PENDING.value, "text": "", "lease_owner": writer.owner,
        "lease_until": writer.lease_until(), "created_at": now, "updated_at": now,
    }  # fmt: skip
    async with deps.db() as db:
        added = await queries.add_answer(db, values)
        await db.commit()
        row = await queries.answer_of(db, cmd.message_id)
    if row is None:
        raise DomainError(ErrorCode.INTERNAL, "the answer was not stored")
    if added:
        writer.run(Held.of(row, taken_over=False))
    return progress(row)


@handlers.on(GetAnswer)
async def get_answer(cmd: GetAnswer, actor: Actor, deps: AdvisorDeps) -> AnswerProgress:
    row = await own_answer(deps, actor.require_user(), cmd.conversation_id, cmd.message_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No answer to this message")
    return progress(row)


@handlers.on(ResumeAnswers)
async def resume_answers(_cmd: ResumeAnswers, actor: Actor, deps: AdvisorDeps) -> AnswersResumed:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "workers only")
    return await deps.answers.resume_lapsed()


async def resume_at_start(deps: AdvisorDeps) -> None:
    """The answers a worker that stopped or died left, taken over as this one starts; the scheduler's
    `ResumeAnswers` does it again later (a lease still running now lapses then)."""
    try:
        while (await deps.answers.resume_lapsed()).more:
            pass
    except SQLAlchemyError as exc:  # the database not migrated yet (a Procfile starts all at once)
        log.warning("taking over answers waits for the scheduler: %r", exc)
