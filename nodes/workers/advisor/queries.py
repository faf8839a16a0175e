"""The advisor tables' SQL. Each function runs on the caller's session; the caller commits.

Every write to an answer being written names the lease owner: a worker that lost its lease (another
took the answer over) changes nothing and learns so from the row count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nodes.workers.database import dialect_insert
from storage.models.advisor import Answer


async def answer_of(db: AsyncSession, message_id: int) -> Answer | None:
    return await db.scalar(select(Answer).where(Answer.message_id == message_id))


async def add_answer(db: AsyncSession, values: dict[str, Any]) -> bool:
    """Stores a new answer; False when the message has one already (a start retried)."""
    insert = dialect_insert(db, Answer).values(**values).on_conflict_do_nothing(index_elements=["message_id"])
    result: CursorResult[Any] = await db.execute(insert)  # type: ignore[assignment]
    return result.rowcount == 1


async def held_update(db: AsyncSession, answer_id: int, owner: str, **values: Any) -> bool:
    """Writes the answer if `owner` still holds it."""
    statement = update(Answer).where(Answer.id == answer_id, Answer.lease_owner == owner).values(**values)
    result: CursorResult[Any] = await db.execute(statement)  # type: ignore[assignment]
    return result.rowcount == 1


async def renew_leases(db: AsyncSession, owner: str, until: datetime) -> None:
    statement = update(Answer).where(Answer.lease_owner == owner, Answer.assistant_message_id.is_(None))
    await db.execute(statement.values(lease_until=until))


async def release_leases(db: AsyncSession, owner: str, now: datetime) -> None:
    """Hands the owner's answers over at once (a stopping worker)."""
    statement = update(Answer).where(Answer.lease_owner == owner, Answer.assistant_message_id.is_(None))
    await db.execute(statement.values(lease_owner=None, lease_until=now))


async def lapsed(db: AsyncSession, now: datetime, limit: int) -> Sequence[Answer]:
    """Answers not stored in the chat whose lease ran out (their worker died or stopped), oldest first."""
    query = (
        select(Answer)
        .where(Answer.assistant_message_id.is_(None), Answer.lease_until < now)
        .order_by(Answer.lease_until, Answer.id)
        .limit(limit)
    )
    return (await db.scalars(query)).all()


async def take_over(db: AsyncSession, answer: Answer, owner: str, now: datetime, until: datetime) -> bool:
    """One conditional UPDATE decides which of the workers that found the answer lapsed takes it: the
    one whose UPDATE still sees the lease run out (the others' match no row)."""
    statement = update(Answer).where(
        Answer.id == answer.id, Answer.assistant_message_id.is_(None), Answer.lease_until < now
    )
    result: CursorResult[Any] = await db.execute(statement.values(lease_owner=owner, lease_until=until))  # type: ignore[assignment]
    return result.rowcount == 1


async def message_claimed(db: AsyncSession, assistant_message_id: int) -> bool:
    """Another answer is stored as this chat message already."""
    found = await db.scalar(select(Answer.id).where(Answer.assistant_message_id == assistant_message_id))
    return found is not None
