"""Reviews: a participant of a completed exchange reviews another participant of it (in a chain, any
other one), once per exchange; anyone reads the reviews a user received.

An exchange the author is not in answers `not_found` like a missing one; one not completed yet,
`forbidden`; a target who is not another participant, `validation`; a second review by the same
author in the same exchange, `conflict` (the table's unique key decides when two arrive at once).

"5 per hour per user" counts the author's reviews stored in the last hour (`[matching]
reviews_per_hour`), so an attempt refused for any other reason uses none of it; one over the limit is
`rate_limited` with the seconds until the oldest of them leaves the hour. It is checked last, after
every other refusal. On SQLite the write transaction holds the file's lock from its start, so the
count is exact; on PostgreSQL reviews by one author sent at the very same moment do not see each
other's uncommitted rows and may all pass. That is bounded by what may be reviewed at all: one review
per completed exchange of the author's (and the edge's flood limit).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from protocols import matching_reviews as wire
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.matching import ExchangeStatus
from storage.models.matching_reviews import Review

from . import reviews_queries as queries
from .deps import MatchingDeps
from .handlers import handlers

NOT_FOUND = "Exchange not found"
REVIEWED = "You have already reviewed this exchange"
HOUR = timedelta(hours=1)


def review_out(row: Review, public_id: str) -> wire.Review:
    return wire.Review(
        id=row.id, author_id=row.author_id, target_id=row.target_id, exchange_id=public_id, rating=row.rating,
        text=row.text, is_public=row.is_public, created_at=row.created_at,
    )  # fmt: skip


@handlers.on(wire.CreateReview)
async def create_review(cmd: wire.CreateReview, actor: Actor, deps: MatchingDeps) -> wire.Review:
    author_id = actor.require_user()
    async with deps.db() as db:
        exchange = await queries.exchange(db, cmd.exchange_id)
        people = (
            []
            if exchange is None
            else [leg.user_id for leg in (await queries.legs(db, [exchange.id]))[exchange.id]]
        )
        if exchange is None or author_id not in people:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        if cmd.target_user_id == author_id or cmd.target_user_id not in people:
            raise DomainError(
                ErrorCode.VALIDATION, "target_user_id must be another participant of this exchange"
            )
        if exchange.status != ExchangeStatus.COMPLETED.value:
            raise DomainError(ErrorCode.FORBIDDEN, "Reviews are allowed only after the exchange is completed")
        if await queries.review_by(db, exchange.id, author_id) is not None:
            raise DomainError(ErrorCode.CONFLICT, REVIEWED)
        now = datetime.now(UTC)
        await _within_limit(db, author_id, now, deps.settings.matching.reviews_per_hour)
        values = {
            "exchange_id": exchange.id, "author_id": author_id, "target_id": cmd.target_user_id,
            "rating": cmd.rating, "text": cmd.text, "is_public": cmd.is_public, "created_at": now,
        }  # fmt: skip
        try:
            row = await queries.insert_review(db, values)
            await db.commit()
        except IntegrityError:  # the same author's other review of it, committed meanwhile
            raise DomainError(ErrorCode.CONFLICT, REVIEWED) from None
        return review_out(row, exchange.public_id)


async def _within_limit(db: AsyncSession, author_id: int, now: datetime, per_hour: int) -> None:
    written, first = await queries.written_since(db, author_id, now - HOUR)
    if written >= per_hour and first is not None:
        wait_s = max(1.0, (first + HOUR - now).total_seconds())
        raise DomainError(
            ErrorCode.RATE_LIMITED,
            f"At most {per_hour} reviews an hour: try again later",
            {"retry_after": round(wait_s, 1)},
        )


@handlers.on(wire.ListUserReviews)
async def list_user_reviews(cmd: wire.ListUserReviews, actor: Actor, deps: MatchingDeps) -> wire.ReviewPage:
    async with deps.read_db() as db:
        rows = await queries.received(db, cmd.user_id, cmd.offset, cmd.limit)
        ratings = (await queries.ratings(db, [cmd.user_id])).get(cmd.user_id)
    items = [
        wire.ShownReview(
            id=row.id,
            author_id=row.author_id if row.is_public else None,
            rating=row.rating,
            text=row.text,
            created_at=row.created_at,
            is_verified=verified,
        )
        for row, verified in rows
    ]
    summary = wire.ReviewSummary(
        average_rating=round(ratings.average, 2) if ratings else 0.0,
        total_reviews=ratings.total if ratings else 0,
        verified_reviews=ratings.verified if ratings else 0,
    )
    return wire.ReviewPage(items=items, summary=summary)
