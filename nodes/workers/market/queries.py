"""The market tables' SQL. Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Table,
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

from storage.models.market import ExpiryNotice, Listing, ListingView, SearchDocument, VehicleAttributes

Row = tuple[Listing, VehicleAttributes | None]
# The key of the advisory locks (PostgreSQL) that serialise one seller's moves into a counted status.
OWNER_LOCK_CLASS = 0x6D6B7401


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
    db: AsyncSession,
    listing_id: int,
    listing: dict[str, Any],
    vehicle: dict[str, Any],
    *,
    status_was: str | None = None,
) -> bool:
    """Whether the listing was there (and, given `status_was`, still in that status) to be updated: a
    status decided on what was read must not overwrite one that changed since (an expiry meanwhile)."""
    where = [Listing.id == listing_id]
    if status_was is not None:
        where.append(Listing.status == status_was)
    updated = await db.execute(update(Listing).where(*where).values(**listing))
    if getattr(updated, "rowcount", 0) != 1:
        return False
    if vehicle:
        await db.execute(
            update(VehicleAttributes).where(VehicleAttributes.listing_id == listing_id).values(**vehicle)
        )
    return True


async def lock_owner(db: AsyncSession, owner_id: int) -> None:
    """Until the transaction ends, no other transaction counts or changes this owner's counted ads.
    PostgreSQL: an advisory lock on the owner. SQLite: a write transaction holds the file's write lock
    from its BEGIN IMMEDIATE already."""
    if db.get_bind().dialect.name == "postgresql":
        await db.execute(select(func.pg_advisory_xact_lock(OWNER_LOCK_CLASS, owner_id)))


async def count_owned(db: AsyncSession, owner_id: int, statuses: Collection[str], besides: int | None) -> int:
    """How many of the owner's listings are in `statuses`, `besides` one left out."""
    where = [Listing.owner_id == owner_id, Listing.status.in_(statuses)]
    if besides is not None:
        where.append(Listing.id != besides)
    return await db.scalar(select(func.count()).select_from(Listing).where(*where)) or 0


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
    """Records the viewer's view of the day; False when it was recorded already (the session then
    holds nothing to commit). The counter is the caller's to add to (in batches: `add_views`)."""
    try:
        async with db.begin_nested():
            await db.execute(insert(ListingView).values(listing_id=listing_id, viewer=viewer, day=day))
    except IntegrityError:
        return False
    return True


LISTINGS = cast(Table, Listing.__table__)
# A plain executemany (the table's, not the mapped class's update, which the ORM would take for a bulk
# update by primary key), in listing order so that two workers' flushes lock rows in the same order.
ADD_VIEWS = (
    update(LISTINGS)
    .where(LISTINGS.c.id == bindparam("listing"))
    .values(views_count=LISTINGS.c.views_count + bindparam("added"))
)


async def add_views(db: AsyncSession, counts: Mapping[int, int]) -> None:
    """Adds to each listing's `views_count`; a listing deleted meanwhile is skipped."""
    if counts:
        await db.execute(ADD_VIEWS, [{"listing": i, "added": counts[i]} for i in sorted(counts)])


async def views_count(db: AsyncSession, listing_id: int) -> int:
    return await db.scalar(select(Listing.views_count).where(Listing.id == listing_id)) or 0


class Expired(NamedTuple):
    listing_id: int
    owner_id: int
    title: str
    expired_at: datetime


async def expire_due(db: AsyncSession, now: datetime, active: str, expired: str, limit: int) -> list[Expired]:
    """Moves up to `limit` listings in status `active` whose `expires_at` is past to `expired`, and
    queues the notice of each. The status in the UPDATE's own WHERE makes it happen once per listing:
    PostgreSQL re-checks it on a row another transaction changed meanwhile, and SKIP LOCKED sends
    concurrent runs to different rows; on SQLite writers take turns."""
    due = (
        select(Listing.id)
        .where(Listing.status == active, Listing.expires_at <= now)
        .order_by(Listing.expires_at, Listing.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = await db.execute(
        update(Listing)
        .where(Listing.id.in_(due.scalar_subquery()), Listing.status == active)
        .values(status=expired, updated_at=now)
        .returning(Listing.id, Listing.owner_id, Listing.title, Listing.expires_at)
        .execution_options(synchronize_session=False)
    )
    found = [Expired(id_, owner, title, expires_at or now) for id_, owner, title, expires_at in rows]
    if found:
        await db.execute(insert(ExpiryNotice), [notice._asdict() for notice in found])
    return found


async def claim_notices(db: AsyncSession, limit: int) -> list[Expired]:
    """Takes up to `limit` queued notices out of the queue (the oldest first), for the caller to send
    once committed; concurrent claims take different ones."""
    oldest = select(ExpiryNotice.id).order_by(ExpiryNotice.id).limit(limit).with_for_update(skip_locked=True)
    rows = await db.execute(
        delete(ExpiryNotice)
        .where(ExpiryNotice.id.in_(oldest.scalar_subquery()))
        .returning(
            ExpiryNotice.listing_id, ExpiryNotice.owner_id, ExpiryNotice.title, ExpiryNotice.expired_at
        )
        .execution_options(synchronize_session=False)
    )
    return [Expired(*row) for row in rows]
