"""Users' standings: their reviews, completed exchanges and trust score, computed when asked (never
stored, so a new review or a report shows at once).

The trust score, on 0–100, as FreeMarket's document lists its parts:

    weight(review)  = 0.5 ** (age_in_days / 180)             a review loses half its weight in 180 days
    weighted_rating = Σ weight·rating / Σ weight             (0 without reviews)
    base            = weighted_rating / 5 · 100
    factor          = 1 + 0.10 · [completion rate ≥ 80 %]    completed / agreed exchanges that ended
                        − 0.05 · reports received            (moderation's count; dismissed ones not)
                        + 0.05 · [account older than 182 days]
    trust_score     = clamp(base · factor, 0, 100), to one decimal

The bonuses and the penalty are percentages of the base (a user without reviews stays at 0 whatever
else: trust is earned from reviews). "Agreed exchanges that ended" are those completed, or dissolved
after everyone had agreed; a chain declined before it was agreed counts against no one.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from protocols import matching_reviews as wire
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.identity import GetUser
from protocols.moderation import CountReportsReceived

from . import reviews_queries as queries
from .deps import MatchingDeps
from .handlers import handlers

HALF_LIFE_DAYS = 180.0
HIGH_COMPLETION = 0.8
COMPLETION_BONUS = 0.10
REPORT_PENALTY = 0.05
SENIOR_BONUS = 0.05
SENIOR_AGE = timedelta(days=182)


def weighted_rating(dated: list[tuple[int, datetime]], now: datetime) -> float:
    weights = [
        (rating, 0.5 ** (max((now - at).total_seconds(), 0) / 86400 / HALF_LIFE_DAYS)) for rating, at in dated
    ]
    total = sum(weight for _, weight in weights)
    return sum(rating * weight for rating, weight in weights) / total if total else 0.0


def trust_score(weighted: float, completed: int, agreed: int, reports: int, senior: bool) -> float:
    base = weighted / 5 * 100
    high_completion = completed > 0 and completed >= HIGH_COMPLETION * agreed
    factor = 1 + COMPLETION_BONUS * high_completion - REPORT_PENALTY * reports + SENIOR_BONUS * senior
    return round(min(max(base * factor, 0.0), 100.0), 1)


async def account_created(deps: MatchingDeps, user_ids: list[int]) -> dict[int, datetime]:
    """When each account was made; accounts that do not exist are left out."""

    async def created(user_id: int) -> datetime | None:
        try:
            return (await deps.bus.request(GetUser(user_id=user_id), actor=Actor.system())).created_at
        except DomainError as exc:
            if exc.code is not ErrorCode.NOT_FOUND:
                raise
            return None

    found = await asyncio.gather(*(created(user_id) for user_id in user_ids))
    return {user_id: at for user_id, at in zip(user_ids, found, strict=True) if at is not None}


@handlers.on(wire.GetStandings)
async def get_standings(cmd: wire.GetStandings, actor: Actor, deps: MatchingDeps) -> wire.Standings:
    user_ids = list(dict.fromkeys(cmd.user_ids))
    created, reports = await asyncio.gather(
        account_created(deps, user_ids),
        deps.bus.request(CountReportsReceived(user_ids=user_ids), actor=Actor.system()),
    )
    known = [user_id for user_id in user_ids if user_id in created]
    if not known:
        return wire.Standings(items=[])
    async with deps.read_db() as db:
        given = await queries.ratings(db, known)
        counts = await queries.exchange_counts(db, known)
    now = datetime.now(UTC)
    items = []
    for user_id in known:
        ratings = given.get(user_id)
        completed, agreed = counts.get(user_id, (0, 0))
        weighted = weighted_rating(ratings.dated, now) if ratings else 0.0
        senior = now - created[user_id] > SENIOR_AGE
        items.append(
            wire.Standing(
                user_id=user_id,
                average_rating=round(ratings.average, 2) if ratings else 0.0,
                weighted_rating=round(weighted, 2),
                total_reviews=ratings.total if ratings else 0,
                verified_reviews=ratings.verified if ratings else 0,
                exchanges_completed=completed,
                trust_score=trust_score(weighted, completed, agreed, reports.counts.get(user_id, 0), senior),
                last_calculated=now,
            )
        )
    return wire.Standings(items=items)
