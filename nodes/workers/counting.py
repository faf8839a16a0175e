"""What the staff count commands share (`protocols.counts`): who may count, and counts per time
bucket computed in SQL, the same statement on SQLite and PostgreSQL: a row's bucket is the whole
number of buckets between the window's start and its time in epoch seconds (integer division of
non-negative integers, so truncation is the floor on both), grouped by it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    SQLColumnExpression,
    cast,
    extract,
    func,
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from protocols.counts import COUNTERS, Buckets, Window
from protocols.envelope import Actor, DomainError, ErrorCode

from .database import is_postgresql


def require_counter(actor: Actor) -> None:
    if actor.role not in COUNTERS:
        actor.require_user()
        raise DomainError(ErrorCode.FORBIDDEN, "Staff role required")


def epoch_seconds(db: AsyncSession, column: SQLColumnExpression[datetime]) -> ColumnElement[int]:
    """A timestamp column in whole seconds since 1970 (UTC): SQLite keeps it as UTC text."""
    if is_postgresql(db):
        return cast(func.floor(extract("epoch", column)), BigInteger)
    return cast(func.strftime("%s", column), Integer)


async def per_bucket(
    db: AsyncSession,
    seconds: SQLColumnExpression[int],
    window: Window,
    *where: SQLColumnExpression[bool],
    amount: SQLColumnExpression[int] | None = None,
) -> Buckets:
    """The rows `where` keeps (the window's range, on the indexed column itself) counted in the
    buckets of `window` by their time `seconds`; each row counts one, or `amount` (a column holding
    a count of its own)."""
    start = int(window.start.timestamp())
    bucket = ((seconds - start) // window.bucket_s).label("bucket")
    each: SQLColumnExpression[int] = amount if amount is not None else literal_column("1")
    tagged = select(bucket, each.label("amount")).where(*where).subquery()
    found = await db.execute(select(tagged.c.bucket, func.sum(tagged.c.amount)).group_by(tagged.c.bucket))
    counts = [0] * window.buckets
    for index, total in found.tuples():
        if 0 <= index < window.buckets:
            counts[index] += int(total)
    return Buckets(start=window.start, bucket_s=window.bucket_s, counts=counts)
