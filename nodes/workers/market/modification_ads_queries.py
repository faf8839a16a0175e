"""The SQL of the active ads summed up by modification (`modification_ads`): one grouped pass for a page
of modifications' ranges and counts, one window pass (`row_number` per modification, by price then id)
for their cheapest ads. Both read the active vehicle listings off `(status, kind, price, id)` and join
their attributes by key; the page's modifications come off `modification_id`'s index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from protocols.market import AdStatus, ListingKind
from storage.models.market import Listing, VehicleAttributes

Ranges = list[tuple[int, int, int, int]]  # (modification id, min price, max price, count)


def active_priced_in(currency: str, city_id: int | None, condition: str | None) -> list[ColumnElement[bool]]:
    where = [
        Listing.status == AdStatus.ACTIVE.value,
        Listing.kind == ListingKind.VEHICLE.value,
        Listing.currency == currency,
        VehicleAttributes.modification_id.is_not(None),
    ]
    if city_id is not None:
        where.append(Listing.city_id == city_id)
    if condition is not None:
        where.append(VehicleAttributes.condition == condition)
    return where


async def ranges(db: AsyncSession, where: Sequence[ColumnElement[bool]], after_id: int, limit: int) -> Ranges:
    """The next `limit` modifications after `after_id` having ads, each with its price range and count."""
    modification = VehicleAttributes.modification_id
    rows = await db.execute(
        select(modification, func.min(Listing.price), func.max(Listing.price), func.count())
        .select_from(Listing)
        .join(VehicleAttributes, VehicleAttributes.listing_id == Listing.id)
        .where(*where, modification > after_id)
        .group_by(modification)
        .order_by(modification)
        .limit(limit)
    )
    return [(m or 0, low, high, count) for m, low, high, count in rows.tuples()]  # m: never NULL here


async def cheapest(
    db: AsyncSession, where: Sequence[ColumnElement[bool]], first: int, last: int, most: int
) -> Sequence[Row[Any]]:
    """The `most` cheapest ads of each modification from `first` to `last`, by modification, then price
    and id."""
    modification = VehicleAttributes.modification_id
    rank = func.row_number().over(partition_by=modification, order_by=(Listing.price, Listing.id))
    ranked = (
        select(
            modification.label("modification_id"),
            Listing.id,
            Listing.title,
            Listing.price,
            Listing.currency,
            VehicleAttributes.year,
            VehicleAttributes.mileage,
            Listing.city_id,
            rank.label("rank"),
        )
        .join(VehicleAttributes, VehicleAttributes.listing_id == Listing.id)
        .where(*where, modification.between(first, last))
        .subquery()
    )
    return (
        await db.execute(
            select(ranked)
            .where(ranked.c.rank <= most)
            .order_by(ranked.c.modification_id, ranked.c.price, ranked.c.id)
        )
    ).all()
