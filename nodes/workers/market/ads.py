"""Ads: created, edited, archived, renewed and deleted by their owner; read and listed by anyone while
active, by their owner in any status (anyone else's inactive ad is not there)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from protocols import catalog
from protocols import market as wire
from protocols.envelope import Actor, DomainError, Empty, ErrorCode, Role
from storage.models.market import Listing

from . import queries
from .dealers import ad_of, ads_of
from .deps import MarketDeps
from .handlers import handlers
from .limits import LIVE, check_room
from .references import check_references
from .search import SORTS, listings_changed
from .shapes import VEHICLE_FIELDS

log = logging.getLogger(__name__)

NOT_FOUND = "Ad not found"
LISTING_FIELDS = ("category_id", "title", "description", "price", "currency", "city_id", "latitude",
                  "longitude")  # fmt: skip
PLACE_FIELDS = ("region_id", "country_id")  # the city's, set with it
REQUIRED = {wire.AdField.CATEGORY_ID, wire.AdField.TITLE, wire.AdField.PRICE, wire.AdField.CURRENCY}
# The statuses an owner may move his ad to, from each status.
OWNER_MOVES = {
    wire.OwnerStatus.PENDING: {wire.AdStatus.DRAFT, wire.AdStatus.REJECTED, wire.AdStatus.PENDING},
    wire.OwnerStatus.ARCHIVED: {wire.AdStatus.DRAFT, wire.AdStatus.PENDING, wire.AdStatus.ACTIVE,
                                wire.AdStatus.REJECTED, wire.AdStatus.EXPIRED, wire.AdStatus.ARCHIVED},
    wire.OwnerStatus.ACTIVE: {wire.AdStatus.EXPIRED},  # a renewal; only moderation activates otherwise
}  # fmt: skip
CHANGED_MEANWHILE = "The ad changed meanwhile (it may have expired); read it again"


def lifetime(deps: MarketDeps) -> timedelta:
    """How long an ad stays active once published or renewed."""
    return timedelta(days=deps.settings.market.listing_lifetime_days)


async def owned(deps: MarketDeps, ad_id: int, actor: Actor) -> queries.Row:
    """The actor's own ad; anyone else's is not there, as a missing one."""
    user_id = actor.require_user()
    async with deps.read_db() as db:
        row = await queries.listing(db, ad_id)
    if row is None or row[0].owner_id != user_id:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return row


def placed(values: dict[str, Any], city: catalog.City | None) -> dict[str, Any]:
    """An ad in a city and given no coordinates of its own is at the city's (a radius search needs
    them); it is in the city's region and country, kept on the ad so that a search never asks."""
    values = values | {"region_id": city and city.region_id, "country_id": city and city.country_id}
    if city is None or (values.get("latitude") is not None and values.get("longitude") is not None):
        return values
    return values | {"latitude": city.latitude, "longitude": city.longitude}


@handlers.on(wire.CreateAd)
async def create_ad(cmd: wire.CreateAd, actor: Actor, deps: MarketDeps) -> wire.Ad:
    owner_id = actor.require_user()
    values = cmd.model_dump()
    values = placed(values, await check_references(deps.bus, values))
    now = datetime.now(UTC)
    listing = {field: values[field] for field in (*LISTING_FIELDS, *PLACE_FIELDS)} | {
        "owner_id": owner_id, "kind": wire.ListingKind.VEHICLE.value, "created_at": now, "updated_at": now,
        "status": (wire.AdStatus.DRAFT if cmd.draft else wire.AdStatus.PENDING).value, "views_count": 0,
    }  # fmt: skip
    vehicle = {field: values[field] for field in VEHICLE_FIELDS} | {"is_dealer": actor.role is Role.DEALER}
    async with deps.db() as db:
        if not cmd.draft:
            await check_room(db, actor, deps.settings.market, besides=None)
        ad_id = await queries.insert_listing(db, listing, vehicle)
        await db.commit()
        row = await queries.listing(db, ad_id)
        assert row is not None  # just written
        return await ad_of(deps, db, row)


@handlers.on(wire.GetAd)
async def get_ad(cmd: wire.GetAd, actor: Actor, deps: MarketDeps) -> wire.Ad:
    async with deps.read_db() as db:
        row = await queries.listing(db, cmd.ad_id)
        mine = row is not None and actor.signed_in and row[0].owner_id == actor.user_id
        if row is None or (row[0].status != wire.AdStatus.ACTIVE and not mine):
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        return await ad_of(deps, db, row)


def next_status(current: wire.AdStatus, asked: wire.OwnerStatus | None, edited: bool) -> wire.AdStatus:
    if asked is not None:
        if current not in OWNER_MOVES[asked]:
            raise DomainError(ErrorCode.CONFLICT, f"A {current.value} ad cannot be made {asked.value}")
        return wire.AdStatus(asked.value)
    if edited and current is wire.AdStatus.REJECTED:  # corrected: back to the moderators
        return wire.AdStatus.PENDING
    return current


@handlers.on(wire.UpdateAd)
async def update_ad(cmd: wire.UpdateAd, actor: Actor, deps: MarketDeps) -> wire.Ad:
    listing_row, vehicle_row = await owned(deps, cmd.ad_id, actor)
    changes: dict[str, Any] = {field.value: getattr(cmd, field.value) for field in cmd.changed}
    for field in REQUIRED & cmd.changed:
        if changes[field.value] is None:
            raise DomainError(
                ErrorCode.VALIDATION, f"{field.value}: may not be null",
                {"errors": [{"type": "value_error", "loc": [field.value], "msg": "may not be null"}]},
            )  # fmt: skip
    if changes:
        written = {field: getattr(listing_row, field) for field in LISTING_FIELDS}
        written |= {field: getattr(vehicle_row, field, None) for field in VEHICLE_FIELDS}
        city = await check_references(deps.bus, written | changes)
        if "city_id" in changes:
            changes = placed(changes, city)
    status_was = wire.AdStatus(listing_row.status)
    status = next_status(status_was, cmd.status, edited=bool(changes))
    now = datetime.now(UTC)
    listing = {field: changes[field] for field in (*LISTING_FIELDS, *PLACE_FIELDS) if field in changes}
    listing |= {"status": status.value, "updated_at": now}
    if status is wire.AdStatus.PENDING:
        listing["rejection_reason"] = None
    if status_was is wire.AdStatus.EXPIRED and status is wire.AdStatus.ACTIVE:  # renewed: a new lifetime
        listing |= {"published_at": now, "expires_at": now + lifetime(deps)}
    vehicle = {field: changes[field] for field in VEHICLE_FIELDS if field in changes}
    async with deps.db() as db:
        if status in LIVE and status_was not in LIVE:
            await check_room(db, actor, deps.settings.market, besides=cmd.ad_id)
        if not await queries.update_listing(db, cmd.ad_id, listing, vehicle, status_was=status_was.value):
            gone = await queries.listing(db, cmd.ad_id) is None
            raise DomainError(
                *((ErrorCode.NOT_FOUND, NOT_FOUND) if gone else (ErrorCode.CONFLICT, CHANGED_MEANWHILE))
            )
        await db.commit()
        await listings_changed(deps)
        row = await queries.listing(db, cmd.ad_id)
        if row is None:  # deleted meanwhile
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        return await ad_of(deps, db, row)


@handlers.on(wire.DeleteAd)
async def delete_ad(cmd: wire.DeleteAd, actor: Actor, deps: MarketDeps) -> Empty:
    await owned(deps, cmd.ad_id, actor)
    await delete_with_media(deps, cmd.ad_id)
    return Empty()


async def delete_with_media(deps: MarketDeps, ad_id: int) -> None:
    """The ad's rows, its media's with them, then its stored files."""
    async with deps.db() as db:
        await queries.locked_listing(db, ad_id)  # no media is added between reading keys and deleting
        keys = await queries.media_keys(db, ad_id)
        await queries.delete_listing(db, ad_id)
        await db.commit()
    await listings_changed(deps)
    await forget_files(deps, ad_id, keys)


async def forget_files(deps: MarketDeps, ad_id: int, keys: list[str]) -> None:
    """Called after the commit that deleted the rows: a file whose row is gone is only litter, a row
    whose file is gone a broken ad."""
    for key in keys:
        try:
            await deps.media.delete(key)
        except OSError:
            log.warning("media %s of ad %s deleted, its file left in the store", key, ad_id, exc_info=True)


@handlers.on(wire.ListMyAds)
async def list_my_ads(cmd: wire.ListMyAds, actor: Actor, deps: MarketDeps) -> wire.AdPage:
    where = [Listing.owner_id == actor.require_user()]
    if cmd.status is not None:
        where.append(Listing.status == cmd.status.value)
    async with deps.read_db() as db:
        rows, total = await queries.page(db, where, SORTS[wire.AdSort.CREATED_DESC].by, cmd.offset, cmd.limit)
        return wire.AdPage(items=await ads_of(deps, db, rows), total=total)
