"""The SQL of reviews, standings and history over the matching tables. Each function runs on the
caller's session; the caller commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from protocols.matching import ExchangeStatus
from storage.models.matching import Exchange, ExchangeEvent, ExchangeLeg
from storage.models.matching_reviews import Review

COMPLETED = ExchangeStatus.COMPLETED.value
DISSOLVED = ExchangeStatus.DISSOLVED.value
# When an exchange happened, for a history's date bounds: when it ended, else when it was made.
HAPPENED_AT = func.coalesce(Exchange.completed_at, Exchange.dissolved_at, Exchange.created_at)


# --- exchanges -------------------------------------------------------------------------------------


async def exchange(db: AsyncSession, public_id: str) -> Exchange | None:
    found: Exchange | None = (
        await db.execute(select(Exchange).where(Exchange.public_id == public_id))
    ).scalar_one_or_none()
    return found


async def legs(db: AsyncSession, exchange_ids: Iterable[int]) -> dict[int, list[ExchangeLeg]]:
    """Each exchange's legs in ring order."""
    ids = list(set(exchange_ids))
    by_exchange: dict[int, list[ExchangeLeg]] = defaultdict(list)
    if not ids:
        return by_exchange
    rows = await db.execute(
        select(ExchangeLeg).where(ExchangeLeg.exchange_id.in_(ids)).order_by(ExchangeLeg.position)
    )
    for leg in rows.scalars():
        by_exchange[leg.exchange_id].append(leg)
    return by_exchange


async def events(db: AsyncSession, exchange_id: int) -> list[ExchangeEvent]:
    rows = await db.execute(
        select(ExchangeEvent)
        .where(ExchangeEvent.exchange_id == exchange_id)
        .order_by(ExchangeEvent.at, ExchangeEvent.id)
    )
    return list(rows.scalars())


@dataclass(frozen=True)
class HistoryFilter:
    user_id: int
    statuses: list[str]
    since: datetime | None
    until: datetime | None

    def where(self) -> list[ColumnElement[bool]]:
        mine = select(ExchangeLeg.exchange_id).where(ExchangeLeg.user_id == self.user_id)
        where: list[ColumnElement[bool]] = [Exchange.id.in_(mine)]
        if self.statuses:
            where.append(Exchange.status.in_(self.statuses))
        if self.since is not None:
            where.append(HAPPENED_AT >= self.since)
        if self.until is not None:
            where.append(HAPPENED_AT < self.until)
        return where


async def my_exchanges(
    db: AsyncSession, wanted: HistoryFilter, offset: int, before_id: int | None, limit: int
) -> tuple[list[Exchange], int]:
    """A page of the user's exchanges, newest first (by id: ids grow as exchanges are made), and how
    many match the filter."""
    where = wanted.where()
    total = (await db.execute(select(func.count()).select_from(Exchange).where(*where))).scalar_one()
    if before_id is not None:
        where.append(Exchange.id < before_id)
    rows = await db.execute(
        select(Exchange).where(*where).order_by(Exchange.id.desc()).offset(offset).limit(limit)
    )
    return list(rows.scalars()), total


async def exchange_counts(db: AsyncSession, user_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per user: his completed exchanges, and the agreed ones that ended (completed, or dissolved after
    every participant had agreed)."""
    ended = and_(Exchange.agreed_at.is_not(None), Exchange.status.in_((COMPLETED, DISSOLVED)))
    rows = await db.execute(
        select(
            ExchangeLeg.user_id,
            func.count().filter(Exchange.status == COMPLETED),
            func.count().filter(ended),
        )
        .join(Exchange, Exchange.id == ExchangeLeg.exchange_id)
        .where(ExchangeLeg.user_id.in_(user_ids))
        .group_by(ExchangeLeg.user_id)
    )
    return {user_id: (completed, agreed) for user_id, completed, agreed in rows.tuples()}


# --- reviews ---------------------------------------------------------------------------------------


async def insert_review(db: AsyncSession, values: dict[str, Any]) -> Review:
    review_id = (await db.execute(insert(Review).values(**values).returning(Review.id))).scalar_one()
    return (await db.execute(select(Review).where(Review.id == review_id))).scalar_one()


async def written_since(db: AsyncSession, author_id: int, since: datetime) -> tuple[int, datetime | None]:
    """How many reviews the author wrote since then, and when the first of them was written."""
    query = select(func.count(), func.min(Review.created_at)).where(
        Review.author_id == author_id, Review.created_at > since
    )
    count, first = (await db.execute(query)).one()
    return int(count), first


async def review_by(db: AsyncSession, exchange_id: int, author_id: int) -> Review | None:
    found: Review | None = (
        await db.execute(
            select(Review).where(Review.exchange_id == exchange_id, Review.author_id == author_id)
        )
    ).scalar_one_or_none()
    return found


async def reviews_given(db: AsyncSession, exchange_ids: list[int], author_id: int) -> dict[int, Review]:
    if not exchange_ids:
        return {}
    rows = await db.execute(
        select(Review).where(Review.exchange_id.in_(exchange_ids), Review.author_id == author_id)
    )
    return {review.exchange_id: review for review in rows.scalars()}


def _verified() -> ColumnElement[bool]:
    return Exchange.status == COMPLETED


async def received(db: AsyncSession, target_id: int, offset: int, limit: int) -> list[tuple[Review, bool]]:
    """A page of the reviews a user received, newest first, each with whether it is verified."""
    rows = await db.execute(
        select(Review, _verified())
        .join(Exchange, Exchange.id == Review.exchange_id)
        .where(Review.target_id == target_id)
        .order_by(Review.created_at.desc(), Review.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [(review, bool(verified)) for review, verified in rows.tuples()]


@dataclass(frozen=True)
class Ratings:
    """What a user's received reviews add up to."""

    average: float
    total: int
    verified: int
    dated: list[tuple[int, datetime]]  # every rating with when it was given, for recency weighting


async def ratings(db: AsyncSession, user_ids: list[int]) -> dict[int, Ratings]:
    """Every user's received ratings (a user without any is left out)."""
    rows = await db.execute(
        select(Review.target_id, Review.rating, Review.created_at, _verified())
        .join(Exchange, Exchange.id == Review.exchange_id)
        .where(Review.target_id.in_(user_ids))
    )
    gathered: dict[int, list[tuple[int, datetime, bool]]] = defaultdict(list)
    for target_id, rating, created_at, verified in rows.tuples():
        gathered[target_id].append((rating, created_at, bool(verified)))
    return {
        user_id: Ratings(
            average=sum(r for r, _, _ in given) / len(given),
            total=len(given),
            verified=sum(1 for _, _, v in given if v),
            dated=[(r, at) for r, at, _ in given],
        )
        for user_id, given in gathered.items()
    }


async def exchange_reviews(db: AsyncSession, exchange_id: int) -> list[int]:
    """The ratings given in one exchange."""
    rows = await db.execute(select(Review.rating).where(Review.exchange_id == exchange_id))
    return list(rows.scalars())
