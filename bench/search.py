"""The ad search (MillionAvto's `GET /api/v1/ads/`) on a generated market: through the full path and as
bare SQL, in one run, on the same database and the same requests.

1. A fresh migrated database (PostgreSQL: a scratch database beside --database-url's, dropped at the
   end unless --keep; --sqlite: a file) is loaded with --ads generated ads (bench/search_data.py:
   brands by popularity, log-normal prices, cities by population; seeded, so a seed is one data set):
   COPY on PostgreSQL, executemany batches on SQLite; then ANALYZE (PostgreSQL: VACUUM ANALYZE).
2. The bundled nats-server, `souk worker market` and `souk edge` start as separate processes.
3. A mix of searches, each kind in turn: the document's combined example as it is written, the same
   combination with a real brand, single filters (brand, price, year, city, region), text (`q`),
   radii of 50, 100 and 500 km around a big city, and each of the eight `sort_by`; alternately page 1
   and a deeper page (--deep-page). After a warm-up, --requests of them go through the full path
   (HTTP GET on the edge -> NATS -> market worker -> database) and the same ones as bare SQL: the
   `ListAds` the edge would send (built by the edge's own query model), found by the worker's own
   `search.find` (the same SQL, the page's media read too) on a plain SQLAlchemy async session, without
   the reply's shaping and the dealers' companies (the worker keeps a search's total a while, `--total-ttl`; the bare SQL counts every
   time: `--total-ttl 0` makes the two the same work). Both with
   --concurrency clients, in alternating rounds, so that the only difference is HTTP + edge + NATS +
   worker. The warm-up checks that both paths find the same totals.
4. Prints p50 / p95 / p99 per kind and overall for both, the ratio full / bare, the CPU each process
   spent per request on the full path, and whether the issue's target is met (p95 <= 50 ms through the
   full path, within 1.3x of the bare SQL). Figures are printed, never asserted. --explain adds each
   kind's plan (PostgreSQL: EXPLAIN ANALYZE; SQLite: EXPLAIN QUERY PLAN) for one of its requests.

    .venv/bin/python bench/search.py [--ads 1000000] [--requests 1000] [--concurrency 4]
        [--database-url postgresql://postgres@127.0.0.1:5432/test] [--keep] [--explain]
    .venv/bin/python bench/search.py --sqlite [--ads 100000]

--database-url names the PostgreSQL server's admin database; the ads go into a new one beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.processes import cpu_seconds, until_ready
from bench.search_data import (
    Generator,
    Loaded,
    Owners,
    Reference,
    load_postgres,
    load_sqlite,
    rate,
    reference,
)
from nodes.edge.surfaces.autos.ads import CIRCLE, AdsQuery, circle_of
from nodes.edge.surfaces.autos.shapes import offset_of
from nodes.runtime.embedded_nats import EmbeddedNats, free_port
from nodes.runtime.settings import MarketSettings
from nodes.workers.market import queries
from nodes.workers.market.search import find
from nodes.workers.market.totals import SearchTotals
from protocols.market import AdSort, ListAds
from storage.engine import Database, open_database
from storage.migrate import upgrade
from storage.models.catalog import Brand
from storage.testing import create_scratch_database, drop_scratch_database

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
P95_TARGET_MS, RATIO_TARGET = 50.0, 1.3
DOC_EXAMPLE = {"q": "BMW", "category_id": "1", "brand_ids": "5,10", "price_from": "500000",
               "price_to": "1500000", "year_from": "2020", "sort_by": "price_asc"}  # fmt: skip
RADII = (50, 100, 500)
PAGE_SIZE = 20
# Text searches: model names, their first letters (a prefix), brand + model, words of the descriptions.
TEXT_WORDS = ("пробег", "владелец", "торг", "Осмотр", "service", "дилера", "Камера")


@dataclass(frozen=True)
class Probe:
    kind: str
    params: dict[str, str]

    def command(self) -> ListAds:
        """The command the edge sends for this query string (the edge's own query model and helpers)."""
        query = AdsQuery.model_validate(self.params)
        filters_given = query.model_dump(exclude={"page", "size", *CIRCLE})
        return ListAds(**filters_given, near=circle_of(query), offset=offset_of(query), limit=query.size)


class Mix:
    """Each kind of search with parameters drawn from the loaded data's own distribution."""

    def __init__(self, ref: Reference, bmw_id: int, mercedes_id: int, rng: random.Random) -> None:
        self.ref, self.rng = ref, rng
        self.combined_brands = f"{bmw_id},{mercedes_id}"
        self.kinds: dict[str, Callable[[], dict[str, str]]] = {
            "doc example": lambda: dict(DOC_EXAMPLE),
            "combined": self.combined,
            "brand": lambda: {"brand_ids": str(self.ref.draw_brand(self.rng, "cars").id)},
            "price": self.price,
            "year": self.year,
            "city": lambda: {"city_id": str(self.ref.draw_city(self.rng).id)},
            "region": self.region,
            "text": self.text,
            **{f"radius {km} km": functools.partial(self.radius, km) for km in RADII},
            **{f"sort {s.value}": functools.partial(self.sort, s) for s in AdSort},
        }

    def combined(self) -> dict[str, str]:
        return {"q": "BMW", "category_id": "1", "brand_ids": self.combined_brands,
                "price_from": str(self.rng.choice((500_000, 1_000_000, 2_000_000))),
                "price_to": str(self.rng.choice((3_000_000, 5_000_000, 8_000_000))),
                "year_from": str(self.rng.randint(2012, 2020)), "sort_by": "price_asc"}  # fmt: skip

    def price(self) -> dict[str, str]:
        low = self.rng.choice((200_000, 500_000, 1_000_000, 1_500_000, 3_000_000))
        return {"price_from": str(low), "price_to": str(low * self.rng.choice((2, 3)))}

    def year(self) -> dict[str, str]:
        low = self.rng.randint(2005, 2022)
        return {"year_from": str(low), "year_to": str(low + self.rng.randint(0, 5))}

    def region(self) -> dict[str, str]:
        city = self.ref.draw_city(self.rng)
        while city.region_id is None:
            city = self.ref.draw_city(self.rng)
        return {"region_id": str(city.region_id)}

    def text(self) -> dict[str, str]:
        brand = self.ref.draw_brand(self.rng, "cars")
        model = brand.models[0] if self.rng.random() < 0.6 else self.rng.choice(brand.models)
        return {"q": self.rng.choice((model.name, model.name[:4], f"{brand.name} {model.name}",
                                      self.rng.choice(TEXT_WORDS)))}  # fmt: skip

    def radius(self, km: int) -> dict[str, str]:
        city = self.rng.choice(self.ref.cities[:5])  # the biggest: where most ads are
        return {"latitude": str(city.latitude), "longitude": str(city.longitude), "radius_km": str(km)}

    @staticmethod
    def sort(order: AdSort) -> dict[str, str]:
        return {"sort_by": order.value}

    def probes(self, count: int, deep_page: int) -> list[Probe]:
        """`count` searches, the kinds in turn, each kind alternately on page 1 and on `deep_page`."""
        names = list(self.kinds)
        found = []
        for n in range(count):
            kind = names[n % len(names)]
            page = 1 if (n // len(names)) % 2 == 0 else deep_page
            params = self.kinds[kind]() | {"page": str(page), "size": str(PAGE_SIZE)}
            found.append(Probe(kind, params))
        return found


@dataclass
class Timings:
    full: dict[str, list[float]] = field(default_factory=dict)
    bare: dict[str, list[float]] = field(default_factory=dict)
    found: dict[str, list[int]] = field(default_factory=dict)  # each search's total


Call = Callable[[Probe], Awaitable[int]]  # runs one search, returns its total


async def drive(
    call: Call,
    probes: list[Probe],
    concurrency: int,
    into: dict[str, list[float]],
    found: dict[str, list[int]],
) -> int:
    """Every probe once, `concurrency` at a time; returns the number of failures."""
    queue: Iterator[Probe] = iter(probes)
    failures = 0

    async def client() -> None:
        nonlocal failures
        for probe in queue:
            started = time.perf_counter()
            try:
                total = await call(probe)
            except Exception as exc:  # noqa: BLE001 - a failed search is counted and shown, the run goes on
                failures += 1
                if failures <= 3:
                    print(f"  failed: {probe.kind} {probe.params}: {exc!r}")
                continue
            elapsed = time.perf_counter() - started
            into.setdefault(probe.kind, []).append(elapsed)
            into.setdefault(f"page {probe.params['page']}", []).append(elapsed)
            found.setdefault(probe.kind, []).append(total)

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return failures


def http_search(http: aiohttp.ClientSession, base: str) -> Call:
    async def call(probe: Probe) -> int:
        async with http.get(f"{base}/api/v1/ads/?{urlencode(probe.params)}") as resp:
            body = await resp.json()
            if resp.status != 200:
                raise RuntimeError(f"{resp.status}: {body}")
            return int(body["total"])

    return call


def bare_search(sessions: async_sessionmaker[AsyncSession]) -> Call:
    """The SQL the worker's `list_ads` runs for the command (the page, its media, the count), without
    the reply's shaping, the dealers' companies or the kept totals."""

    async def call(probe: Probe) -> int:
        cmd = probe.command()
        async with sessions() as db:
            rows, total = await find(db, cmd, MarketSettings(), SearchTotals(0))
            await queries.media_of(db, [listing.id for listing, _ in rows])  # as the reply is shaped
            return total

    return call


# --- processes -------------------------------------------------------------------------------------


@asynccontextmanager
async def platform(database: str, tmp: str, total_ttl_s: float) -> AsyncIterator[tuple[str, dict[str, int]]]:
    """nats-server, one market worker, one identity worker (a dealer's ad carries its company) and
    one edge, as separate processes; yields the edge's base URL and the processes' pids."""
    nats_server = EmbeddedNats(Path(tmp) / "nats")
    url = await nats_server.start()
    port = free_port()
    env = {
        **os.environ, "SOUK_NATS_URL": url, "SOUK_DATABASE_URL": database, "SOUK_EDGE_PORT": str(port),
        "SOUK_EDGE_METRICS_PORT": "0", "SOUK_LOG_LEVEL": "WARNING", "SOUK_PATHS_VAR_DIR": tmp,
        "SOUK_WORKERS_DOMAINS": "market,identity",  # the edge's /ready asks only for the domains that run
        "SOUK_MARKET_SEARCH_TOTAL_TTL_S": str(total_ttl_s),
    }  # fmt: skip
    souk = str(Path(sys.executable).parent / "souk")
    processes = []
    try:
        for args in (("worker", "market"), ("worker", "identity"), ("edge",)):
            processes.append(await asyncio.create_subprocess_exec(souk, *args, env=env, cwd=REPO))
        pids = {
            "edge": processes[2].pid,
            "market worker": processes[0].pid,
            "identity worker": processes[1].pid,
            "nats-server": nats_server.pid or 0,
        }
        yield f"http://127.0.0.1:{port}", pids
    finally:
        for process in reversed(processes):  # the edge first
            if process.returncode is None:
                process.terminate()
                await process.wait()
        await nats_server.stop()


# --- figures ---------------------------------------------------------------------------------------


def quantiles(samples: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in ms (with fewer than two samples, that one sample)."""
    if len(samples) < 2:
        only = samples[0] * 1e3 if samples else float("nan")
        return only, only, only
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return q[49] * 1e3, q[94] * 1e3, q[98] * 1e3


def report(timings: Timings, kinds: list[str], pages: list[str]) -> tuple[float, float]:
    """The table; returns the overall full-path p95 and the full/bare ratio at p95. `found` is the
    median of the searches' totals (how many ads match)."""
    head = (
        f"  {'kind':<18} {'n':>4} {'found':>7}  {'full p50   p95   p99 ms':>24}  {'bare p50   p95   p99 ms':>24}"
        "  full/bare p50  p95"
    )
    rule = "  " + "-" * (len(head) - 2)
    print(head)
    print(rule)
    everything_full = [s for kind in kinds for s in timings.full.get(kind, [])]
    everything_bare = [s for kind in kinds for s in timings.bare.get(kind, [])]
    rows = [(k, timings.full.get(k, []), timings.bare.get(k, [])) for k in kinds]
    rows += [("", [], [])] + [(p, timings.full.get(p, []), timings.bare.get(p, [])) for p in pages]
    rows += [("all", everything_full, everything_bare)]
    for name, full, bare in rows:
        if not name:
            print(rule)
            continue
        f, b = quantiles(full), quantiles(bare)
        found = timings.found.get(name)
        median = f"{statistics.median(found):7.0f}" if found else " " * 7
        print(
            f"  {name:<18} {len(full):>4} {median}  {f[0]:8.1f} {f[1]:6.1f} {f[2]:7.1f}  {b[0]:8.1f} "
            f"{b[1]:6.1f} {b[2]:7.1f}  {f[0] / b[0]:13.2f} {f[1] / b[1]:4.2f}"
        )
    full_all, bare_all = quantiles(everything_full), quantiles(everything_bare)
    return full_all[1], full_all[1] / bare_all[1]


# --- plans -----------------------------------------------------------------------------------------


async def explain(database: Database, probes: list[Probe]) -> None:
    """Each kind's plan for its first probe: the statements the search runs, caught as they go to
    the driver, explained with the same parameters."""
    engine = database.engines[-1]  # the readers' engine on SQLite, the one engine on PostgreSQL
    caught: list[tuple[str, Any]] = []

    def catch(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        caught.append((statement, parameters))

    postgres = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    seen: set[str] = set()
    for probe in probes:
        if probe.kind in seen or probe.params["page"] != "1":
            continue
        seen.add(probe.kind)
        caught.clear()
        event.listen(engine.sync_engine, "before_cursor_execute", catch)
        try:
            await bare_search(database.read)(probe)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", catch)
        print(f"\n== {probe.kind}: {urlencode(probe.params)}")
        async with database.read() as db:
            conn = await db.connection()
            for statement, parameters in caught:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                print("  -- the count" if "count(" in statement else "  -- the page")
                plan = await conn.exec_driver_sql(prefix + statement, parameters)
                for row in plan:  # SQLite's rows: id, parent, 0, what it does
                    print("   ", row[0] if postgres else row[-1])


# --- the run ---------------------------------------------------------------------------------------


@asynccontextmanager
async def fresh_database(args: argparse.Namespace) -> AsyncIterator[str]:
    """A new database's URL; dropped (PostgreSQL) or deleted (SQLite) after, unless --keep."""
    if args.sqlite:
        folder = tempfile.mkdtemp(prefix="souk-search-")
        path = Path(folder) / "souk.db"
        try:
            yield f"sqlite+aiosqlite:///{path}"
        finally:
            if args.keep:
                print(f"kept {path}")
            else:
                for leftover in Path(folder).iterdir():
                    leftover.unlink()
                Path(folder).rmdir()
        return
    url = await create_scratch_database(args.database_url)
    try:
        yield url
    finally:
        if args.keep:
            print(f"kept {url}")
        else:
            await drop_scratch_database(args.database_url, url)


async def load(url: str, args: argparse.Namespace) -> tuple[Mix, Loaded]:
    database = open_database(url)
    try:
        async with database.read() as db:
            ref = await reference(db)
            brand_ids = {row.name: row.id for row in await db.execute(select(Brand.name, Brand.id))}
    finally:
        await database.dispose()
    generator = Generator(ref, Owners.for_ads(args.ads), args.seed)
    if args.sqlite:
        loaded = await asyncio.to_thread(load_sqlite, url, generator, args.ads)
    else:
        loaded = await load_postgres(url, generator, args.ads)
    mix = Mix(ref, brand_ids["BMW"], brand_ids["Mercedes-Benz"], random.Random(args.seed + 1))
    return mix, loaded


@dataclass
class Measured:
    timings: Timings = field(default_factory=Timings)
    failures: dict[str, int] = field(default_factory=lambda: {"full": 0, "bare": 0})
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process, full path


async def measure(args: argparse.Namespace, url: str, mix: Mix, total_ttl_s: float) -> Measured:
    warmup = mix.probes(max(2 * len(mix.kinds), args.requests // 5), args.deep_page)
    probes = mix.probes(args.requests, args.deep_page)
    database = open_database(url)  # as the worker opens it: the default pool
    measured = Measured()
    timings = measured.timings
    try:
        with tempfile.TemporaryDirectory() as tmp:
            async with platform(url, tmp, total_ttl_s) as (base, pids):
                pids = {**pids, "this process": os.getpid()}
                measured.cpu = dict.fromkeys(pids, 0.0)
                connector = aiohttp.TCPConnector(limit=args.concurrency)
                async with aiohttp.ClientSession(connector=connector) as http:
                    await until_ready(http, f"{base}/ready")
                    full, bare = http_search(http, base), bare_search(database.read)
                    agree = unanswered = 0
                    for probe in warmup:  # one at a time: the warm-up also checks both paths agree
                        try:
                            agree += await full(probe) == await bare(probe)
                        except RuntimeError:  # a 503: the worker took longer than the edge waits
                            unanswered += 1
                    print(f"warm-up: {len(warmup)} searches, totals equal on both paths for {agree}, "
                          f"{unanswered} not answered in time")  # fmt: skip
                    for r in range(args.rounds):  # alternating: a busy moment of the machine hits both
                        chunk = probes[r :: args.rounds]
                        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
                        measured.failures["full"] += await drive(
                            full, chunk, args.concurrency, timings.full, timings.found
                        )
                        for name, pid in pids.items():
                            measured.cpu[name] += cpu_seconds(pid) - before[name]
                        measured.failures["bare"] += await drive(
                            bare, chunk, args.concurrency, timings.bare, {}
                        )
                    if args.explain:
                        await explain(database, probes)
    finally:
        await database.dispose()
    return measured


async def run(args: argparse.Namespace) -> None:
    async with fresh_database(args) as url:
        await upgrade(url)
        mix, loaded = await load(url, args)
        kind_of_db = "SQLite" if args.sqlite else "PostgreSQL"
        print(f"{kind_of_db}: {rate(loaded)}")
        for total_ttl_s in args.total_ttl:
            print(f"\n=== the market worker keeps a search's total {total_ttl_s:g} s")
            measured = await measure(args, url, mix, total_ttl_s)
            summarise(args, mix, measured, f"{kind_of_db}, {args.ads:,} ads, total kept {total_ttl_s:g} s")


def summarise(args: argparse.Namespace, mix: Mix, measured: Measured, title: str) -> None:
    failures = measured.failures
    print(
        f"\n{args.requests} searches per path, {args.concurrency} clients, {args.rounds} rounds, "
        f"page size {PAGE_SIZE}, deep page {args.deep_page}; failures: full {failures['full']}, "
        f"bare {failures['bare']}"
    )
    pages = ["page 1", f"page {args.deep_page}"]
    p95, ratio = report(measured.timings, list(mix.kinds), pages)
    per_request = ", ".join(f"{n} {s * 1e3 / args.requests:.2f}" for n, s in measured.cpu.items())
    print(f"  CPU ms per search on the full path: {per_request}")
    print(f"\n{title}: full-path p95 {p95:.1f} ms "
          f"({'met' if p95 <= P95_TARGET_MS else 'NOT met'}: <= {P95_TARGET_MS:g} ms); "
          f"full/bare at p95 {ratio:.2f} ({'met' if ratio <= RATIO_TARGET else 'NOT met'}: "
          f"<= {RATIO_TARGET:g})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sqlite", action="store_true", help="SQLite (a temporary file) instead of PostgreSQL"
    )
    parser.add_argument("--ads", type=int, help="ads to load (1,000,000 on PostgreSQL, 100,000 on SQLite)")
    parser.add_argument("--requests", type=int, default=1000, help="searches per path")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2, help="full then bare, this many times")
    parser.add_argument("--deep-page", type=int, default=10)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--database-url", default=ADMIN_URL, help="PostgreSQL admin database")
    parser.add_argument("--keep", action="store_true", help="keep the loaded database")
    parser.add_argument("--explain", action="store_true", help="print each kind's plan")
    parser.add_argument(
        "--total-ttl", type=float, nargs="+", default=[30.0],
        help="the market worker's [market] search_total_ttl_s, one measurement each on the same data "
             "(0: every search counts its matches, as the bare SQL does)",
    )  # fmt: skip
    args = parser.parse_args()
    args.rounds = max(1, args.rounds)
    if args.ads is None:
        args.ads = 100_000 if args.sqlite else 1_000_000
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
