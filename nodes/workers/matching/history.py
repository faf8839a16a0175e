"""A user's exchange history: his exchanges a page at a time (with his partner's rating and his own
review of each), and one exchange's timeline and reviews. Only participants see an exchange; anyone
else is answered `not_found`, as for a missing one.

His partner in an exchange is the participant whose item he receives: in a swap, the other one; in
a chain, the one before him in the ring.
"""

from __future__ import annotations

from protocols import matching_reviews as wire
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.matching import Exchange, ExchangeKind, ExchangeStatus, Leg
from storage.models import matching as models

from . import reviews_queries as queries
from .deps import MatchingDeps
from .handlers import handlers

NOT_FOUND = "Exchange not found"


def exchange_out(row: models.Exchange, legs: list[models.ExchangeLeg]) -> Exchange:
    return Exchange(
        id=row.id, public_id=row.public_id, kind=ExchangeKind(row.kind), status=ExchangeStatus(row.status),
        score=row.score,
        legs=[
            Leg(user_id=leg.user_id, gives_item_id=leg.gives_item_id, receives_item_id=leg.receives_item_id,
                accepted_at=leg.accepted_at, declined_at=leg.declined_at, confirmed_at=leg.confirmed_at)
            for leg in legs
        ],
        created_at=row.created_at, agreed_at=row.agreed_at, completed_at=row.completed_at,
        dissolved_at=row.dissolved_at,
    )  # fmt: skip


def my_leg(exchange: Exchange, user_id: int) -> Leg:
    return next(leg for leg in exchange.legs if leg.user_id == user_id)


def partner_of(exchange: Exchange, user_id: int) -> int:
    """Who gives the user what he receives."""
    mine = my_leg(exchange, user_id)
    return next(leg.user_id for leg in exchange.legs if leg.gives_item_id == mine.receives_item_id)


@handlers.on(wire.ListMyExchanges)
async def list_my_exchanges(cmd: wire.ListMyExchanges, actor: Actor, deps: MatchingDeps) -> wire.HistoryPage:
    user_id = actor.require_user()
    wanted = queries.HistoryFilter(user_id, [status.value for status in cmd.statuses], cmd.since, cmd.until)
    async with deps.read_db() as db:
        rows, total = await queries.my_exchanges(db, wanted, cmd.offset, cmd.before_id, cmd.limit)
        legs = await queries.legs(db, (row.id for row in rows))
        exchanges = [exchange_out(row, legs[row.id]) for row in rows]
        partners = {exchange.id: partner_of(exchange, user_id) for exchange in exchanges}
        ratings = await queries.ratings(db, list(set(partners.values()))) if partners else {}
        given = await queries.reviews_given(db, [row.id for row in rows], user_id)
    items = []
    for exchange in exchanges:
        partner, mine, review = partners[exchange.id], my_leg(exchange, user_id), given.get(exchange.id)
        partner_ratings = ratings.get(partner)
        items.append(
            wire.HistoryEntry(
                exchange=exchange,
                partner_id=partner,
                partner_rating=round(partner_ratings.average, 2) if partner_ratings else 0.0,
                gives_item_id=mine.gives_item_id,
                receives_item_id=mine.receives_item_id,
                rating_given=review.rating if review else None,
                review_text=review.text if review else None,
            )
        )
    next_before = rows[-1].id if len(rows) == cmd.limit else None
    return wire.HistoryPage(items=items, total=total, next_before_id=next_before)


@handlers.on(wire.GetExchangeHistory)
async def get_exchange_history(
    cmd: wire.GetExchangeHistory, actor: Actor, deps: MatchingDeps
) -> wire.ExchangeHistory:
    user_id = actor.require_user()
    async with deps.read_db() as db:
        row = await queries.exchange(db, cmd.public_id)
        legs = [] if row is None else (await queries.legs(db, [row.id]))[row.id]
        if row is None or user_id not in {leg.user_id for leg in legs}:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        events = await queries.events(db, row.id)
        ratings = await queries.exchange_reviews(db, row.id)
    timeline = [
        wire.TimelineEvent(
            event_type=event.event_type.upper(), user_id=event.user_id, at=event.at, details=event.details
        )
        for event in events
    ]
    final = round(sum(ratings) / len(ratings), 1) if ratings else None
    return wire.ExchangeHistory(
        exchange=exchange_out(row, legs), timeline=timeline, final_rating=final, review_count=len(ratings)
    )
