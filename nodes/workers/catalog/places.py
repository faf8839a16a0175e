"""Places: countries, regions of a country, cities of a region or a country, major cities, cities near a
point, and the client's city by its address. An unknown parent has nothing under it (an empty list)."""

from __future__ import annotations

from protocols import catalog as wire
from protocols.envelope import Actor, DomainError, ErrorCode

from .addresses import city_in_address
from .cache import listed
from .deps import CatalogDeps
from .geography import Places
from .geoip import public_address
from .handlers import handlers

NO_REGIONS = listed(wire.RegionList, [])
NO_CITIES = listed(wire.CityList, [])
LOCATED_WITHIN_KM = 50.0  # a database's coordinates without a city: the nearest of ours this close


@handlers.on(wire.ListCountries)
async def list_countries(_cmd: wire.ListCountries, _actor: Actor, deps: CatalogDeps) -> wire.CountryList:
    return (await deps.places.get()).countries


@handlers.on(wire.ListRegions)
async def list_regions(cmd: wire.ListRegions, _actor: Actor, deps: CatalogDeps) -> wire.RegionList:
    places = await deps.places.get()
    if cmd.country_id is None:
        return places.regions
    return places.regions_by_country.get(cmd.country_id, NO_REGIONS)


@handlers.on(wire.ListCities)
async def list_cities(cmd: wire.ListCities, _actor: Actor, deps: CatalogDeps) -> wire.CityList:
    places = await deps.places.get()
    if cmd.region_id is not None:
        cities = places.cities_by_region.get(cmd.region_id, NO_CITIES)
        if cmd.country_id is not None and cities.items and cities.items[0].country_id != cmd.country_id:
            return NO_CITIES
        return cities
    if cmd.country_id is not None:
        return places.cities_by_country.get(cmd.country_id, NO_CITIES)
    return places.major_cities  # never every city: they would outgrow one message


@handlers.on(wire.GetCity)
async def get_city(cmd: wire.GetCity, _actor: Actor, deps: CatalogDeps) -> wire.City:
    city = (await deps.places.get()).by_id.get(cmd.city_id)
    if city is None:
        raise DomainError(ErrorCode.NOT_FOUND, "City not found")
    return city


@handlers.on(wire.ListMajorCities)
async def list_major_cities(_cmd: wire.ListMajorCities, _actor: Actor, deps: CatalogDeps) -> wire.CityList:
    return (await deps.places.get()).major_cities


@handlers.on(wire.FindNearbyCities)
async def nearby_cities(cmd: wire.FindNearbyCities, _actor: Actor, deps: CatalogDeps) -> wire.NearbyCities:
    places = await deps.places.get()
    return wire.NearbyCities(items=places.nearby(cmd.latitude, cmd.longitude, cmd.radius_km))


def located_city(places: Places, deps: CatalogDeps, ip: str | None) -> wire.City | None:
    address = public_address(ip)
    located = deps.geoip.locate(address) if address is not None else None
    if located is None:
        return None
    if located.geoname_id is not None and located.geoname_id in places.by_id:
        return places.by_id[located.geoname_id]
    if located.latitude is None or located.longitude is None:
        return None
    nearest = places.nearby(located.latitude, located.longitude, LOCATED_WITHIN_KM)
    return places.by_id[nearest[0].id] if nearest else None


@handlers.on(wire.DetectLocation)
async def detect_location(
    cmd: wire.DetectLocation, _actor: Actor, deps: CatalogDeps
) -> wire.DetectedLocation:
    places = await deps.places.get()
    city = located_city(places, deps, cmd.ip)
    if city is not None:
        return wire.DetectedLocation(city=city, detected=True)
    default = deps.settings.catalog.default_city
    return wire.DetectedLocation(city=places.city_named(default) if default else None, detected=False)


@handlers.on(wire.FindCity)
async def find_city(cmd: wire.FindCity, _actor: Actor, deps: CatalogDeps) -> wire.FoundCity:
    places = await deps.places.get()
    country = next((c.id for c in places.countries.items if c.iso2 == cmd.country_iso2), None)
    return wire.FoundCity(city=places.city_named(cmd.name, country))


@handlers.on(wire.FindCityInAddress)
async def find_city_in_address(
    cmd: wire.FindCityInAddress, _actor: Actor, deps: CatalogDeps
) -> wire.CityInAddress:
    return city_in_address(await deps.places.get(), cmd.address)
