"""The realty tables' SQL. Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, delete, false, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nodes.workers.database import dialect_insert
from protocols.market_realty import PropertyPublished
from protocols.realty import RequestStatus
from storage.models.realty import BuyerRequest, CatchUpMark, RequestMatch

# --- requests --------------------------------------------------------------------------------------


async def own_request(db: AsyncSession, request_id: int, owner_id: int | None) -> BuyerRequest | None:
    """The owner's request (None: anyone's)."""
    query = select(BuyerRequest).where(BuyerRequest.id == request_id)
    if owner_id is not None:
        query = query.where(BuyerRequest.owner_id == owner_id)
    return await db.scalar(query)


async def requests_page(
    db: AsyncSession, owner_id: int, offset: int, limit: int
) -> tuple[Sequence[BuyerRequest], int]:
    mine = BuyerRequest.owner_id == owner_id
    rows = await db.scalars(
        select(BuyerRequest).where(mine).order_by(BuyerRequest.id.desc()).offset(offset).limit(limit)
    )
    total = await db.scalar(select(func.count()).select_from(BuyerRequest).where(mine))
    return rows.all(), total or 0


async def staff_requests_page(
    db: AsyncSession, status: str | None, owner_id: int | None, offset: int, limit: int
) -> tuple[Sequence[BuyerRequest], int]:
    """Every buyer's requests in `status` and of `owner_id` (each when given), newest first."""
    where: list[ColumnElement[bool]] = []
    if status is not None:
        where.append(BuyerRequest.status == status)
    if owner_id is not None:
        where.append(BuyerRequest.owner_id == owner_id)
    query = select(BuyerRequest).where(*where).order_by(BuyerRequest.id.desc())
    rows = await db.scalars(query.offset(offset).limit(limit))
    total = await db.scalar(select(func.count()).select_from(BuyerRequest).where(*where))
    return rows.all(), total or 0


async def match_counts(db: AsyncSession, request_ids: Sequence[int]) -> dict[int, int]:
    """By request, how many properties it matches (those it matches none of are left out)."""
    rows = await db.execute(
        select(RequestMatch.request_id, func.count())
        .where(RequestMatch.request_id.in_(request_ids))
        .group_by(RequestMatch.request_id)
    )
    return dict(rows.tuples().all())


# --- a published property against the open requests ------------------------------------------------


def _optional_equal(column: Any, value: object) -> ColumnElement[bool]:
    """The request asks nothing, or what the property has: a property without it matches no asking."""
    return column.is_(None) if value is None else or_(column.is_(None), column == value)


def _within(low: Any, high: Any, value: float | None, rate: Any = None) -> ColumnElement[bool]:
    """`value` within the request's [low, high] (each optional), the bounds times `rate` when given."""
    if value is None:
        return and_(low.is_(None), high.is_(None))
    least, most = (low, high) if rate is None else (low * rate, high * rate)
    return and_(or_(low.is_(None), least <= value), or_(high.is_(None), most >= value))


def requests_matching(
    event: PropertyPublished, rates: Mapping[str, float], district: str | None
) -> Select[int, int]:
    """The open requests of other people that `event`'s property matches (protocols.market_realty's
    rules), as (request id, buyer id): the partial index on (city_id, deal_format, type) finds the
    candidates, the rest is checked on them. Budgets are compared in roubles through `rates`."""
    price_rub = event.price * rates[event.currency.value]
    rate = case(dict(rates), value=BuyerRequest.currency)
    return select(BuyerRequest.id, BuyerRequest.owner_id).where(
        BuyerRequest.status == RequestStatus.OPEN.value,
        # A property whose city the catalog does not know matches nobody (NULL = NULL is no match).
        BuyerRequest.city_id == event.city_id if event.city_id is not None else false(),
        BuyerRequest.deal_format == event.deal_format.value,
        BuyerRequest.type == event.type.value,
        BuyerRequest.owner_id != event.owner_id,
        _optional_equal(BuyerRequest.district_key, district),
        _optional_equal(BuyerRequest.subtype, event.subtype and event.subtype.value),
        _optional_equal(BuyerRequest.condition, event.condition and event.condition.value),
        _optional_equal(BuyerRequest.construction_year, event.entry_year),
        _optional_equal(BuyerRequest.construction_quarter, event.entry_quarter),
        _within(BuyerRequest.rooms_min, BuyerRequest.rooms_max, event.rooms),
        _within(BuyerRequest.total_area_min, BuyerRequest.total_area_max, event.total_area),
        _within(BuyerRequest.budget_min, BuyerRequest.budget_max, price_rub, rate),
    )


async def match_property(
    db: AsyncSession, event: PropertyPublished, matching: Select[int, int], now: datetime
) -> int:
    """Stores the property's matches as `matching` finds them, in two statements: those it no longer has
    go, new ones come with their buyer to tell (its owner is not told of them). How many are new."""
    found = matching.subquery()
    at = literal(now, RequestMatch.created_at.type)
    await db.execute(
        delete(RequestMatch).where(
            RequestMatch.property_id == event.property_id, RequestMatch.request_id.not_in(select(found.c.id))
        )
    )
    fresh = select(
        found.c.id, literal(event.property_id), found.c.owner_id, literal(event.owner_id), at, at
    ).where(literal(True))  # SQLite reads `ON CONFLICT` after a SELECT without WHERE as a join's
    columns = ["request_id", "property_id", "buyer_id", "owner_id", "created_at", "owner_told_at"]
    inserted = await db.execute(
        dialect_insert(db, RequestMatch).from_select(columns, fresh).on_conflict_do_nothing()
    )
    return max(0, getattr(inserted, "rowcount", 0) or 0)


# --- a written request against the market's properties -------------------------------------------


async def match_request(
    db: AsyncSession, request: BuyerRequest, properties: Sequence[tuple[int, int]], now: datetime
) -> None:
    """Stores `request`'s matches, (property id, owner id) as the market found them: those it no longer
    has go, new ones come with their owner to tell (its buyer sees them in the answer)."""
    ids = [property_id for property_id, _ in properties]
    await db.execute(
        delete(RequestMatch).where(
            RequestMatch.request_id == request.id, RequestMatch.property_id.not_in(ids)
        )
    )
    if not properties:
        return
    rows = [
        {"request_id": request.id, "property_id": property_id, "buyer_id": request.owner_id,
         "owner_id": owner_id, "created_at": now, "buyer_told_at": now}
        for property_id, owner_id in properties
    ]  # fmt: skip
    await db.execute(dialect_insert(db, RequestMatch).values(rows).on_conflict_do_nothing())


async def matched_properties(db: AsyncSession, request_ids: Sequence[int]) -> dict[int, list[int]]:
    """By request, its matched property ids, newest match first."""
    rows = await db.execute(
        select(RequestMatch.request_id, RequestMatch.property_id)
        .where(RequestMatch.request_id.in_(request_ids))
        .order_by(RequestMatch.created_at.desc(), RequestMatch.property_id.desc())
    )
    found: dict[int, list[int]] = {request_id: [] for request_id in request_ids}
    for request_id, property_id in rows:
        found[request_id].append(property_id)
    return found


# --- the outbox of notices -------------------------------------------------------------------------


async def untold(db: AsyncSession, most: int) -> Sequence[RequestMatch]:
    """Matches whose buyer or owner is still to be told, oldest first."""
    pending = or_(RequestMatch.buyer_told_at.is_(None), RequestMatch.owner_told_at.is_(None))
    rows = await db.scalars(
        select(RequestMatch)
        .where(pending)
        .order_by(RequestMatch.created_at, RequestMatch.request_id)
        .limit(most)
    )
    return rows.all()


async def mark_told(db: AsyncSession, side: str, keys: Sequence[tuple[int, int]], now: datetime) -> None:
    """`side` ("buyer" or "owner") told of these (request id, property id) matches."""
    column = RequestMatch.buyer_told_at if side == "buyer" else RequestMatch.owner_told_at
    for request_id, property_id in keys:
        await db.execute(
            update(RequestMatch)
            .where(RequestMatch.request_id == request_id, RequestMatch.property_id == property_id)
            .values({column: now})
        )


# --- the catch-up's watermark ----------------------------------------------------------------------


async def watermark(db: AsyncSession, name: str) -> tuple[datetime, int] | None:
    """The last write (the market's `updated_at`) and property id the catch-up matched, if any."""
    row = await db.get(CatchUpMark, name)
    return None if row is None else (row.updated_at, row.property_id)


async def advance_watermark(db: AsyncSession, name: str, updated_at: datetime, property_id: int) -> None:
    """Moves the watermark to (updated_at, property_id), never back: two catch-ups at once leave the
    later of their marks."""
    mark = CatchUpMark.__table__.c
    behind = or_(
        mark.updated_at < updated_at, and_(mark.updated_at == updated_at, mark.property_id < property_id)
    )
    values = {"updated_at": updated_at, "property_id": property_id}
    upsert = dialect_insert(db, CatchUpMark).values(name=name, **values)
    await db.execute(upsert.on_conflict_do_update(index_elements=[mark.name], set_=values, where=behind))
