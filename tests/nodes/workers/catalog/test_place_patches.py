"""A saved place set in a catalog worker's snapshot of the places (place_patches) leaves it as building
it afresh from the places as saved would: a country renamed (a market's major cities with it), a region
added, a city that goes by other names renamed, made larger and moved to another region, a new city."""

from __future__ import annotations

from typing import Any

from nodes.workers.catalog.geography import Places, build_places, name_key
from nodes.workers.catalog.place_patches import patched
from protocols import catalog as wire

COUNTRIES = [
    wire.Country(
        id=1, iso2="KZ", iso3="KAZ", name="Kazakhstan", name_ru=None, phone_code=None, currency=None
    ),
    wire.Country(id=2, iso2="RU", iso3="RUS", name="Russia", name_ru=None, phone_code=None, currency=None),
]
REGIONS = [
    wire.Region(id=10, country_id=1, code=None, name="Almaty Region", name_native=None),
    wire.Region(id=11, country_id=1, code=None, name="Karaganda Region", name_native=None),
    wire.Region(id=20, country_id=2, code=None, name="Moscow", name_native=None),
]


def city(city_id: int, region_id: int | None, name: str, population: int, country_id: int = 1) -> wire.City:
    return wire.City(id=city_id, country_id=country_id, region_id=region_id, name=name,
                     latitude=40 + city_id / 1000, longitude=70.0, population=population)  # fmt: skip


CITIES = [
    city(100, 10, "Almaty", 2_000_000), city(101, 10, "Talgar", 50_000), city(102, 11, "Karaganda", 500_000),
    city(103, None, "Nowhere", 10), city(200, 20, "Moscow", 12_000_000, country_id=2),
]  # fmt: skip
OTHER_NAMES = {
    100: frozenset({name_key("Алматы"), name_key("Alma-Ata")}),
    102: frozenset({name_key("Караганда")}),
}


def lists_of(places: Places) -> dict[str, Any]:
    """Every list the snapshot answers (by version; a parent left with none answers none) and index."""

    def versions(groups: dict[int, Any]) -> dict[int, str]:
        return {key: listed.version for key, listed in groups.items() if listed.items}

    return {
        "countries": places.countries.version, "regions": places.regions.version,
        "regions_by_country": versions(places.regions_by_country),
        "cities_by_region": versions(places.cities_by_region),
        "cities_by_country": versions(places.cities_by_country), "major": places.major_cities.items,
        "by_id": places.by_id, "by_latitude": places.by_latitude, "latitudes": places.latitudes,
        "by_name": {key: [c.id for c in cities] for key, cities in places.by_name.items()},
    }  # fmt: skip


def test_a_saved_place_set_in_the_snapshot_is_the_snapshot_built_afresh() -> None:
    places = build_places(COUNTRIES, REGIONS, CITIES, OTHER_NAMES)
    renamed = COUNTRIES[0].model_copy(update={"name": "Qazaqstan", "iso2": "KZ"})
    region = wire.Region(id=12, country_id=1, code="KZ-TST", name="A new region", name_native=None)
    moved = CITIES[0].model_copy(update={"name": "Almaty City", "region_id": 11, "population": 2_500_000})
    new = city(104, 12, "Testograd", 300_000)
    saves = [wire.PlaceSaved(country=renamed), wire.PlaceSaved(region=region), wire.PlaceSaved(city=moved),
             wire.PlaceSaved(city=new)]  # fmt: skip
    for saved in saves:
        places = patched(places, saved)
    afresh = build_places([renamed, COUNTRIES[1]], [*REGIONS, region], [moved, *CITIES[1:], new], OTHER_NAMES)
    assert lists_of(places) == lists_of(afresh)
    assert places.city_named("Алматы") == places.city_named("almaty city") == moved
    assert places.city_named("Almaty") is None  # its former name only
    assert [c.id for c in places.cities_by_region[11].items] == [100, 102]  # largest first
    assert places.cities_by_region[10].items == [CITIES[1]]
    assert [c.id for c in places.major_cities.items] == [200, 100, 102, 104]
    for saved in saves:  # a worker hears its own saves again: nothing changes
        places = patched(places, saved)
    assert lists_of(places) == lists_of(afresh)
