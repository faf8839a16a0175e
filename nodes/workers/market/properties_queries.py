"""The realty vertical's SQL: properties as listings (kind `property`) joined to their attributes, and
their files. Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, insert, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from protocols.market import AdStatus, ListingKind
from storage.models.market import Listing
from storage.models.market_realty import PropertyAttributes, PropertyFile

from .queries import vertical_page

PROPERTY = ListingKind.PROPERTY.value
Found = tuple[Listing, PropertyAttributes]
PROPERTIES = (
    select(Listing, PropertyAttributes)
    .join(PropertyAttributes, PropertyAttributes.listing_id == Listing.id)
    .where(Listing.kind == PROPERTY)
)


async def insert_property(db: AsyncSession, listing: dict[str, Any], attributes: dict[str, Any]) -> int:
    listing_id = (await db.execute(insert(Listing).values(**listing).returning(Listing.id))).scalar_one()
    await db.execute(insert(PropertyAttributes).values(**attributes, listing_id=listing_id))
    return listing_id


async def insert_files(db: AsyncSession, listing_id: int, files: Sequence[dict[str, Any]]) -> None:
    if files:
        await db.execute(insert(PropertyFile), [values | {"listing_id": listing_id} for values in files])


async def found(db: AsyncSession, ids: Collection[int]) -> dict[int, Found]:
    if not ids:
        return {}
    rows = await db.execute(PROPERTIES.where(Listing.id.in_(ids)))
    return {listing.id: (listing, attributes) for listing, attributes in rows.tuples()}


async def files_of(db: AsyncSession, ids: Collection[int]) -> dict[int, list[PropertyFile]]:
    """Each property's files by slot, then position."""
    by_property: dict[int, list[PropertyFile]] = defaultdict(list)
    if ids:
        rows = await db.scalars(
            select(PropertyFile)
            .where(PropertyFile.listing_id.in_(ids))
            .order_by(PropertyFile.listing_id, PropertyFile.slot, PropertyFile.position, PropertyFile.id)
        )
        for row in rows:
            by_property[row.listing_id].append(row)
    return by_property


def whose(owner_id: int | None) -> ColumnElement[bool]:
    """The owner's properties; None: anyone's."""
    return Listing.owner_id == owner_id if owner_id is not None else true()


async def owned(db: AsyncSession, listing_id: int, owner_id: int | None) -> Found | None:
    row = await db.execute(PROPERTIES.where(Listing.id == listing_id, whose(owner_id)))
    pair = row.tuples().first()
    return (pair[0], pair[1]) if pair is not None else None


async def write(
    db: AsyncSession, listing_id: int, listing: dict[str, Any], attributes: dict[str, Any]
) -> None:
    if listing:
        await db.execute(update(Listing).where(Listing.id == listing_id).values(**listing))
    if attributes:
        await db.execute(
            update(PropertyAttributes).where(PropertyAttributes.listing_id == listing_id).values(**attributes)
        )


async def set_status(db: AsyncSession, listing_id: int, owner_id: int | None, values: dict[str, Any]) -> bool:
    """Moves the owner's property (None: anyone's) to `values["status"]` unless it is there already: True
    when it moved. The status in the UPDATE's own WHERE decides it once, so two requests at once publish
    once."""
    moved = await db.execute(
        update(Listing)
        .where(Listing.id == listing_id, whose(owner_id), Listing.kind == PROPERTY,
               Listing.status != values["status"])
        .values(**values)
        .returning(Listing.id)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    return moved.scalar_one_or_none() is not None


async def remove_files(db: AsyncSession, listing_id: int, file_ids: Collection[int]) -> list[PropertyFile]:
    """The property's files of these ids, deleted; what they were (their keys go from the store)."""
    if not file_ids:
        return []
    where = (PropertyFile.listing_id == listing_id, PropertyFile.id.in_(file_ids))
    gone = list(await db.scalars(select(PropertyFile).where(*where)))
    await db.execute(delete(PropertyFile).where(*where))
    return gone


async def page(
    db: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    offset: int,
    limit: int,
) -> tuple[list[Found], int]:
    """The properties matching `where` in `order`, and how many match in all."""
    rows, total = await vertical_page(db, PROPERTIES, PropertyAttributes, where, order, offset, limit)
    return [(listing, attributes) for listing, attributes in rows.tuples()], total


async def written_after(db: AsyncSession, after: datetime | None, after_id: int, limit: int) -> list[Found]:
    """Active properties by (updated_at, id) after that cursor, read off their partial index."""
    query = PROPERTIES.where(Listing.status == AdStatus.ACTIVE.value)
    if after is not None:
        # The `>=` bounds the index range; the tie on updated_at is then broken by id.
        query = query.where(
            Listing.updated_at >= after, or_(Listing.updated_at > after, Listing.id > after_id)
        )
    rows = await db.execute(query.order_by(Listing.updated_at, Listing.id).limit(limit))
    return [(listing, attributes) for listing, attributes in rows.tuples()]
