"""The barter vertical's SQL: barter lists, and barter items as listings (kind `barter`) joined to their
attributes. Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Result, Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from protocols.market import AdStatus, ListingKind
from storage.models.market import Listing
from storage.models.market_barter import BarterItemAttributes, BarterList

from .queries import vertical_page

ACTIVE = AdStatus.ACTIVE.value
# An item's columns, read as plain rows (a page of the pool holds thousands: ORM objects cost more than
# the query), named as the wire's item names them.
COLUMNS = (
    Listing.id, Listing.owner_id, Listing.title.label("item_name"), Listing.description,
    Listing.price.label("value_tenge"), Listing.status, Listing.latitude, Listing.longitude,
    Listing.created_at, Listing.updated_at, BarterItemAttributes.list_id, BarterItemAttributes.side,
    BarterItemAttributes.exchange_type, BarterItemAttributes.category, BarterItemAttributes.duration_days,
    BarterItemAttributes.city, BarterItemAttributes.archived_for,
)  # fmt: skip
Item = Row[Any]


ITEMS = select(*COLUMNS).join(BarterItemAttributes, BarterItemAttributes.listing_id == Listing.id)


def _rows(found: Result[*tuple[Any, ...]]) -> list[Item]:
    return list(found.all())


async def insert_list(db: AsyncSession, values: dict[str, Any]) -> BarterList:
    return (await db.execute(insert(BarterList).values(**values).returning(BarterList))).scalar_one()


async def owned_list(db: AsyncSession, list_id: int, owner_id: int) -> BarterList | None:
    return await db.scalar(
        select(BarterList).where(BarterList.id == list_id, BarterList.owner_id == owner_id)
    )


async def newest_list(db: AsyncSession, owner_id: int) -> BarterList | None:
    return await db.scalar(
        select(BarterList).where(BarterList.owner_id == owner_id).order_by(BarterList.id.desc()).limit(1)
    )


async def touch_list(db: AsyncSession, list_id: int, values: dict[str, Any]) -> None:
    await db.execute(update(BarterList).where(BarterList.id == list_id).values(**values))


async def insert_items(
    db: AsyncSession, listings: Sequence[dict[str, Any]], attributes: Sequence[dict[str, Any]]
) -> list[int]:
    """The listings and their barter attributes, in order (one statement each); their ids in the same
    order."""
    if not listings:
        return []
    inserted = await db.execute(insert(Listing).returning(Listing.id, sort_by_parameter_order=True), listings)
    ids = list(inserted.scalars())
    rows = [values | {"listing_id": listing_id} for values, listing_id in zip(attributes, ids, strict=True)]
    await db.execute(insert(BarterItemAttributes), rows)
    return ids


async def items_by_id(db: AsyncSession, ids: Collection[int]) -> list[Item]:
    if not ids:
        return []
    return _rows(await db.execute(ITEMS.where(Listing.id.in_(ids)).order_by(Listing.id)))


async def list_items(db: AsyncSession, list_id: int) -> list[Item]:
    return _rows(await db.execute(ITEMS.where(BarterItemAttributes.list_id == list_id).order_by(Listing.id)))


async def count_sides(db: AsyncSession, list_id: int) -> dict[str, int]:
    """The list's active items of each side."""
    rows = await db.execute(
        select(BarterItemAttributes.side, func.count())
        .join(Listing, Listing.id == BarterItemAttributes.listing_id)
        .where(BarterItemAttributes.list_id == list_id, Listing.status == ACTIVE)
        .group_by(BarterItemAttributes.side)
    )
    return {side: count for side, count in rows.tuples()}


async def archive(
    db: AsyncSession, ids: Collection[int], values: dict[str, Any], *, list_id: int | None = None
) -> list[int]:
    """Archives those of the items that are active (and in the list, given one); the ids it archived.
    The status in the UPDATE's own WHERE decides it once: of two requests at once, the second finds
    them archived already."""
    where = [Listing.id.in_(ids), Listing.status == ACTIVE, Listing.kind == ListingKind.BARTER.value]
    if list_id is not None:
        in_list = select(BarterItemAttributes.listing_id).where(BarterItemAttributes.list_id == list_id)
        where.append(Listing.id.in_(in_list))
    rows = await db.execute(
        update(Listing)
        .where(*where)
        .values(status=AdStatus.ARCHIVED.value, updated_at=values["updated_at"])
        .returning(Listing.id)
        .execution_options(synchronize_session=False)
    )
    archived = sorted(rows.scalars())
    if archived and "archived_for" in values:
        await db.execute(
            update(BarterItemAttributes)
            .where(BarterItemAttributes.listing_id.in_(archived))
            .values(archived_for=values["archived_for"])
        )
    return archived


async def page(
    db: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    offset: int,
    limit: int,
) -> tuple[list[Item], int]:
    """The barter items matching `where` in `order`, and how many match in all."""
    rows, total = await vertical_page(db, ITEMS, BarterItemAttributes, where, order, offset, limit)
    return _rows(rows), total


async def pool(db: AsyncSession, after_id: int, limit: int, owner_ids: Collection[int] | None) -> list[Item]:
    """Active barter items in id order after `after_id`, at most `limit` (of these owners, given them)."""
    where = [Listing.id > after_id, Listing.status == ACTIVE, Listing.kind == ListingKind.BARTER.value]
    if owner_ids is not None:
        where.append(Listing.owner_id.in_(owner_ids))
    return _rows(await db.execute(ITEMS.where(*where).order_by(Listing.id).limit(limit)))
