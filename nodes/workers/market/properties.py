"""The realty vertical (Realty): properties as listings of kind `property`, with their files.

Choices where the contract is silent:
- Only realtors, agencies and developers list properties (`forbidden` for anyone else, before any
  write); a property is `active` as soon as it is written (Realty has no moderation queue).
- Numbers hold together: a floor is at most the building's floors, the living area at most the total.
- A property's files are the edge's, stored before the write: at most `[realty] property_images_max`
  images, one layout of each kind, three documents. An update adds files and removes them by id; a
  layout added where there is one replaces it.
- Its place is found once written and again when its location, city or district changes
  (properties_places). The price is kept as given and, rounded, on the listing.
- Every write that leaves a property active publishes `PropertyPublished` after its commit; archiving
  publishes `PropertyWithdrawn`. Anyone else's property, or an archived one not the actor's, is
  `not_found`; an admin archives and restores anyone's (the console), and nothing else of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from protocols import market_realty as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.fields import PROPERTY_DOCUMENTS_MAX
from protocols.market import AdStatus, ListingKind
from storage.models.market import Listing
from storage.models.market_realty import REALTY_CATEGORY_SLUG, PropertyAttributes, PropertyFile
from storage.reference import districts

from . import properties_queries as queries
from .deps import MarketDeps
from .handlers import handlers
from .properties_places import place_of
from .properties_queries import Found

NOT_FOUND = "Property not found"
LISTING_FIELDS = ("title", "description", "currency")  # beside the price, which both keep
PLACE_FIELDS = frozenset({"location", "city", "district"})
ONE_EACH = frozenset(wire.IMAGE_SLOTS) - {wire.PropertySlot.IMAGE}


def invalid(message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, message)


def require_lister(actor: Actor) -> int:
    user_id = actor.require_user()
    if actor.role not in wire.LISTER_ROLES:
        raise DomainError(ErrorCode.FORBIDDEN, "Only realtors, agencies and developers list properties")
    return user_id


# --- checks ----------------------------------------------------------------------------------------


def check_numbers(values: dict[str, Any]) -> None:
    floor, floors = values.get("floor"), values.get("building_floors")
    if floor is not None and floors is not None and floor > floors:
        raise invalid(f"floor {floor} is above the building's {floors} floors")
    living, total = values.get("living_area"), values.get("total_area")
    if living is not None and total is not None and living > total:
        raise invalid(f"living_area {living} is more than total_area {total}")
    for name in wire.REQUIRED_FIELDS:
        if values.get(name) is None:
            raise invalid(f"{name} is required")


def check_files(deps: MarketDeps, files: Sequence[wire.NewPropertyFile | PropertyFile]) -> None:
    """At most so many images, one layout of each kind, three documents, each position once."""
    slots = [wire.PropertySlot(file.slot) for file in files]
    images = slots.count(wire.PropertySlot.IMAGE)
    if images > (most := deps.settings.realty.property_images_max):
        raise invalid(f"At most {most} images")
    for slot in ONE_EACH:
        if slots.count(slot) > 1:
            raise invalid(f"One {slot.value} only")
    documents = [file.position for file in files if file.slot == wire.PropertySlot.DOCUMENT]
    if len(set(documents)) != len(documents) or any(p >= PROPERTY_DOCUMENTS_MAX for p in documents):
        raise invalid(f"At most {PROPERTY_DOCUMENTS_MAX} documents, document_file1..3")


# --- the reply -------------------------------------------------------------------------------------


def file_of(deps: MarketDeps, row: PropertyFile) -> wire.PropertyFile:
    return wire.PropertyFile(
        id=row.id, slot=wire.PropertySlot(row.slot), position=row.position, url=deps.media.url(row.key),
        thumbnail_url=deps.media.url(row.thumbnail_key) if row.thumbnail_key else None,
        content_type=row.content_type, size=row.size, width=row.width, height=row.height, name=row.name,
    )  # fmt: skip


ATTRIBUTE_FIELDS = tuple(
    name for name in wire.Property.model_fields if hasattr(PropertyAttributes, name) and name != "price"
)


def property_of(deps: MarketDeps, pair: Found, files: Sequence[PropertyFile]) -> wire.Property:
    listing, attributes = pair
    values = {name: getattr(attributes, name) for name in ATTRIBUTE_FIELDS}
    return wire.Property.model_validate(values | {
        "id": listing.id, "owner_id": listing.owner_id, "status": listing.status, "title": listing.title,
        "description": listing.description, "currency": listing.currency, "price": attributes.price,
        "city_id": listing.city_id, "created_at": listing.created_at, "updated_at": listing.updated_at,
        "published_at": listing.published_at or listing.created_at,
        "place": {"city": attributes.city_source, "district": attributes.district_source},
        "files": [file_of(deps, row) for row in files],
    })  # fmt: skip


async def read_back(deps: MarketDeps, ids: Sequence[int]) -> list[wire.Property]:
    async with deps.read_db() as db:
        found = await queries.found(db, ids)
        files = await queries.files_of(db, list(found))
    return [property_of(deps, found[i], files[i]) for i in ids if i in found]


def published_event(item: wire.Property, *, first: bool) -> wire.PropertyPublished:
    """What matching compares, of an active property."""
    studio = item.subtype is wire.PropertySubtype.STUDIO
    return wire.PropertyPublished(
        property_id=item.id, owner_id=item.owner_id, first=first, title=item.title, city_id=item.city_id,
        district=district_key(item), deal_format=item.deal_format, type=item.type,
        subtype=item.subtype, condition=item.condition, rooms=0 if studio else item.rooms,
        total_area=item.total_area, price=item.price, currency=item.currency, entry_year=item.entry_year,
        entry_quarter=item.entry_quarter, published_at=item.published_at, updated_at=item.updated_at,
    )  # fmt: skip


async def published(deps: MarketDeps, item: wire.Property, *, first: bool) -> wire.Property:
    """After the commit: what matching compares."""
    if item.status is wire.PropertyStatus.ACTIVE:
        await deps.bus.publish(published_event(item, first=first))
    return item


def district_key(item: wire.Property) -> str | None:
    return districts.match_key(item.city_id, item.district) if item.district else None


# --- writing ---------------------------------------------------------------------------------------


def rooms_count(values: dict[str, Any]) -> int | None:
    return 0 if values.get("subtype") == wire.PropertySubtype.STUDIO.value else values.get("rooms")


def plain(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value.value if hasattr(value, "value") else value for name, value in values.items()}


def split(values: dict[str, Any], whole: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The listing's columns and the attributes' of these field values (enums as their values); `whole`
    is every field as it will be, for what depends on several."""
    plain_values = plain(values)
    listing = {name: plain_values[name] for name in LISTING_FIELDS if name in plain_values}
    attributes = {
        n: v for n, v in plain_values.items() if n not in LISTING_FIELDS and n not in ("city", "district")
    }
    if "price" in plain_values:
        listing["price"] = round(plain_values["price"])
    if "rooms" in plain_values or "subtype" in plain_values:
        attributes["rooms_count"] = rooms_count(plain(whole))
    return listing, attributes


def file_rows(files: Sequence[wire.NewPropertyFile]) -> list[dict[str, Any]]:
    return [file.model_dump() | {"slot": file.slot.value} for file in files]


@handlers.on(wire.CreateProperty)
async def create_property(cmd: wire.CreateProperty, actor: Actor, deps: MarketDeps) -> wire.Property:
    owner_id = require_lister(actor)
    values = cmd.model_dump(include=set(wire.FIELD_NAMES))
    check_numbers(values)
    check_files(deps, cmd.files)
    assert cmd.location is not None  # checked: required
    place = await place_of(deps.bus, cmd.location, cmd.city, cmd.district)
    category_id = await deps.barter.category_id(deps.bus, REALTY_CATEGORY_SLUG)
    listing, attributes = split(values, values)
    now = datetime.now(UTC)
    listing |= place.listing_values() | {
        "owner_id": owner_id, "kind": ListingKind.PROPERTY.value, "category_id": category_id,
        "status": AdStatus.ACTIVE.value, "created_at": now, "updated_at": now, "published_at": now,
        "views_count": 0, "images_count": sum(f.slot is wire.PropertySlot.IMAGE for f in cmd.files),
    }  # fmt: skip
    async with deps.db() as db:
        listing_id = await queries.insert_property(db, listing, attributes | place.attribute_values())
        await queries.insert_files(db, listing_id, file_rows(cmd.files))
        await db.commit()
    (item,) = await read_back(deps, [listing_id])
    return await published(deps, item, first=True)


@handlers.on(wire.UpdateProperty)
async def update_property(cmd: wire.UpdateProperty, actor: Actor, deps: MarketDeps) -> wire.Property:
    owner_id = actor.require_user()
    unknown = set(cmd.changed) - set(wire.FIELD_NAMES)
    if unknown:
        raise invalid(f"Unknown fields: {', '.join(sorted(unknown))}")
    async with deps.read_db() as db:
        before = await queries.owned(db, cmd.property_id, owner_id)
        kept_files = (await queries.files_of(db, [cmd.property_id]))[cmd.property_id]
    if before is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    current = property_of(deps, before, kept_files)
    changed = cmd.model_dump(include=set(cmd.changed))
    merged = current.model_dump(include=set(wire.FIELD_NAMES)) | changed
    check_numbers(merged)
    removed = set(cmd.remove_file_ids)
    replaced = {f.slot for f in cmd.add_files} & ONE_EACH  # a new layout replaces the old one
    gone = [f.id for f in kept_files if f.id in removed or wire.PropertySlot(f.slot) in replaced]
    staying: list[wire.NewPropertyFile | PropertyFile] = [f for f in kept_files if f.id not in gone]
    check_files(deps, [*staying, *cmd.add_files])
    listing, attributes = split(changed, merged)
    if PLACE_FIELDS & set(changed):
        # A city or district found in the old address is looked for again in the new one.
        address = wire.PlaceSource.ADDRESS
        city = merged["city"] if "city" in changed or current.place.city is not address else None
        given = "district" in changed or current.place.district is not address
        place = await place_of(deps.bus, merged["location"], city, merged["district"] if given else None)
        listing |= place.listing_values()
        attributes |= place.attribute_values()
    now = datetime.now(UTC)
    images = sum(f.slot == wire.PropertySlot.IMAGE for f in [*staying, *cmd.add_files])
    async with deps.db() as db:
        await queries.write(
            db, cmd.property_id, listing | {"updated_at": now, "images_count": images}, attributes
        )
        deleted = await queries.remove_files(db, cmd.property_id, gone)
        await queries.insert_files(db, cmd.property_id, file_rows(cmd.add_files))
        await db.commit()
    for row in deleted:  # after the commit: a failed write keeps them
        for key in (row.key, row.thumbnail_key):
            if key:
                await deps.media.delete(key)
    (item,) = await read_back(deps, [cmd.property_id])
    return await published(deps, item, first=False)


async def move(
    deps: MarketDeps, actor: Actor, property_id: int, status: wire.PropertyStatus
) -> wire.Property:
    # An admin moves anyone's (the console); anyone else his own only.
    owner_id = None if actor.role is Role.ADMIN else actor.require_user()
    now = datetime.now(UTC)
    values: dict[str, Any] = {"status": status.value, "updated_at": now}
    if status is wire.PropertyStatus.ACTIVE:
        values["published_at"] = now
    async with deps.db() as db:
        if await queries.owned(db, property_id, owner_id) is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        moved = await queries.set_status(db, property_id, owner_id, values)
        await db.commit()
    (item,) = await read_back(deps, [property_id])
    if moved and status is wire.PropertyStatus.ARCHIVED:
        await deps.bus.publish(wire.PropertyWithdrawn(property_id=item.id, owner_id=item.owner_id))
    elif moved:
        await published(deps, item, first=False)
    return item


@handlers.on(wire.ArchiveProperty)
async def archive_property(cmd: wire.ArchiveProperty, actor: Actor, deps: MarketDeps) -> wire.Property:
    return await move(deps, actor, cmd.property_id, wire.PropertyStatus.ARCHIVED)


@handlers.on(wire.RestoreProperty)
async def restore_property(cmd: wire.RestoreProperty, actor: Actor, deps: MarketDeps) -> wire.Property:
    return await move(deps, actor, cmd.property_id, wire.PropertyStatus.ACTIVE)


# --- reading ---------------------------------------------------------------------------------------


def visible(item: wire.Property, actor: Actor) -> bool:
    return item.status is wire.PropertyStatus.ACTIVE or (actor.signed_in and actor.user_id == item.owner_id)


@handlers.on(wire.GetProperty)
async def get_property(cmd: wire.GetProperty, actor: Actor, deps: MarketDeps) -> wire.Property:
    found = await read_back(deps, [cmd.property_id])
    if not found or not visible(found[0], actor):
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return found[0]


@handlers.on(wire.GetProperties)
async def get_properties(cmd: wire.GetProperties, _actor: Actor, deps: MarketDeps) -> wire.PropertyPage:
    found = [
        item for item in await read_back(deps, cmd.property_ids) if item.status is wire.PropertyStatus.ACTIVE
    ]
    return wire.PropertyPage(items=found, total=len(found))


async def page_of(
    deps: MarketDeps, where: Sequence[Any], order: Sequence[Any], offset: int, limit: int
) -> wire.PropertyPage:
    async with deps.read_db() as db:
        pairs, total = await queries.page(db, where, order, offset, limit)
        files = await queries.files_of(db, [listing.id for listing, _ in pairs])
    return wire.PropertyPage(
        items=[property_of(deps, pair, files[pair[0].id]) for pair in pairs], total=total
    )


@handlers.on(wire.ListMyProperties)
async def list_my_properties(cmd: wire.ListMyProperties, actor: Actor, deps: MarketDeps) -> wire.PropertyPage:
    owner_id = require_lister(actor)
    order = (Listing.created_at.desc(), Listing.id.desc())
    return await page_of(deps, [Listing.owner_id == owner_id], order, cmd.offset, cmd.limit)
