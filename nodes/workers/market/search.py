"""The ad search: active listings filtered by every field the command gives, in one of the documented
orders, a page at a time with the total. Text goes to each database's own engine (queries.text_match);
a radius is a bounding box on the indexed coordinates, then the exact great-circle distance.

A search that matches at most `[market] exact_total_max` ads reads them all (and so counts them
exactly); one that matches more walks its order's index, or gathers every match (`queries` says
why), and its total is PostgreSQL's estimate (SQLite counts). Each worker keeps totals a while
(`totals`)."""

from __future__ import annotations

import logging
import math
import re
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from nodes.runtime.settings import MarketSettings
from protocols import market as wire
from protocols.envelope import Actor, Event
from storage.models.market import Listing, VehicleAttributes
from storage.models.places import EARTH_RADIUS_KM

from . import queries
from .dealers import ads_of
from .deps import MarketDeps
from .handlers import handlers
from .totals import SearchTotals

log = logging.getLogger(__name__)

SORTS: dict[wire.AdSort, queries.SearchOrder] = {
    wire.AdSort.CREATED_DESC: queries.SearchOrder(Listing.created_at, descending=True),
    wire.AdSort.CREATED_ASC: queries.SearchOrder(Listing.created_at),
    wire.AdSort.PRICE_ASC: queries.SearchOrder(Listing.price),
    wire.AdSort.PRICE_DESC: queries.SearchOrder(Listing.price, descending=True),
    # An ad that does not give its mileage or year comes last either way, on both databases.
    wire.AdSort.MILEAGE_ASC: queries.SearchOrder(VehicleAttributes.mileage, unknown_last=True),
    wire.AdSort.MILEAGE_DESC: queries.SearchOrder(
        VehicleAttributes.mileage, descending=True, unknown_last=True
    ),
    wire.AdSort.YEAR_ASC: queries.SearchOrder(VehicleAttributes.year, unknown_last=True),
    wire.AdSort.YEAR_DESC: queries.SearchOrder(VehicleAttributes.year, descending=True, unknown_last=True),
}
ID_LISTS: dict[str, InstrumentedAttribute[Any]] = {
    "brand_ids": VehicleAttributes.brand_id, "model_ids": VehicleAttributes.model_id,
    "generation_ids": VehicleAttributes.generation_id, "modification_ids": VehicleAttributes.modification_id,
    "body_type_ids": VehicleAttributes.body_type_id, "transmission_ids": VehicleAttributes.transmission_id,
    "fuel_type_ids": VehicleAttributes.fuel_type_id, "drive_type_ids": VehicleAttributes.drive_type_id,
    "color_ids": VehicleAttributes.color_id,
}  # fmt: skip
RANGES: dict[str, InstrumentedAttribute[Any]] = {
    "price": Listing.price, "year": VehicleAttributes.year, "mileage": VehicleAttributes.mileage,
    "engine_volume": VehicleAttributes.engine_volume, "engine_power": VehicleAttributes.engine_power,
}  # fmt: skip
PLACES: dict[str, InstrumentedAttribute[Any]] = {"category_id": Listing.category_id, "city_id": Listing.city_id, "region_id": Listing.region_id,
          "country_id": Listing.country_id}  # fmt: skip
WORD = re.compile(r"[^\W_]+")  # letters and digits of any script: what both engines index as a word
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180  # along a meridian


def words(text: str | None) -> list[str]:
    return WORD.findall(text.casefold()) if text else []


def within(circle: wire.Circle) -> list[ColumnElement[bool]]:
    """The box around the circle (on the indexed coordinates), then the haversine distance inside it."""
    span = circle.radius_km / KM_PER_DEGREE
    where: list[ColumnElement[bool]] = [
        Listing.latitude.between(circle.latitude - span, circle.latitude + span)
    ]
    widest = math.cos(math.radians(min(89.9, abs(circle.latitude) + span)))  # the box's widest parallel
    lon_span = span / widest
    if lon_span < 180 and -180 <= circle.longitude - lon_span and circle.longitude + lon_span <= 180:
        where.append(Listing.longitude.between(circle.longitude - lon_span, circle.longitude + lon_span))
    lat1, lat2 = math.radians(circle.latitude), func.radians(Listing.latitude)
    a = func.pow(func.sin((lat2 - lat1) / 2), 2) + math.cos(lat1) * func.cos(lat2) * func.pow(
        func.sin((func.radians(Listing.longitude) - math.radians(circle.longitude)) / 2), 2
    )
    clamped = case((a > 1.0, 1.0), else_=a)  # rounding may push it past 1, out of asin's domain
    where.append(2 * EARTH_RADIUS_KM * func.asin(func.sqrt(clamped)) <= circle.radius_km)
    return where


def listed() -> list[ColumnElement[bool]]:
    """What every search starts from. The kind too: the listings table holds every vertical's, and the
    indexes the orders are read off begin with the status and the kind."""
    return [Listing.status == wire.AdStatus.ACTIVE.value, Listing.kind == wire.ListingKind.VEHICLE.value]


def filters(cmd: wire.ListAds, dialect: str) -> queries.SearchFilters:
    listing, vehicle = listed(), list[ColumnElement[bool]]()
    for field, column in PLACES.items():
        if (value := getattr(cmd, field)) is not None:
            listing.append(column == value)
    for field, column in ID_LISTS.items():
        if ids := getattr(cmd, field):
            vehicle.append(column.in_(ids))
    for field, column in RANGES.items():
        (vehicle if column.class_ is VehicleAttributes else listing).extend(_range(cmd, field, column))
    if cmd.condition is not None:
        vehicle.append(VehicleAttributes.condition == cmd.condition.value)
    if cmd.has_images:
        listing.append(Listing.images_count > 0)
    if cmd.has_vin:
        vehicle.append(VehicleAttributes.vin.is_not(None))
    if cmd.from_dealers:
        vehicle.append(VehicleAttributes.is_dealer.is_(True))
    if found := words(cmd.q):
        listing.append(queries.text_match(dialect, found))
    if cmd.near is not None:
        listing.append(and_(*within(cmd.near)))
    return queries.SearchFilters(listing, vehicle)


def _range(cmd: wire.ListAds, field: str, column: InstrumentedAttribute[Any]) -> list[ColumnElement[bool]]:
    low, high = getattr(cmd, f"{field}_from"), getattr(cmd, f"{field}_to")
    bounds = []
    if low is not None:
        bounds.append(column >= low)
    if high is not None:
        bounds.append(column <= high)
    return bounds


def head_filters(cmd: wire.ListAds) -> list[ColumnElement[bool]]:
    """What narrows the walk of the order's index from its start: its own range, and on the listings
    (whose order indexes begin with them) the status and the kind."""
    order = SORTS[cmd.sort_by]
    narrowing = [] if order.on_vehicle else listed()
    for field, column in RANGES.items():
        if column is order.key:
            narrowing.extend(_range(cmd, field, column))
    return narrowing


async def find(
    db: AsyncSession, cmd: wire.ListAds, market: MarketSettings, totals: SearchTotals
) -> tuple[list[queries.Row], int]:
    """The page of listings the search asks for, and how many match in all (`totals` keeps them a
    while). A search that matches few reads them all; one that matches many walks its order's index,
    and gathers every match when the walk falls short."""
    dialect = db.get_bind().dialect.name
    where, order = filters(cmd, dialect), SORTS[cmd.sort_by]
    await queries.plan_each_search(db)
    most = market.exact_total_max
    key = total_key(cmd)
    total = totals.kept(key)
    if total is None or total <= most:
        generation = totals.generation
        few = await queries.few_matches(db, where, order, most)
        if few is not None:
            totals.keep(key, len(few), generation)
            return await queries.listings_in_order(db, few[cmd.offset : cmd.offset + cmd.limit]), len(few)
        total = await queries.count_beyond(db, where, most)
        totals.keep(key, total, generation)
    # Many match: most pages are near the start of the order. The walk is bounded, and tried even
    # where the total says the matches are sparse: that total is the planner's guess, which a radius
    # (a box, then the distance) leads astray by a factor of ten.
    walk = max(market.search_walk_rows, market.search_walk_per_ad * (cmd.offset + cmd.limit))
    ids = await queries.walked_page(db, where, order, head_filters(cmd), cmd.offset, cmd.limit, walk)
    if ids is None:
        ids, total = await queries.gathered_page(db, where, order, cmd.offset, cmd.limit)
    return await queries.listings_in_order(db, ids), total


def total_key(cmd: wire.ListAds) -> str:
    """What a search's total depends on: its filters, not its order or page."""
    return cmd.model_copy(
        update={"sort_by": wire.AdSort.CREATED_DESC, "offset": 0, "limit": 1}
    ).model_dump_json()


@handlers.on(wire.ListAds)
async def list_ads(cmd: wire.ListAds, _actor: Actor, deps: MarketDeps) -> wire.AdPage:
    async with deps.read_db() as db:
        rows, total = await find(db, cmd, deps.settings.market, deps.totals)
        return wire.AdPage(items=await ads_of(deps, db, rows), total=total)


async def listings_changed(deps: MarketDeps) -> None:
    """After a committed write that may change what a search finds: this worker forgets its kept
    totals at once, the others when they hear of it (a lost event: within the totals' TTL)."""
    deps.totals.forget()
    await announce(deps, wire.ListingsChanged())


async def announce(deps: MarketDeps, event: Event) -> None:
    """Publish `event` after a committed write; NATS away, the write stands (the others' totals expire,
    the console's counts are right at its next page)."""
    try:
        await deps.bus.publish(event)
    except Exception as exc:  # noqa: BLE001 - NATS away: the write stands
        log.warning("could not announce %s: %r", type(event).__name__, exc)
