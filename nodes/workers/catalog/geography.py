"""The places as one snapshot in memory: the lists for countries, regions and cities built once, grouped
by parent in advance, and the cities by latitude for radius searches. The rows come from a migration;
an admin's change is set in the snapshot (place_patches), which is otherwise kept for the worker's
life."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from protocols import catalog as wire
from storage.models import places as tables
from storage.models.places import EARTH_RADIUS_KM, distance_km

from . import queries
from .cache import grouped, listed

NEARBY_MAX = 100  # cities a radius search answers, the nearest
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180  # along a meridian
# Major cities: the platform's markets in order, each with the population a city needs to be listed.
MAJOR_CITIES = (("RU", 500_000), ("KZ", 250_000))


@dataclass(frozen=True)
class Places:
    countries: wire.CountryList
    regions: wire.RegionList
    regions_by_country: dict[int, wire.RegionList]
    cities_by_region: dict[int, wire.CityList]
    cities_by_country: dict[int, wire.CityList]
    major_cities: wire.CityList
    by_id: dict[int, wire.City]
    by_latitude: list[wire.City]
    latitudes: list[float]  # by_latitude's, for bisecting
    by_name: dict[str, list[wire.City]]  # by `name_key` of every name a city goes by, largest first
    other_names: dict[int, frozenset[str]]  # a city's names other than its own, as `name_key`s

    def nearby(self, latitude: float, longitude: float, radius_km: float) -> list[wire.NearbyCity]:
        """The cities within the radius, nearest first (at most NEARBY_MAX)."""
        span = radius_km / KM_PER_DEGREE  # no point further in latitude can be within the radius
        low = bisect.bisect_left(self.latitudes, latitude - span)
        high = bisect.bisect_right(self.latitudes, latitude + span)
        found = []
        for city in self.by_latitude[low:high]:
            distance = distance_km(latitude, longitude, city.latitude, city.longitude)
            if distance <= radius_km:
                found.append((distance, city))
        found.sort(key=lambda pair: (pair[0], pair[1].id))
        return [
            wire.NearbyCity(**city.model_dump(), distance_km=round(distance, 1))
            for distance, city in found[:NEARBY_MAX]
        ]

    def city_named(self, given: str, country_id: int | None = None) -> wire.City | None:
        """A city by its id, or by any name it goes by (English, or another from GeoNames: Алматы,
        Alma-Ata): of several of that name the largest, in `country_id` if one of them is there."""
        given = given.strip()
        if given.isdigit():
            return self.by_id.get(int(given))
        named = self.by_name.get(name_key(given), [])
        local = [city for city in named if city.country_id == country_id]
        found = local or named
        return found[0] if found else None


def name_key(name: str) -> str:
    """A place name as it is looked up: case, ё, hyphens, apostrophes and spacing do not matter."""
    folded = name.casefold().replace("ё", "е").replace("-", " ").replace("’", "").replace("'", "")
    return " ".join(folded.split())


def other_name_keys(other_names: Sequence[tuple[int, str]]) -> dict[int, frozenset[str]]:
    keys: dict[int, set[str]] = {}
    for city_id, name in other_names:
        keys.setdefault(city_id, set()).add(name_key(name))
    return {city_id: frozenset(names) for city_id, names in keys.items()}


def _by_name(cities: list[wire.City], other_names: dict[int, frozenset[str]]) -> dict[str, list[wire.City]]:
    """Cities are given largest first, so each name's list stays that way."""
    index: dict[str, list[wire.City]] = {}
    for city in cities:
        for key in {name_key(city.name)} | other_names.get(city.id, frozenset()):
            index.setdefault(key, []).append(city)
    return index


def country_view(row: Row[Any] | tables.Country) -> wire.Country:
    return wire.Country(
        id=row.id, iso2=row.iso2, iso3=row.iso3, name=row.name, name_ru=row.name_ru,
        phone_code=row.phone_code, currency=row.currency,
    )  # fmt: skip


def region_view(row: Row[Any] | tables.Region) -> wire.Region:
    return wire.Region(
        id=row.id, country_id=row.country_id, code=row.code, name=row.name, name_native=row.name_native
    )


def city_view(row: Row[Any] | tables.City) -> wire.City:
    return wire.City(
        id=row.id, country_id=row.country_id, region_id=row.region_id, name=row.name,
        latitude=row.latitude, longitude=row.longitude, population=row.population,
    )  # fmt: skip


def major(countries: Sequence[wire.Country], by_country: dict[int, wire.CityList]) -> wire.CityList:
    """Each market's cities of at least its population, largest first, the markets in their order."""
    ids = {country.iso2: country.id for country in countries}
    return listed(
        wire.CityList,
        [
            city
            for iso2, least in MAJOR_CITIES
            if iso2 in ids and ids[iso2] in by_country
            for city in by_country[ids[iso2]].items
            if city.population >= least
        ],
    )


async def load_places(sessions: async_sessionmaker[AsyncSession]) -> Places:
    async with sessions() as db:
        countries = [country_view(row) for row in await queries.countries(db)]
        regions = [region_view(row) for row in await queries.regions(db)]
        cities = [city_view(row) for row in await queries.cities(db)]
        other_names = other_name_keys(await queries.city_names(db))
    return build_places(countries, regions, cities, other_names)


def build_places(
    countries: list[wire.Country],
    regions: list[wire.Region],
    cities: list[wire.City],
    other_names: dict[int, frozenset[str]],
) -> Places:
    # Sorted here, not in SQL: the databases' collations would order names differently.
    countries = sorted(countries, key=lambda c: (c.name, c.id))
    regions = sorted(regions, key=lambda r: (r.country_id, r.name, r.id))
    cities = sorted(cities, key=lambda c: (-c.population, c.id))
    by_latitude = sorted(cities, key=lambda c: (c.latitude, c.id))
    by_country = grouped(wire.CityList, cities, lambda c: (c.country_id,))
    return Places(
        countries=listed(wire.CountryList, countries),
        regions=listed(wire.RegionList, regions),
        regions_by_country=grouped(wire.RegionList, regions, lambda r: (r.country_id,)),
        cities_by_region=grouped(
            wire.CityList, cities, lambda c: () if c.region_id is None else (c.region_id,)
        ),
        cities_by_country=by_country,
        major_cities=major(countries, by_country),
        by_id={city.id: city for city in cities},
        by_latitude=by_latitude,
        latitudes=[city.latitude for city in by_latitude],
        by_name=_by_name(cities, other_names),
        other_names=other_names,
    )
