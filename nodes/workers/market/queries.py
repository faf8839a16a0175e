"""The market tables' SQL. Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    column,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.market import Listing, ListingView, SearchDocument, VehicleAttributes

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
    counted = (
        select(func.count())
        .select_from(Listing)
        .outerjoin(VehicleAttributes, VehicleAttributes.listing_id == Listing.id)
    )
    total = await db.scalar(counted.where(*where))
    rows = await db.execute(_with_vehicle().where(*where).order_by(*order).offset(offset).limit(limit))
    return [(row[0], row[1]) for row in rows], total or 0


def text_match(dialect: str, words: Sequence[str]) -> ColumnElement[bool]:
    """Listings whose title or description holds every word, each also as a prefix: PostgreSQL's
    full-text search on the GIN index's own expression, else SQLite's FTS5 table. `words` are letters
    and digits only, so quoting them is enough to keep them plain words in either query language."""
    if dialect == "postgresql":
        query = " & ".join(f"'{word}':*" for word in words)
        document: ColumnElement[Any] = literal_column(SearchDocument.TSVECTOR)
        return document.op("@@")(func.to_tsquery(SearchDocument.CONFIG, bindparam("tsquery", query)))
    query = " ".join(f'"{word}"*' for word in words)
    matching = text(
        f"SELECT rowid FROM {SearchDocument.FTS_TABLE} WHERE {SearchDocument.FTS_TABLE} MATCH :fts"
    )
    return Listing.id.in_(matching.bindparams(fts=query).columns(column("rowid", Integer)))


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
