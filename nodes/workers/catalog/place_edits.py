"""Admins add places and correct them (`SaveCountry`, `SaveRegion`, `SaveCity`), and browse them a page
at a time (`FindCountries`, `FindRegions`, `FindCities`). Every write is set in each catalog worker's
snapshot of the places (`announced`, place_patches), so the public lists, the nearby search and the
city lookups by name show it at once."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from protocols import catalog as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Message
from storage.models.places import City, Country, Region

from . import edit_queries
from .deps import CatalogDeps
from .geography import city_view, country_view, region_view
from .handlers import handlers
from .place_patches import patched
from .staff import invalid, require_admin, saved

ISO_TAKEN = "A country with this ISO code already exists"
P = TypeVar("P", Country, Region, City)
M = TypeVar("M", bound=Message)


async def announced(deps: CatalogDeps, saved_place: wire.PlaceSaved) -> None:
    """After a write: the place set in this worker's snapshot at once, in the other replicas' on the
    event (this one hears it too: setting it again changes nothing)."""
    deps.places.patch(partial(patched, saved=saved_place))
    if deps.bus is not None:
        await deps.bus.publish(saved_place)


async def require_country(db: AsyncSession, country_id: int) -> None:
    if not await edit_queries.found(db, Country, country_id):
        raise invalid("country_id", "no such country")


@handlers.on(wire.SaveCountry)
async def save_country(cmd: wire.SaveCountry, actor: Actor, deps: CatalogDeps) -> wire.Country:
    require_admin(actor)

    async def save(db: AsyncSession) -> wire.Country | None:
        if await edit_queries.taken(db, Country, [Country.iso2 == cmd.iso2], but=cmd.country_id):
            raise DomainError(ErrorCode.CONFLICT, ISO_TAKEN)
        row = await edit_queries.save(db, Country, cmd.country_id, cmd.model_dump(exclude={"country_id"}))
        return None if row is None else country_view(row)

    return await saved(
        deps,
        save,
        then=lambda c: announced(deps, wire.PlaceSaved(country=c)),
        missing="Country not found",
        conflict=ISO_TAKEN,
    )


@handlers.on(wire.SaveRegion)
async def save_region(cmd: wire.SaveRegion, actor: Actor, deps: CatalogDeps) -> wire.Region:
    require_admin(actor)

    async def save(db: AsyncSession) -> wire.Region | None:
        await require_country(db, cmd.country_id)
        row = await edit_queries.save(db, Region, cmd.region_id, cmd.model_dump(exclude={"region_id"}))
        return None if row is None else region_view(row)

    return await saved(
        deps, save, then=lambda r: announced(deps, wire.PlaceSaved(region=r)), missing="Region not found"
    )


@handlers.on(wire.SaveCity)
async def save_city(cmd: wire.SaveCity, actor: Actor, deps: CatalogDeps) -> wire.City:
    require_admin(actor)

    async def save(db: AsyncSession) -> wire.City | None:
        await require_country(db, cmd.country_id)
        if cmd.region_id is not None:
            region = await db.get(Region, cmd.region_id)
            if region is None or region.country_id != cmd.country_id:
                raise invalid("region_id", "no such region in the country")
        row = await edit_queries.save(db, City, cmd.city_id, cmd.model_dump(exclude={"city_id"}))
        return None if row is None else city_view(row)

    return await saved(
        deps, save, then=lambda c: announced(deps, wire.PlaceSaved(city=c)), missing="City not found"
    )


async def found_page(
    deps: CatalogDeps, query: Select[P], cmd: wire.PageAsked, view: Callable[[P], M]
) -> tuple[list[M], int]:
    async with deps.read_db() as db:
        rows, total = await edit_queries.paged(db, query, cmd.offset, cmd.limit)
    return [view(row) for row in rows], total


@handlers.on(wire.FindCountries)
async def find_countries(cmd: wire.FindCountries, _actor: Actor, deps: CatalogDeps) -> wire.CountryPage:
    items, total = await found_page(deps, edit_queries.countries(cmd.q), cmd, country_view)
    return wire.CountryPage(items=items, total=total)


@handlers.on(wire.FindRegions)
async def find_regions(cmd: wire.FindRegions, _actor: Actor, deps: CatalogDeps) -> wire.RegionPage:
    items, total = await found_page(deps, edit_queries.regions(cmd.country_id, cmd.q), cmd, region_view)
    return wire.RegionPage(items=items, total=total)


@handlers.on(wire.FindCities)
async def find_cities(cmd: wire.FindCities, _actor: Actor, deps: CatalogDeps) -> wire.CityPage:
    items, total = await found_page(deps, edit_queries.cities(cmd.region_id, cmd.q), cmd, city_view)
    return wire.CityPage(items=items, total=total)
