"""Realty's property search (`GET /properties/search`, `SearchProperties`) as SQL on PostgreSQL: the
market worker's own query (nodes/workers/market/properties_search.py builds it, properties_queries.py
runs it, the page's files read too) over --properties generated active properties. Prints, never
asserts.

1. A scratch database beside --database-url's (dropped at the end unless --keep), migrated, loaded by
   COPY: realtors, and properties in the 50 largest Russian and Kazakh cities by population (districts
   where the curated list has them), sale or rent, every type, rooms, areas, prices log-normal in
   roubles or another currency; then VACUUM ANALYZE.
2. --requests searches of each kind, as a buyer's request asks (one city, and more), timed one after
   another on one session: p50 / p95 / max in ms, and how many each found in all. --explain prints one
   plan of each kind (EXPLAIN ANALYZE).

    .venv/bin/python bench/realty_search.py [--properties 100000] [--requests 200]
        [--database-url postgresql://postgres@127.0.0.1:5432/test] [--keep] [--explain]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import asyncpg
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nodes.runtime.settings import Settings
from nodes.workers.market import properties_queries as queries
from nodes.workers.market.deps import MarketDeps
from nodes.workers.market.properties_search import ORDERS, conditions
from protocols import market_realty as wire
from storage.engine import normalize_url, open_database
from storage.migrate import upgrade
from storage.models.market import Listing
from storage.models.market_realty import PropertyAttributes
from storage.reference import districts
from storage.testing import create_scratch_database, drop_scratch_database

DEFAULT_URL = os.environ.get("SOUK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
CITIES = 50
REALTORS = 2000
AS_OF = datetime(2026, 12, 1, tzinfo=UTC)
SUBTYPES = {wire.PropertyType.APARTMENT: [wire.PropertySubtype.FLAT, wire.PropertySubtype.STUDIO,
                                          wire.PropertySubtype.APARTMENTS, wire.PropertySubtype.PENTHOUSE],
            wire.PropertyType.HOUSE: [wire.PropertySubtype.COTTAGE, wire.PropertySubtype.VILLA],
            wire.PropertyType.TOWNHOUSE: [wire.PropertySubtype.TOWNHOUSE],
            wire.PropertyType.COMMERCIAL: [wire.PropertySubtype.OFFICE, wire.PropertySubtype.RETAIL]}  # fmt: skip
TYPES = [*SUBTYPES, wire.PropertyType.LAND, wire.PropertyType.ROOM]
TYPE_WEIGHTS = [70, 10, 5, 5, 5, 5]
CURRENCY_WEIGHTS = {"RUB": 80, "USD": 8, "EUR": 4, "KZT": 6, "AED": 2}


def asyncpg_dsn(url: str) -> str:
    return make_url(normalize_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


def district_names() -> dict[int, list[str]]:
    document = json.loads((REPO / "storage" / "reference" / "districts.json").read_text(encoding="utf-8"))
    return {int(city_id): list(city["districts"]) for city_id, city in document["cities"].items()}


async def load(url: str, count: int, seed: int) -> list[dict[str, Any]]:
    """Realtors and active properties; the cities they are in (largest first)."""
    rng = random.Random(seed)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        category = await conn.fetchval("SELECT id FROM catalog_categories WHERE slug = 'realty'")
        cities = [dict(r) for r in await conn.fetch(
            "SELECT c.id, c.region_id, c.country_id, c.latitude, c.longitude, c.population FROM catalog_cities c"
            " JOIN catalog_countries k ON k.id = c.country_id WHERE k.iso2 IN ('RU', 'KZ')"
            " ORDER BY c.population DESC LIMIT $1", CITIES)]  # fmt: skip
        users = [(i, str(uuid.uuid4()), "realtor", AS_OF, AS_OF) for i in range(1, REALTORS + 1)]
        await conn.copy_records_to_table(
            "users", records=users, columns=["id", "public_id", "role", "created_at", "updated_at"]
        )
        listed = district_names()
        weights = [city["population"] for city in cities]
        listings, attributes = [], []
        for listing_id in range(1, count + 1):
            city = rng.choices(cities, weights)[0]
            kind = rng.choices(TYPES, TYPE_WEIGHTS)[0]
            subtype = rng.choice(SUBTYPES[kind]) if kind in SUBTYPES else None
            rooms = rng.choice([1, 1, 2, 2, 2, 3, 3, 4, 5]) if kind is not wire.PropertyType.LAND else None
            area = round(rng.lognormvariate(4.0, 0.45), 1)
            currency = rng.choices(list(CURRENCY_WEIGHTS), list(CURRENCY_WEIGHTS.values()))[0]
            rub = rng.lognormvariate(16.1, 0.6)  # about 10 million roubles
            price = round(rub / Settings().realty.rub_per_unit()[currency], -2)
            district = rng.choice(listed[city["id"]]) if city["id"] in listed else None
            created = AS_OF - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
            listings.append((
                listing_id, rng.randint(1, REALTORS), "property", category, f"Объект {listing_id}", None,
                int(price), currency, "active", city["id"], city["region_id"], city["country_id"],
                city["latitude"], city["longitude"], created, created, created, 0, 0,
            ))  # fmt: skip
            attributes.append((
                listing_id, rng.choice(["sale", "sale", "sale", "rent"]), kind.value,
                subtype.value if subtype else None, rng.choice(["new", "resale"]),
                rng.randint(1960, 2028), rng.randint(1, 4), "Адрес", None, district,
                districts.match_key(city["id"], district) if district else None, "address",
                "address" if district else "unknown", price, rooms,
                0 if subtype is wire.PropertySubtype.STUDIO else rooms, area,
            ))  # fmt: skip
        await conn.copy_records_to_table("market_listings", records=listings, columns=[
            "id", "owner_id", "kind", "category_id", "title", "description", "price", "currency", "status",
            "city_id", "region_id", "country_id", "latitude", "longitude", "created_at", "updated_at",
            "published_at", "views_count", "images_count"])  # fmt: skip
        await conn.copy_records_to_table("market_property_attributes", records=attributes, columns=[
            "listing_id", "deal_format", "type", "subtype", "condition", "entry_year", "entry_quarter",
            "location", "city", "district", "district_key", "city_source", "district_source", "price",
            "rooms", "rooms_count", "total_area"])  # fmt: skip
        await conn.execute("SELECT setval('market_listings_id_seq', $1)", count)
        await conn.execute("VACUUM ANALYZE")
        return cities
    finally:
        await conn.close()


def kinds(cities: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    """Each kind of search: a function of the random source to one request's criteria."""
    listed = district_names()
    big = [city["id"] for city in cities[:10]]
    with_districts = [city["id"] for city in cities if city["id"] in listed]

    def request(city_id: int) -> dict[str, Any]:
        low = rng.choice([5, 8, 10, 15]) * 1_000_000
        return {"city_id": city_id, "deal_format": wire.DealFormat.SALE, "type": wire.PropertyType.APARTMENT,
                "rooms_min": (rooms := rng.randint(1, 3)), "rooms_max": rooms, "total_area_min": 40.0,
                "total_area_max": 90.0, "budget_min": float(low), "budget_max": low * 1.5}  # fmt: skip

    return {
        "city only": lambda: {"city_id": rng.choice(big)},
        "city, deal, type": lambda: {
            "city_id": rng.choice(big),
            "deal_format": wire.DealFormat.SALE,
            "type": wire.PropertyType.APARTMENT,
        },
        "a buyer's request": lambda: request(rng.choice(big)),
        "request in EUR": lambda: (
            request(rng.choice(big))
            | {"currency": wire.RealtyCurrency.EUR, "budget_min": 60_000.0, "budget_max": 150_000.0}
        ),
        "request + district": lambda: (
            request(rng.choice(with_districts)) | {"district": rng.choice(listed[rng.choice(with_districts)])}
        ),
        "studio, newest": lambda: {"city_id": rng.choice(big), "rooms_min": 0, "rooms_max": 0},
        "whole market by price": lambda: {
            "deal_format": wire.DealFormat.SALE,
            "sort": wire.PropertySort.PRICE_ASC,
        },
    }


async def run(args: argparse.Namespace) -> None:
    url = await create_scratch_database(args.database_url)
    try:
        started = time.monotonic()
        await upgrade(url)
        cities = await load(url, args.properties, args.seed)
        print(
            f"loaded {args.properties:,} properties in {len(cities)} cities in {time.monotonic() - started:.1f} s"
        )
        deps = cast(MarketDeps, SimpleNamespace(settings=Settings(), bus=None))
        database = open_database(url)
        rng = random.Random(args.seed)
        print(f"{'kind':<24}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'found (median)':>16}")
        async with database.read() as db:
            for name, make in kinds(cities, rng).items():
                took, found = [], []
                for i in range(args.requests + 5):
                    cmd = wire.SearchProperties(**make())
                    where = await conditions(deps, cmd)
                    begun = time.perf_counter()
                    pairs, total = await queries.page(db, where, ORDERS[cmd.sort], 0, cmd.limit)
                    await queries.files_of(db, [listing.id for listing, _ in pairs])
                    if i >= 5:  # after a warm-up
                        took.append((time.perf_counter() - begun) * 1000)
                        found.append(total)
                q = statistics.quantiles(took, n=100)
                print(
                    f"{name:<24}{q[49]:>9.2f}{q[94]:>9.2f}{max(took):>9.2f}{statistics.median(found):>16,.0f}"
                )
                if args.explain:
                    statement = (select(Listing.id).join(PropertyAttributes, PropertyAttributes.listing_id == Listing.id)
                                 .where(Listing.kind == "property", *where).order_by(*ORDERS[cmd.sort]).limit(20))  # fmt: skip
                    sql = statement.compile(
                        dialect=database.engines[0].dialect, compile_kwargs={"literal_binds": True}
                    )
                    plan = await db.execute(text(f"EXPLAIN ANALYZE {sql}"))
                    print("\n".join(row[0] for row in plan))
        for engine in database.engines:
            await engine.dispose()
    finally:
        if args.keep:
            print(f"kept: {url}")
        else:
            await drop_scratch_database(args.database_url, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--properties", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--explain", action="store_true")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
