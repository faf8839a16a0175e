"""The market tables' SQL. Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.market import Listing, ListingView, VehicleAttributes

Row = tuple[Listing, VehicleAttributes | None]


def _with_vehicle() -> Select[Listing, VehicleAttributes]:
    return select(Listing, VehicleAttributes).outerjoin(
        VehicleAttributes, VehicleAttributes.listing_id == Listing.id
    )


async def insert_listing(db: AsyncSession, listing: dict[str, Any], vehicle: dict[str, Any]) -> int:
    listing_id: int = (await db.execute(insert(Listing).values(**listing).returning(Listing.id))).scalar_one()
    await db.execute(insert(VehicleAttributes).values(listing_id=listing_id, **vehicle))
    return listing_id


async def listing(db: AsyncSession, listing_id: int) -> Row | None:
    found = (
        await db.execute(
            _with_vehicle().where(Listing.id == listing_id).execution_options(populate_existing=True)
        )
    ).first()
    return None if found is None else (found[0], found[1])


async def update_listing(
    db: AsyncSession, listing_id: int, listing: dict[str, Any], vehicle: dict[str, Any]
) -> None:
    await db.execute(update(Listing).where(Listing.id == listing_id).values(**listing))
    if vehicle:
        await db.execute(
            update(VehicleAttributes).where(VehicleAttributes.listing_id == listing_id).values(**vehicle)
        )


async def delete_listing(db: AsyncSession, listing_id: int) -> None:
    await db.execute(delete(Listing).where(Listing.id == listing_id))


async def page(
    db: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    offset: int,
    limit: int,
) -> tuple[list[Row], int]:
    """The listings matching `where` in `order` (then by id, so that pages never overlap), and how many
    match in all."""
    total = await db.scalar(select(func.count()).select_from(Listing).where(*where))
    rows = await db.execute(_with_vehicle().where(*where).order_by(*order).offset(offset).limit(limit))
    return [(row[0], row[1]) for row in rows], total or 0


async def add_view(db: AsyncSession, listing_id: int, viewer: str, day: date) -> bool:
    """Records the viewer's view of the day and counts it; False when it was recorded already (the
    session then holds nothing to commit)."""
    try:
        async with db.begin_nested():
            await db.execute(insert(ListingView).values(listing_id=listing_id, viewer=viewer, day=day))
    except IntegrityError:
        return False
    await db.execute(
        update(Listing).where(Listing.id == listing_id).values(views_count=Listing.views_count + 1)
    )
    return True


async def views_count(db: AsyncSession, listing_id: int) -> int:
    return await db.scalar(select(Listing.views_count).where(Listing.id == listing_id)) or 0
