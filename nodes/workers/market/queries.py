"""The market tables' SQL. Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, cast

import orjson
from sqlalchemy import (
    ColumnElement,
    Integer,
    Result,
    Select,
    Table,
    bindparam,
    case,
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
from sqlalchemy.orm import InstrumentedAttribute

from storage.models.banners import Banner
from storage.models.market import (
    ExpiryNotice,
    Listing,
    ListingMedia,
    ListingView,
    SavedAd,
    SearchDocument,
    VehicleAttributes,
    ViewedAd,
)

Row = tuple[Listing, VehicleAttributes | None]
Column = ColumnElement[Any] | InstrumentedAttribute[Any]
# The key of the advisory locks (PostgreSQL) that serialise one seller's moves into a counted status.
OWNER_LOCK_CLASS = 0x6D6B7401


def _with_vehicle() -> Select[Listing, VehicleAttributes]:
    """Vehicle listings (the ads) with their attributes. An inner join: every vehicle listing has its
    row, and a listing of another vertical (a barter item) has none, so no ad read ever returns one."""
    return select(Listing, VehicleAttributes).join(
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
    """How many of the owner's ads (vehicle listings: his barter items do not count) are in `statuses`,
    `besides` one left out."""
    where = [Listing.owner_id == owner_id, Listing.status.in_(statuses)]
    if besides is not None:
        where.append(Listing.id != besides)
    ads = (
        select(func.count())
        .select_from(Listing)
        .join(VehicleAttributes, VehicleAttributes.listing_id == Listing.id)
    )
    return await db.scalar(ads.where(*where)) or 0


async def delete_listing(db: AsyncSession, listing_id: int) -> None:
    await db.execute(delete(Listing).where(Listing.id == listing_id))


async def vertical_page(
    db: AsyncSession,
    rows: Select[*tuple[Any, ...]],
    attributes: Any,
    where: Sequence[ColumnElement[bool]],
    order: Sequence[ColumnElement[Any]],
    offset: int,
    limit: int,
) -> tuple[Result[*tuple[Any, ...]], int]:
    """A page of a vertical's `rows` matching `where` in `order`, and how many listings with its
    `attributes` (a table keyed by `listing_id`) match in all: barter items, properties."""
    counted = select(func.count()).select_from(Listing).join(attributes, attributes.listing_id == Listing.id)
    total = await db.scalar(counted.where(*where)) or 0
    return await db.execute(rows.where(*where).order_by(*order).offset(offset).limit(limit)), total


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
        .join(VehicleAttributes, VehicleAttributes.listing_id == Listing.id)
    )
    total = await db.scalar(counted.where(*where))
    rows = await db.execute(_with_vehicle().where(*where).order_by(*order).offset(offset).limit(limit))
    return [(row[0], row[1]) for row in rows], total or 0


# --- the vehicle search ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchOrder:
    """An order of the search: by one column of the listing or of its vehicle, then by the listing's id
    the same way (so that pages never overlap); unknown values last when the column may lack them."""

    key: InstrumentedAttribute[Any]
    descending: bool = False
    unknown_last: bool = False

    @property
    def on_vehicle(self) -> bool:
        """Whether the key is the vehicle's (year, mileage), not the listing's."""
        return self.key.class_ is VehicleAttributes

    @property
    def listing_id(self) -> Column:
        """The listing's id on the key's own table: its index holds (key, id)."""
        return VehicleAttributes.listing_id if self.on_vehicle else Listing.id

    @property
    def by(self) -> tuple[ColumnElement[Any], ...]:
        """The ORDER BY on the key itself (a query of the listings joined to their vehicles)."""
        return self.of(self.key, self.listing_id)

    def of(self, key: Column, listing_id: Column) -> tuple[ColumnElement[Any], ...]:
        """The ORDER BY on these stand-ins for the key and the id (a subquery's columns)."""
        ordered_key, ordered_id = (
            (key.desc(), listing_id.desc()) if self.descending else (key.asc(), listing_id.asc())
        )
        return (ordered_key.nulls_last() if self.unknown_last else ordered_key), ordered_id


@dataclass(frozen=True)
class SearchFilters:
    """A search's conditions on each table: a search that asks nothing of the vehicles never reads
    their table (a vehicle listing always has its row there)."""

    listing: Sequence[ColumnElement[bool]]
    vehicle: Sequence[ColumnElement[bool]]


def _matching(filters: SearchFilters, *, with_vehicle: bool = False) -> Select[int]:
    query = select(Listing.id).where(*filters.listing)
    if filters.vehicle or with_vehicle:
        joined = VehicleAttributes.listing_id == Listing.id
        query = query.join(VehicleAttributes, joined).where(*filters.vehicle)
    return query


# A page is found one of two ways, so that no plan depends on how well the database guesses how many
# ads match (text, brand and price go together: PostgreSQL's planner guessed 151 matches where 3,853
# were, and walked a third of the price index to find them).
#  - Gather: every match (through the filters' own indexes; MATERIALIZED keeps the database from
#    walking the order's index instead), sorted, counted on the way. For a search known to match few.
#  - Walk: the order's index from its start, at most `rows` listings, each checked on its own (an
#    EXISTS that may not become a join: its OFFSET 0 keeps it per row). For a search that matches
#    many: its page is near the start of any order, unless the matches cluster at the far end of it
#    (the expensive cars of a price order) or the page is deep; then the walk gives up and gathers.


async def plan_each_search(db: AsyncSession) -> None:
    """PostgreSQL plans every statement of this transaction for its own values. A prepared statement
    run a sixth time may get a generic plan, made without the values: a search's filters match ten
    ads or half a million, and the generic plan of the document's example took 90 ms where its own
    plan takes 20."""
    if db.get_bind().dialect.name == "postgresql":
        await db.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


async def walked_page(
    db: AsyncSession,
    filters: SearchFilters,
    order: SearchOrder,
    head_where: Sequence[ColumnElement[bool]],
    offset: int,
    limit: int,
    rows: int,
) -> list[int] | None:
    """The ids of the page in `order`, when the order's first `rows` listings (at least down to the
    page's last) hold it whole; else None. `head_where` are filters of `filters` on the order's own table that its index narrows the walk
    with (its range; the status and kind): each walked listing is checked only for the rest."""
    head = (
        select(order.listing_id.label("id"), order.key.label("key"))
        .where(*head_where)
        .order_by(*order.of(order.key, order.listing_id))
        .limit(rows)
        .subquery("head")
    )
    walked = select(head.c.id).order_by(*order.of(head.c.key, head.c.id)).offset(offset).limit(limit)
    check = _each_checked(_besides(filters, head_where), head.c.id)
    page = list(await db.scalars(walked if check is None else walked.where(check)))
    return page if len(page) == limit else None


def _besides(filters: SearchFilters, met: Sequence[ColumnElement[bool]]) -> SearchFilters:
    """The filters that `met` (the same conditions, however built) leaves to check."""

    def unmet(clauses: Sequence[ColumnElement[bool]]) -> list[ColumnElement[bool]]:
        return [clause for clause in clauses if not any(clause.compare(done) for done in met)]

    return SearchFilters(unmet(filters.listing), unmet(filters.vehicle))


def _each_checked(filters: SearchFilters, listing_id: ColumnElement[int]) -> ColumnElement[bool] | None:
    """Whether the listing `listing_id` passes `filters`, read by its key on the tables they need (a
    plain order needs none). OFFSET 0 keeps the EXISTS from becoming a join: it runs per listing."""
    if filters.listing:
        return _matching(filters).where(Listing.id == listing_id).offset(0).exists()
    if filters.vehicle:
        vehicle = VehicleAttributes.listing_id == listing_id
        return select(VehicleAttributes.listing_id).where(vehicle, *filters.vehicle).offset(0).exists()
    return None


async def gathered_page(
    db: AsyncSession, filters: SearchFilters, order: SearchOrder, offset: int, limit: int
) -> tuple[list[int], int]:
    """The ids of the page in `order`, and how many match in all."""
    matches = (
        _matching(filters, with_vehicle=order.on_vehicle)
        .add_columns(order.key.label("key"))
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )
    rows = (
        await db.execute(
            select(matches.c.id, func.count().over())
            .order_by(*order.of(matches.c.key, matches.c.id))
            .offset(offset)
            .limit(limit)
        )
    ).all()
    if rows:
        return [row[0] for row in rows], rows[0][1]
    if offset == 0:
        return [], 0
    return [], await db.scalar(select(func.count()).select_from(matches)) or 0  # past the end


async def listings_in_order(db: AsyncSession, ids: Sequence[int]) -> list[Row]:
    """The listings with their vehicles, in the order of `ids` (a search's page)."""
    if not ids:
        return []
    rows = {
        row[0].id: (row[0], row[1]) for row in await db.execute(_with_vehicle().where(Listing.id.in_(ids)))
    }
    return [rows[i] for i in ids if i in rows]


async def few_matches(
    db: AsyncSession, filters: SearchFilters, order: SearchOrder, most: int
) -> list[int] | None:
    """Every match's id in `order` when at most `most` match, else None: a search that matches few is
    read whole in one statement (that counts them too) and sorted here, never walking an order."""
    query = _matching(filters, with_vehicle=order.on_vehicle).add_columns(order.key).limit(most + 1)
    rows = (await db.execute(query)).all()
    if len(rows) > most:
        return None
    known = sorted(((key, id_) for id_, key in rows if key is not None), reverse=order.descending)
    unknown = sorted((id_ for id_, key in rows if key is None), reverse=order.descending)
    return [id_ for _, id_ in known] + unknown  # as the SQL orders them: key, then id; unknown last


async def count_beyond(db: AsyncSession, filters: SearchFilters, most: int) -> int:
    """How many vehicle listings match `filters`, known to be more than `most`: PostgreSQL's planner's
    estimate (never `most` or below), SQLite's count."""
    matching = _matching(filters)
    if db.get_bind().dialect.name != "postgresql":
        return await db.scalar(select(func.count()).select_from(matching.subquery())) or 0
    return max(most + 1, await _estimated_rows(db, matching))


async def _estimated_rows(db: AsyncSession, query: Select[Any]) -> int:
    """The rows PostgreSQL's planner expects `query` to give (it plans, runs nothing)."""
    connection = await db.connection()
    # IN lists are expanded at execution: rendered here, each item a parameter of its own.
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    found = await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", params)
    plan = found.scalar_one()
    plan = orjson.loads(plan) if isinstance(plan, (str, bytes)) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def text_match(dialect: str, words: Sequence[str]) -> ColumnElement[bool]:
    """Listings whose title or description holds every word, each also as a prefix: PostgreSQL's
    full-text search on the listings' stored vectors, else SQLite's FTS5 table. `words` are letters
    and digits only, so quoting them is enough to keep them plain words in either query language."""
    if dialect == "postgresql":
        query = " & ".join(f"'{word}':*" for word in words)
        vector: ColumnElement[Any] = literal_column(SearchDocument.VECTOR)
        return vector.op("@@")(func.to_tsquery(SearchDocument.CONFIG, bindparam("tsquery", query)))
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


async def delete_media(
    db: AsyncSession, listing_id: int, media_id: int, listing: dict[str, Any]
) -> ListingMedia | None:
    """Deletes one of the listing's media (None when it has no such media) and writes `listing` on the
    listing; an image no longer counts in its `images_count`."""
    found = await db.scalar(
        select(ListingMedia).where(ListingMedia.id == media_id, ListingMedia.listing_id == listing_id)
    )
    if found is None:
        return None
    await db.execute(delete(ListingMedia).where(ListingMedia.id == media_id))
    if found.kind == "image":
        listing = listing | {"images_count": Listing.images_count - 1}
    await db.execute(update(Listing).where(Listing.id == listing_id).values(**listing))
    return found


async def make_first(db: AsyncSession, listing_id: int, media_id: int, kind: str) -> bool:
    """The listing's media `media_id` (of `kind`) takes the first position, those before it moving one
    place down; False when the listing has no such media."""
    media = (ListingMedia.listing_id == listing_id, ListingMedia.kind == kind)
    position = await db.scalar(select(ListingMedia.position).where(ListingMedia.id == media_id, *media))
    if position is None:
        return False
    first = await db.scalar(select(func.min(ListingMedia.position)).where(*media))
    moved = case((ListingMedia.id == media_id, first), else_=ListingMedia.position + 1)
    await db.execute(
        update(ListingMedia).where(*media, ListingMedia.position <= position).values(position=moved)
    )
    return True


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


async def remember_view(db: AsyncSession, user_id: int, listing_id: int, at: datetime) -> bool:
    """The user's history holds the listing once, with the latest time he viewed it: one upsert, in
    each database's own spelling. False when the user is gone (a deleted account's token still lives
    until it expires): the view counts all the same, there is just no history to keep."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(ViewedAd).values(user_id=user_id, listing_id=listing_id, viewed_at=at)
    try:
        async with db.begin_nested():
            await db.execute(
                upsert.on_conflict_do_update(
                    index_elements=[ViewedAd.user_id, ViewedAd.listing_id],
                    set_={"viewed_at": upsert.excluded.viewed_at},
                )
            )
    except IntegrityError:
        return False
    return True


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


# --- expiry ----------------------------------------------------------------------------------------


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


class QueuedNotice(NamedTuple):
    id: int
    expired: Expired


async def queued_notices(db: AsyncSession, limit: int) -> list[QueuedNotice]:
    """Up to `limit` notices still to send, the oldest first. They stay queued until `drop_notices`:
    a worker that dies while sending them leaves them to the next run."""
    query = select(
        ExpiryNotice.id,
        ExpiryNotice.listing_id,
        ExpiryNotice.owner_id,
        ExpiryNotice.title,
        ExpiryNotice.expired_at,
    )
    rows = await db.execute(query.order_by(ExpiryNotice.id).limit(limit))
    return [
        QueuedNotice(id_, Expired(listing_id, owner_id, title, expired_at))
        for id_, listing_id, owner_id, title, expired_at in rows
    ]


async def drop_notices(db: AsyncSession, notice_ids: Collection[int]) -> None:
    if notice_ids:
        await db.execute(delete(ExpiryNotice).where(ExpiryNotice.id.in_(notice_ids)))
