"""A place an admin saved, set in a worker's snapshot of the places (`patched`): only the lists it is in
are built again (with their versions), not the 7,000 cities and their names, which take a busy
machine longer than a request's timeout to read. Setting a place twice leaves what setting it once
does, so a worker may hear of its own write again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from protocols import catalog as wire

from .cache import listed
from .geography import Places, major, name_key


def largest_first(city: wire.City) -> tuple[int, int]:
    return -city.population, city.id


def patched(places: Places, saved: wire.PlaceSaved) -> Places:
    if saved.country is not None:
        places = with_country(places, saved.country)
    if saved.region is not None:
        places = with_region(places, saved.region)
    if saved.city is not None:
        places = with_city(places, saved.city)
    return places


def with_country(places: Places, country: wire.Country) -> Places:
    countries = sorted(
        [c for c in places.countries.items if c.id != country.id] + [country], key=lambda c: (c.name, c.id)
    )
    return replace(
        places,
        countries=listed(wire.CountryList, countries),
        major_cities=major(countries, places.cities_by_country),  # a market's ISO code may be new
    )


def with_region(places: Places, region: wire.Region) -> Places:
    before = [r for r in places.regions.items if r.id == region.id]
    regions = sorted(
        [r for r in places.regions.items if r.id != region.id] + [region],
        key=lambda r: (r.country_id, r.name, r.id),
    )
    by_country = dict(places.regions_by_country)
    for country_id in {region.country_id, *(r.country_id for r in before)}:
        by_country[country_id] = listed(wire.RegionList, [r for r in regions if r.country_id == country_id])
    return replace(places, regions=listed(wire.RegionList, regions), regions_by_country=by_country)


def regrouped(
    groups: dict[int, wire.CityList],
    city: wire.City,
    before: wire.City | None,
    key: Callable[[wire.City], int | None],
) -> dict[int, wire.CityList]:
    """The lists `city` was in (as `before`) and is in now, by `key`, built again."""
    changed = dict(groups)
    for group in {key(city), None if before is None else key(before)} - {None}:
        assert group is not None
        members = [c for c in groups[group].items if c.id != city.id] if group in groups else []
        if group == key(city):
            members = sorted([*members, city], key=largest_first)
        changed[group] = listed(wire.CityList, members)
    return changed


def renamed(
    by_name: dict[str, list[wire.City]], city: wire.City, before: wire.City | None, others: frozenset[str]
) -> dict[str, list[wire.City]]:
    """The city under each name it goes by now, and under no name only its former one was."""
    index = dict(by_name)
    gone: Sequence[str] = () if before is None else [name_key(before.name)]
    for key in {*gone, name_key(city.name), *others}:
        kept = [c for c in index.get(key, []) if c.id != city.id]
        if key == name_key(city.name) or key in others:
            kept = sorted([*kept, city], key=largest_first)
        if kept:
            index[key] = kept
        else:
            index.pop(key, None)
    return index


def with_city(places: Places, city: wire.City) -> Places:
    before = places.by_id.get(city.id)
    by_country = regrouped(places.cities_by_country, city, before, lambda c: c.country_id)
    by_latitude = sorted(
        [c for c in places.by_latitude if c.id != city.id] + [city], key=lambda c: (c.latitude, c.id)
    )
    return replace(
        places,
        cities_by_region=regrouped(places.cities_by_region, city, before, lambda c: c.region_id),
        cities_by_country=by_country,
        major_cities=major(places.countries.items, by_country),
        by_id={**places.by_id, city.id: city},
        by_latitude=by_latitude,
        latitudes=[c.latitude for c in by_latitude],
        by_name=renamed(places.by_name, city, before, places.other_names.get(city.id, frozenset())),
    )
