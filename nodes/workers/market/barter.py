"""The barter vertical (FreeMarket): barter lists and their items, as listings of kind `barter`; the
category system; the pool that the matching domain reads and the items it archives.

Choices where the contract is silent:
- An item is `active` as soon as it is written (FreeMarket has no moderation queue); removing it from
  its list, or its exchange's completion, archives it. Nothing is deleted: an exchange still shows the
  items it moved.
- An item's category is optional (the contract's `create-by-categories` and `create` name none); given,
  it is a slug of the current category version for the item's exchange type.
- An item's place is its owner's city as his profile names it when the item is written, with the
  coordinates of the catalog's city of that name (barter_places); a city the catalog does not know
  leaves the place unknown.
- `ListBarterItems`: an owner asking for his own items sees them in every status (so that his cabinet
  shows what was exchanged); anyone else sees active ones only.
- `ArchiveBarterItems`: an id that is not an active barter item (unknown, archived, hidden) refuses
  the whole call (`conflict`), unless it was archived for the same exchange already: then it counts as
  done, so a repeated call answers what the first did.
- Every write publishes `BarterItemsChanged` (per owner) after its commit, never before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from nodes.runtime.payloads import within_budget
from protocols import market_barter as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.identity import GetUser
from protocols.market import AdStatus, ListingKind
from storage.models.market import Listing
from storage.models.market_barter import BarterItemAttributes
from storage.reference import barter_categories

from . import barter_queries as queries
from .barter_queries import Item
from .deps import MarketDeps
from .handlers import handlers

LIST_NOT_FOUND = "Listing not found"
SORTS = {wire.BarterSort.CREATED: Listing.created_at, wire.BarterSort.VALUE: Listing.price,
         wire.BarterSort.NAME: Listing.title}  # fmt: skip


# --- categories ------------------------------------------------------------------------------------


@cache
def categories(version: str) -> wire.BarterCategories | None:
    document = barter_categories.load(version)
    if document is None:
        return None
    listed = document["categories"]
    return wire.BarterCategories(
        version=document["version"], description=document["description"],
        permanent=[wire.BarterCategory(**category) for category in listed["permanent"]],
        temporary=[wire.BarterCategory(**category) for category in listed["temporary"]],
    )  # fmt: skip


@cache
def current_slugs(exchange_type: wire.ExchangeType) -> frozenset[str]:
    current = categories(barter_categories.CURRENT)
    assert current is not None  # shipped
    listed = current.permanent if exchange_type is wire.ExchangeType.PERMANENT else current.temporary
    return frozenset(category.slug for category in listed)


@handlers.on(wire.GetBarterCategories)
async def get_barter_categories(
    cmd: wire.GetBarterCategories, _actor: Actor, _deps: MarketDeps
) -> wire.BarterCategories:
    found = categories(cmd.version or barter_categories.CURRENT)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"Category version '{cmd.version}' not found")
    return found


# --- writing items ---------------------------------------------------------------------------------


def invalid(message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, message)


def check_item(item: wire.NewBarterItem) -> None:
    kind = item.exchange_type
    if item.category is not None and item.category not in current_slugs(kind):
        raise invalid(f"Unknown category '{item.category}' for {kind.value} exchanges")
    if kind is wire.ExchangeType.TEMPORARY and item.duration_days is None:
        raise invalid(f"'{item.item_name}': a TEMPORARY item needs duration_days")
    if kind is wire.ExchangeType.PERMANENT and item.duration_days is not None:
        raise invalid(f"'{item.item_name}': duration_days is for TEMPORARY items only")


async def rows_of(
    deps: MarketDeps, owner_id: int, items: Sequence[wire.NewBarterItem], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The listings' rows and their barter attributes' for `items` (without their list), placed at the
    owner's city. Asked before the write transaction opens: no lock waits on another domain."""
    for item in items:
        check_item(item)
    if not items:
        return [], []
    profile = await deps.bus.request(GetUser(user_id=owner_id), actor=Actor.system())
    city = await deps.barter.city(deps.bus, profile.city)
    category_id = await deps.barter.category_id(deps.bus)
    place = {
        "city_id": city and city.id, "region_id": city and city.region_id,
        "country_id": city and city.country_id, "latitude": city and city.latitude,
        "longitude": city and city.longitude,
    }  # fmt: skip
    listings = [
        place | {
            "owner_id": owner_id, "kind": ListingKind.BARTER.value, "category_id": category_id,
            "title": item.item_name, "description": item.description, "price": item.value_tenge,
            "currency": wire.BARTER_CURRENCY, "status": AdStatus.ACTIVE.value, "created_at": now,
            "updated_at": now, "published_at": now, "views_count": 0, "images_count": 0,
        }
        for item in items
    ]  # fmt: skip
    attributes = [
        {"side": item.side.value, "exchange_type": item.exchange_type.value, "category": item.category,
         "duration_days": item.duration_days, "city": profile.city}
        for item in items
    ]  # fmt: skip
    return listings, attributes


def in_list(attributes: list[dict[str, Any]], list_id: int) -> list[dict[str, Any]]:
    return [values | {"list_id": list_id} for values in attributes]


ITEM_FIELDS = tuple(wire.BarterItem.model_fields)


def item_of(row: Item) -> wire.BarterItem:
    values = row._mapping
    return wire.BarterItem.model_validate({name: values[name] for name in ITEM_FIELDS})


async def changed(deps: MarketDeps, owner_id: int, item_ids: Sequence[int]) -> None:
    """After the commit: matching re-matches what the change touches."""
    if item_ids:
        await deps.bus.publish(wire.BarterItemsChanged(owner_id=owner_id, item_ids=sorted(item_ids)))


@handlers.on(wire.CreateBarterList)
async def create_barter_list(cmd: wire.CreateBarterList, actor: Actor, deps: MarketDeps) -> wire.BarterList:
    owner_id = actor.require_user()
    now = datetime.now(UTC)
    listings, attributes = await rows_of(deps, owner_id, cmd.items, now)
    async with deps.db() as db:
        barter_list = await queries.insert_list(
            db, {"owner_id": owner_id, "created_at": now, "updated_at": now}
        )
        ids = await queries.insert_items(db, listings, in_list(attributes, barter_list.id))
        await db.commit()
        rows = await queries.items_by_id(db, ids)
    await changed(deps, owner_id, ids)
    return wire.BarterList(
        id=barter_list.id, owner_id=owner_id, created_at=now, items=[item_of(row) for row in rows]
    )


@handlers.on(wire.AddBarterItem)
async def add_barter_item(cmd: wire.AddBarterItem, actor: Actor, deps: MarketDeps) -> wire.BarterItem:
    owner_id = actor.require_user()
    now = datetime.now(UTC)
    listings, attributes = await rows_of(deps, owner_id, [cmd.item], now)
    async with deps.db() as db:
        barter_list = await queries.newest_list(db, owner_id)
        if barter_list is None:
            barter_list = await queries.insert_list(
                db, {"owner_id": owner_id, "created_at": now, "updated_at": now}
            )
        else:
            await queries.touch_list(db, barter_list.id, {"updated_at": now})
        ids = await queries.insert_items(db, listings, in_list(attributes, barter_list.id))
        await db.commit()
        rows = await queries.items_by_id(db, ids)
    await changed(deps, owner_id, ids)
    return item_of(rows[0])


def check_removable(list_id: int, wanted: Sequence[int], found: Sequence[Item]) -> None:
    """Every item to remove is in the list and active, else nothing changes."""
    in_list = {item.id: item for item in found if item.list_id == list_id}
    for item_id in wanted:
        item = in_list.get(item_id)
        if item is None:
            raise DomainError(ErrorCode.NOT_FOUND, f"Item {item_id} not found in listing {list_id}")
        if item.status != AdStatus.ACTIVE.value:
            raise DomainError(ErrorCode.CONFLICT, f"Item {item_id} is not active (it was {item.status})")


@handlers.on(wire.UpdateBarterList)
async def update_barter_list(
    cmd: wire.UpdateBarterList, actor: Actor, deps: MarketDeps
) -> wire.BarterListUpdated:
    """One transaction: the new items inserted and the removed ones archived, or neither."""
    owner_id = actor.require_user()
    remove = sorted(set(cmd.remove_item_ids))
    now = datetime.now(UTC)
    async with deps.read_db() as db:
        if await queries.owned_list(db, cmd.list_id, owner_id) is None:
            raise DomainError(ErrorCode.NOT_FOUND, LIST_NOT_FOUND)
    listings, attributes = await rows_of(deps, owner_id, cmd.add, now)
    async with deps.db() as db:
        check_removable(cmd.list_id, remove, await queries.items_by_id(db, remove))
        added = await queries.insert_items(db, listings, in_list(attributes, cmd.list_id))
        removed = await queries.archive(db, remove, {"updated_at": now}, list_id=cmd.list_id)
        if len(removed) != len(remove):  # one was archived meanwhile: nothing happens
            await db.rollback()
            raise DomainError(ErrorCode.CONFLICT, "The listing changed meanwhile; read it again")
        await queries.touch_list(db, cmd.list_id, {"updated_at": now})
        counts = await queries.count_sides(db, cmd.list_id)
        await db.commit()
    await changed(deps, owner_id, [*added, *removed])
    return wire.BarterListUpdated(
        list_id=cmd.list_id, owner_id=owner_id, items_added=len(added), items_removed=len(removed),
        wants=counts.get(wire.ItemSide.WANT.value, 0), offers=counts.get(wire.ItemSide.OFFER.value, 0),
    )  # fmt: skip


# --- reading items ---------------------------------------------------------------------------------


@handlers.on(wire.ListBarterItems)
async def list_barter_items(cmd: wire.ListBarterItems, actor: Actor, deps: MarketDeps) -> wire.BarterItemPage:
    where = [Listing.kind == ListingKind.BARTER.value]
    if cmd.side is not None:
        where.append(BarterItemAttributes.side == cmd.side.value)
    if cmd.owner_id is not None:
        where.append(Listing.owner_id == cmd.owner_id)
    if not (actor.signed_in and cmd.owner_id == actor.user_id):
        where.append(Listing.status == AdStatus.ACTIVE.value)
    key = SORTS[cmd.sort]
    order = (key.desc(), Listing.id.desc()) if cmd.descending else (key.asc(), Listing.id.asc())
    async with deps.read_db() as db:
        rows, total = await queries.page(db, where, order, cmd.offset, cmd.limit)
    return wire.BarterItemPage(items=[item_of(row) for row in rows], total=total)


@handlers.on(wire.GetBarterItems)
async def get_barter_items(cmd: wire.GetBarterItems, _actor: Actor, deps: MarketDeps) -> wire.BarterItemPage:
    async with deps.read_db() as db:
        rows = await queries.items_by_id(db, set(cmd.item_ids))
    return wire.BarterItemPage(items=[item_of(row) for row in rows], total=len(rows))


# --- for the matching domain -----------------------------------------------------------------------


def require_system(actor: Actor) -> None:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "Only the system may do this")


@handlers.on(wire.ReadBarterPool)
async def read_barter_pool(cmd: wire.ReadBarterPool, actor: Actor, deps: MarketDeps) -> wire.BarterPoolPage:
    require_system(actor)
    owners = None if cmd.owner_ids is None else set(cmd.owner_ids)
    async with deps.read_db() as db:
        rows = await queries.pool(db, cmd.after_id, cmd.limit + 1, owners)
    # A page ends early rather than outgrow a NATS message: long descriptions made a page of 5,000 too
    # large to be answered at all.
    items = within_budget(item_of(row) for row in rows[: cmd.limit])
    more = len(items) < len(rows)
    return wire.BarterPoolPage(items=items, next_after_id=items[-1].id if more else None)


@handlers.on(wire.ArchiveBarterItems)
async def archive_barter_items(
    cmd: wire.ArchiveBarterItems, actor: Actor, deps: MarketDeps
) -> wire.BarterItemsArchived:
    require_system(actor)
    wanted = sorted(set(cmd.item_ids))
    now = datetime.now(UTC)
    async with deps.db() as db:
        found = {item.id: item for item in await queries.items_by_id(db, wanted)}
        done = [i for i in wanted if i in found and found[i].archived_for == cmd.exchange_id]
        to_archive = [i for i in wanted if i not in done]
        refused = [i for i in to_archive if i not in found or found[i].status != AdStatus.ACTIVE.value]
        if refused:
            raise DomainError(ErrorCode.CONFLICT, f"Items not active: {', '.join(map(str, refused))}")
        archived = await queries.archive(db, to_archive, {"updated_at": now, "archived_for": cmd.exchange_id})
        if len(archived) != len(to_archive):  # archived meanwhile by another call
            await db.rollback()
            raise DomainError(ErrorCode.CONFLICT, "Items changed meanwhile; none was archived")
        await db.commit()
    by_owner: dict[int, list[int]] = defaultdict(list)
    for item_id in archived:
        by_owner[found[item_id].owner_id].append(item_id)
    for owner_id, ids in by_owner.items():
        await changed(deps, owner_id, ids)
    return wire.BarterItemsArchived(item_ids=wanted)
