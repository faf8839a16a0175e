"""Realty's matching of one newly published property against the open buyers' requests, on PostgreSQL:
the realty worker's one query (nodes/workers/realty/queries.py `requests_matching`) and the whole write
of a property's matches (`match_property`: the stale ones deleted, the new ones inserted from the same
query), timed over --properties random properties. Prints, never asserts.

The requests (--requests, 100,000 by default, all open) are generated from a seed: 40 cities (by a
Zipf law, as buyers crowd into the big ones), sale four times as often as rent, apartments mostly,
and each optional criterion given by about half the buyers (district, subtype, condition, rooms, area,
budget in roubles, dollars or euros, year). Properties are drawn from the same distribution.

    SOUK_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/realty_matching.py
        [--url postgresql://...] [--requests 100000] [--properties 200] [--seed 1]

Without --url a scratch database is made beside SOUK_TEST_POSTGRES_URL's, migrated, and dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import insert, select, text

from nodes.runtime.settings import RealtySettings
from nodes.workers.realty.queries import match_property, requests_matching
from protocols.market_realty import (
    DealFormat,
    PropertyCondition,
    PropertyPublished,
    PropertySubtype,
    PropertyType,
    RealtyCurrency,
)
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.models.catalog import Category
from storage.models.identity import User
from storage.models.market import Listing
from storage.models.realty import BuyerRequest
from storage.testing import create_scratch_database, drop_scratch_database

CITIES = [524901 + n for n in range(40)]  # ids only: matching compares them, never reads the catalog
DISTRICTS = [f"district {n}" for n in range(12)]
TYPES = [(PropertyType.APARTMENT, 70), (PropertyType.HOUSE, 15), (PropertyType.TOWNHOUSE, 5),
         (PropertyType.ROOM, 4), (PropertyType.LAND, 3), (PropertyType.COMMERCIAL, 3)]  # fmt: skip
SUBTYPES = [
    PropertySubtype.FLAT,
    PropertySubtype.STUDIO,
    PropertySubtype.APARTMENTS,
    PropertySubtype.PENTHOUSE,
]
CURRENCIES = [(RealtyCurrency.RUB, 80), (RealtyCurrency.USD, 12), (RealtyCurrency.EUR, 8)]
BUYERS = 2000
CHUNK = 5000


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


def _city(rng: random.Random) -> int:
    return rng.choices(CITIES, [1 / (rank + 1) for rank in range(len(CITIES))])[0]


def _maybe(rng: random.Random, value: Any) -> Any:
    return value if rng.random() < 0.5 else None


def a_request(rng: random.Random, owner_id: int, now: datetime, rates: dict[str, float]) -> dict[str, Any]:
    currency = _pick(rng, CURRENCIES)
    budget = rng.lognormvariate(16.3, 0.6) / rates[currency.value]  # around 12 million roubles
    rooms = rng.randint(0, 4)
    area = rng.uniform(25, 120)
    district = _maybe(rng, rng.choice(DISTRICTS))
    return {
        "owner_id": owner_id, "status": "open", "city": "city", "city_id": _city(rng), "district": district,
        "district_key": district, "deal_format": (DealFormat.SALE if rng.random() < 0.8 else DealFormat.RENT).value,
        "type": _pick(rng, TYPES).value, "subtype": _maybe(rng, rng.choice(SUBTYPES).value),
        "condition": _maybe(rng, rng.choice(list(PropertyCondition)).value),
        "construction_year": rng.choice([None, None, None, rng.randint(2015, 2028)]), "construction_quarter": None,
        "rooms_min": _maybe(rng, rooms), "rooms_max": _maybe(rng, rooms + rng.randint(0, 2)),
        "total_area_min": _maybe(rng, area), "total_area_max": _maybe(rng, area * 1.5),
        "budget_min": _maybe(rng, budget * 0.7), "budget_max": _maybe(rng, budget * 1.2),
        "currency": currency.value, "created_at": now, "updated_at": now,
    }  # fmt: skip


def a_property(
    rng: random.Random, property_id: int, owner_id: int, rates: dict[str, float]
) -> PropertyPublished:
    currency = _pick(rng, CURRENCIES)
    subtype = rng.choice(SUBTYPES)
    return PropertyPublished(
        property_id=property_id, owner_id=owner_id, first=True, title="bench", city_id=_city(rng),
        district=rng.choice(DISTRICTS), deal_format=DealFormat.SALE if rng.random() < 0.8 else DealFormat.RENT,
        type=_pick(rng, TYPES), subtype=subtype, condition=rng.choice(list(PropertyCondition)),
        rooms=0 if subtype is PropertySubtype.STUDIO else rng.randint(1, 4), total_area=rng.uniform(25, 150),
        price=rng.lognormvariate(16.3, 0.6) / rates[currency.value], currency=currency,
        entry_year=rng.randint(2015, 2028), entry_quarter=rng.randint(1, 4), published_at=datetime.now(UTC),
        updated_at=datetime.now(UTC),
    )  # fmt: skip


async def load(url: str, count: int, seed: int, rates: dict[str, float]) -> tuple[int, int]:
    """Users, one listing for the matches to name, `count` open requests; the listing's id and owner."""
    engine = create_engine(url)
    rng = random.Random(seed)
    now = datetime.now(UTC)
    async with session_factory(engine)() as db:
        users = [{"phone": f"+7900{n:07d}", "first_name": "B", "role": "user"} for n in range(BUYERS + 1)]
        await db.execute(insert(User), users)
        ids = list(await db.scalars(select(User.id).order_by(User.id)))
        seller, buyers = ids[0], ids[1:]
        category = await db.scalar(select(Category.id).limit(1))
        listing = Listing(owner_id=seller, kind="property", category_id=category, title="bench", price=1,
                          currency="RUB", status="active", created_at=now, updated_at=now)  # fmt: skip
        db.add(listing)
        await db.flush()
        listing_id = listing.id
        for start in range(0, count, CHUNK):
            rows = [a_request(rng, rng.choice(buyers), now, rates) for _ in range(min(CHUNK, count - start))]
            await db.execute(insert(BuyerRequest), rows)
        await db.commit()
    async with engine.connect() as conn:
        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("VACUUM ANALYZE"))
    await engine.dispose()
    return listing_id, seller


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms, max {ordered[-1] * 1000:.2f} ms"


async def measure(
    url: str, listing_id: int, owner_id: int, properties: int, seed: int, rates: dict[str, float]
) -> None:
    engine = create_engine(url)
    rng = random.Random(seed + 1)
    selects: list[float] = []
    writes: list[float] = []
    matched: list[int] = []
    async with session_factory(engine)() as db:
        open_requests = await db.scalar(
            select(text("count(*)")).select_from(BuyerRequest).where(BuyerRequest.status == "open")
        )
        first = a_property(rng, listing_id, owner_id, rates)
        plan = await db.execute(text("EXPLAIN " + str(requests_matching(first, rates, first.district).compile(
            engine.sync_engine, compile_kwargs={"literal_binds": True}))))  # fmt: skip
        for _ in range(properties):
            event = a_property(rng, listing_id, owner_id, rates)
            query = requests_matching(event, rates, event.district)
            started = time.perf_counter()
            found = (await db.execute(query)).all()
            selects.append(time.perf_counter() - started)
            matched.append(len(found))
            started = time.perf_counter()
            await match_property(db, event, query, datetime.now(UTC))
            writes.append(time.perf_counter() - started)
            await db.rollback()  # each property against the same requests, none of them matched yet
    await engine.dispose()
    print(f"open requests: {open_requests:,}; properties published: {properties}")
    print(f"matches per property: mean {statistics.mean(matched):.1f}, max {max(matched)}")
    print(f"the matching query (rows fetched):       {_ms(selects)}")
    print(f"match_property (delete stale + insert):  {_ms(writes)}")
    print("plan of the matching query:")
    for (line,) in plan:
        print(f"  {line}")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="a migrated PostgreSQL database to fill (else a scratch one)")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--properties", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    admin = os.environ.get("SOUK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    url = args.url or await create_scratch_database(admin)
    rates = RealtySettings().rub_per_unit()
    try:
        if not args.url:
            await upgrade(url)
        started = time.perf_counter()
        listing_id, seller = await load(url, args.requests, args.seed, rates)
        print(f"loaded {args.requests:,} requests in {time.perf_counter() - started:.1f} s")
        await measure(url, listing_id, seller, args.properties, args.seed, rates)
    finally:
        if not args.url:
            await drop_scratch_database(admin, url)


if __name__ == "__main__":
    asyncio.run(main())
