"""The ad search: active listings filtered by every field the command gives, in one of the documented
orders, a page at a time with the total. Text goes to each database's own engine (queries.text_match);
a radius is a bounding box on the indexed coordinates, then the exact great-circle distance. The total
is exact up to `[market] exact_total_max`, estimated past it on PostgreSQL (`queries.count_vehicles`),
and kept a while by each worker (`totals`)."""

from __future__ import annotations

import logging
import math
import re
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func
from sqlalchemy.orm import InstrumentedAttribute

from protocols import market as wire
from protocols.envelope import Actor
from storage.models.market import Listing, VehicleAttributes
from storage.models.places import EARTH_RADIUS_KM

from . import queries
from .dealers import ads_of
from .deps import MarketDeps
from .handlers import handlers

log = logging.getLogger(__name__)

SORTS: dict[wire.AdSort, tuple[ColumnElement[Any], ...]] = {
    wire.AdSort.CREATED_DESC: (Listing.created_at.desc(), Listing.id.desc()),
    wire.AdSort.CREATED_ASC: (Listing.created_at.asc(), Listing.id.asc()),
    wire.AdSort.PRICE_ASC: (Listing.price.asc(), Listing.id.asc()),
    wire.AdSort.PRICE_DESC: (Listing.price.desc(), Listing.id.desc()),
    # An ad that does not give its mileage or year comes last either way, on both databases.
    wire.AdSort.MILEAGE_ASC: (VehicleAttributes.mileage.asc().nulls_last(), Listing.id.asc()),
    wire.AdSort.MILEAGE_DESC: (VehicleAttributes.mileage.desc().nulls_last(), Listing.id.desc()),
    wire.AdSort.YEAR_ASC: (VehicleAttributes.year.asc().nulls_last(), Listing.id.asc()),
    wire.AdSort.YEAR_DESC: (VehicleAttributes.year.desc().nulls_last(), Listing.id.desc()),
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


def filters(cmd: wire.ListAds, dialect: str) -> list[ColumnElement[bool]]:
    # The kind too: the listings table holds every vertical's, and the indexes the orders are read
    # off begin with the status and the kind.
    where: list[ColumnElement[bool]] = [
        Listing.status == wire.AdStatus.ACTIVE.value,
        Listing.kind == wire.ListingKind.VEHICLE.value,
    ]
    for field, column in PLACES.items():
        if (value := getattr(cmd, field)) is not None:
            where.append(column == value)
    for field, column in ID_LISTS.items():
        if ids := getattr(cmd, field):
            where.append(column.in_(ids))
    for field, column in RANGES.items():
        low, high = getattr(cmd, f"{field}_from"), getattr(cmd, f"{field}_to")
        if low is not None:
            where.append(column >= low)
        if high is not None:
            where.append(column <= high)
    if cmd.condition is not None:
        where.append(VehicleAttributes.condition == cmd.condition.value)
    if cmd.has_images:
        where.append(Listing.images_count > 0)
    if cmd.has_vin:
        where.append(VehicleAttributes.vin.is_not(None))
    if cmd.from_dealers:
        where.append(VehicleAttributes.is_dealer.is_(True))
    if found := words(cmd.q):
        where.append(queries.text_match(dialect, found))
    if cmd.near is not None:
        where.append(and_(*within(cmd.near)))
    return where


def total_key(cmd: wire.ListAds) -> str:
    """What a search's total depends on: its filters, not its order or page."""
    return cmd.model_copy(
        update={"sort_by": wire.AdSort.CREATED_DESC, "offset": 0, "limit": 1}
    ).model_dump_json()


@handlers.on(wire.ListAds)
async def list_ads(cmd: wire.ListAds, _actor: Actor, deps: MarketDeps) -> wire.AdPage:
    async with deps.read_db() as db:
        where = filters(cmd, db.get_bind().dialect.name)
        rows = await queries.vehicle_page(db, where, SORTS[cmd.sort_by], cmd.offset, cmd.limit)
        most = deps.settings.market.exact_total_max
        total = await deps.totals.total(
            total_key(cmd), lambda: queries.count_vehicles(db, where, exact_up_to=most)
        )
        return wire.AdPage(items=await ads_of(deps, db, rows), total=total)


async def listings_changed(deps: MarketDeps) -> None:
    """After a committed write that may change what a search finds: this worker forgets its kept
    totals at once, the others when they hear of it (a lost event: within the totals' TTL)."""
    deps.totals.forget()
    try:
        await deps.bus.publish(wire.ListingsChanged())
    except Exception as exc:  # noqa: BLE001 - NATS away: the write stands; the others' totals expire
        log.warning("could not announce a listings change: %r", exc)
