"""The market tables' SQL. Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
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
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.banners import Banner
from storage.models.market import (
    Listing,
    ListingMedia,
    ListingView,
    SavedAd,
    SearchDocument,
    VehicleAttributes,
    ViewedAd,
)

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


async def locked_listing(db: AsyncSession, listing_id: int) -> Listing | None:
    """The listing, locked until the transaction ends (PostgreSQL; SQLite's write transaction holds the
    whole file): media are added and a listing deleted one after the other, never interleaved."""
    query = select(Listing).where(Listing.id == listing_id).with_for_update()
    return await db.scalar(query.execution_options(populate_existing=True))


async def media_tally(db: AsyncSession, listing_id: int, kind: str) -> tuple[int, int]:
    """How many media of `kind` the listing has, and the position the next one takes."""
    query = select(func.count(), func.max(ListingMedia.position)).where(
        ListingMedia.listing_id == listing_id, ListingMedia.kind == kind
    )
    count, last = (await db.execute(query)).one()
    return count, 0 if last is None else last + 1


async def insert_media(
    db: AsyncSession, media: dict[str, Any], listing: dict[str, Any], *, image: bool
) -> int:
    """Records a listing's image or video and writes `listing` on the listing; an image is counted in
    its `images_count` (which the search filters on)."""
    media_id: int = (
        await db.execute(insert(ListingMedia).values(**media).returning(ListingMedia.id))
    ).scalar_one()
    if image:
        listing = listing | {"images_count": Listing.images_count + 1}
    await db.execute(update(Listing).where(Listing.id == media["listing_id"]).values(**listing))
    return media_id


async def media_of(db: AsyncSession, listing_ids: Sequence[int]) -> list[ListingMedia]:
    """The media of these listings, each listing's in upload order."""
    if not listing_ids:
        return []
    query = select(ListingMedia).where(ListingMedia.listing_id.in_(listing_ids))
    return list(await db.scalars(query.order_by(ListingMedia.listing_id, ListingMedia.position)))


async def media_keys(db: AsyncSession, listing_id: int) -> list[str]:
    """Every key the listing's media are stored under, thumbnails included."""
    rows = await db.execute(
        select(ListingMedia.key, ListingMedia.thumbnail_key).where(ListingMedia.listing_id == listing_id)
    )
    return [key for row in rows for key in row if key is not None]


# --- a user's lists and history --------------------------------------------------------------------


async def page_through(
    db: AsyncSession,
    through: type[SavedAd | ViewedAd],
    where: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    offset: int,
    limit: int,
) -> tuple[list[Row], int]:
    """The listings that `through`'s rows matching `where` name, in `order`, and how many in all."""
    joined = Listing.id == through.listing_id
    total = await db.scalar(select(func.count()).select_from(through).join(Listing, joined).where(*where))
    rows = await db.execute(
        _with_vehicle().join(through, joined).where(*where).order_by(*order).offset(offset).limit(limit)
    )
    return [(row[0], row[1]) for row in rows], total or 0


def _saved(user_id: int, list_name: str) -> tuple[ColumnElement[bool], ...]:
    return SavedAd.user_id == user_id, SavedAd.list_name == list_name


async def is_saved(db: AsyncSession, user_id: int, list_name: str, listing_id: int) -> bool:
    found = await db.scalar(
        select(SavedAd.listing_id).where(*_saved(user_id, list_name), SavedAd.listing_id == listing_id)
    )
    return found is not None


async def saved_slots(db: AsyncSession, user_id: int, list_name: str) -> set[int]:
    slots = await db.scalars(
        select(SavedAd.slot).where(*_saved(user_id, list_name), SavedAd.slot.is_not(None))
    )
    return {slot for slot in slots if slot is not None}


async def drop_saved_unless(db: AsyncSession, user_id: int, list_name: str, status: str) -> None:
    """Takes out of the user's list every ad whose status is not `status`."""
    other = select(Listing.id).where(Listing.status != status)
    await db.execute(delete(SavedAd).where(*_saved(user_id, list_name), SavedAd.listing_id.in_(other)))


async def insert_saved(db: AsyncSession, values: dict[str, Any]) -> bool:
    """False when a key is taken (the ad is in the list, or the slot is), or the ad is gone; the session
    goes on either way."""
    try:
        async with db.begin_nested():
            await db.execute(insert(SavedAd).values(**values))
    except IntegrityError:
        return False
    return True


async def delete_saved(db: AsyncSession, user_id: int, list_name: str, listing_id: int) -> bool:
    """False when the ad was not in the list."""
    deleted = await db.scalar(
        delete(SavedAd)
        .where(*_saved(user_id, list_name), SavedAd.listing_id == listing_id)
        .returning(SavedAd.listing_id)
    )
    return deleted is not None


async def remember_view(db: AsyncSession, user_id: int, listing_id: int, at: datetime) -> None:
    """The user's history holds the listing once, with the latest time he viewed it: one upsert, in
    each database's own spelling."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(ViewedAd).values(user_id=user_id, listing_id=listing_id, viewed_at=at)
    await db.execute(
        upsert.on_conflict_do_update(
            index_elements=[ViewedAd.user_id, ViewedAd.listing_id],
            set_={"viewed_at": upsert.excluded.viewed_at},
        )
    )


# --- banners ---------------------------------------------------------------------------------------


async def banner(db: AsyncSession, banner_id: int) -> Banner | None:
    return await db.scalar(
        select(Banner).where(Banner.id == banner_id).execution_options(populate_existing=True)
    )


async def banners(
    db: AsyncSession, where: Sequence[ColumnElement[bool]], offset: int, limit: int
) -> tuple[list[Banner], int]:
    """The banners matching `where`, by position then id, and how many match in all."""
    total = await db.scalar(select(func.count()).select_from(Banner).where(*where))
    found = await db.scalars(
        select(Banner).where(*where).order_by(Banner.position, Banner.id).offset(offset).limit(limit)
    )
    return list(found), total or 0


async def insert_banner(db: AsyncSession, values: dict[str, Any]) -> int:
    banner_id: int = (await db.execute(insert(Banner).values(**values).returning(Banner.id))).scalar_one()
    return banner_id


async def update_banner(db: AsyncSession, banner_id: int, values: dict[str, Any]) -> None:
    await db.execute(update(Banner).where(Banner.id == banner_id).values(**values))


async def delete_banner(db: AsyncSession, banner_id: int) -> bool:
    """False when there was no such banner."""
    return await db.scalar(delete(Banner).where(Banner.id == banner_id).returning(Banner.id)) is not None
