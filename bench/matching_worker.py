"""The matching worker on a real cluster: a full run-pipeline over a seeded pool, then the latency of a
listing change. Prints figures, never asserts.

The bundled nats-server, a migrated SQLite database in a temporary directory, and `souk worker`
processes: identity + catalog + notify + market in one, matching in --matching-workers others
(started once the pool is seeded, so that seeding does not re-match user by user). --users users
(written straight into the database: hashing their passwords is not what is measured) each list
--offers offers and --wants wants through the market over NATS, as `create-by-categories` does. Item
names are realistic ones: the things named by the v6 categories (storage/reference) with a brand, at
a value per name (each item within 15% of it, inside the default 30% tolerance).

1. A full run (`RunPipeline` as the scheduler sends it): seconds, exchanges (swaps, chains), items
   traded.
2. --changes listing changes, one at a time: user W_k offers A_k and wants B_k, user V_k wants A_k
   (both listed before the full run, matching nothing); the change is V_k's new offer B_k
   (`AddBarterItem`), which completes the swap. From the request to the exchange stored (V_k's
   exchanges polled every 5 ms over NATS) and to V_k's notification (his `rt.user.<id>` delivery):
   p50 / p95 seconds.
3. The item graph built in this process, of the whole pool and of the unclaimed part a re-match
   builds it from: the part of each re-match that keeping the pool in memory does not save (the
   engine builds the graph whole).

    .venv/bin/python bench/matching_worker.py [--users 2000] [--offers 5] [--wants 5] [--changes 30]
        [--matching-workers 1] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import select

from nodes.runtime.bus import Bus
from nodes.runtime.embedded_nats import EmbeddedNats
from nodes.runtime.settings import MatchingSettings
from nodes.workers.matching.engine import build_graph
from nodes.workers.matching.pool_cache import PoolCache
from nodes.workers.matching.solve import entry, rules
from protocols import subjects
from protocols.envelope import Actor, DomainError, Role, decode_reply
from protocols.market_barter import (
    AddBarterItem,
    CreateBarterList,
    ExchangeType,
    ItemSide,
    NewBarterItem,
)
from protocols.matching import ListExchanges, RunPipeline
from protocols.system import Pong
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.models.identity import User
from storage.models.matching import ItemClaim

CATEGORIES = REPO / "storage" / "reference" / "barter_categories" / "v6.0.json"
BRANDS = ("Samsung", "Xiaomi", "Bosch", "Makita", "IKEA", "Adidas", "Nike", "LEGO", "Canon", "Sony",
          "Philips", "Yamaha", "Stels", "Decathlon", "Apple", "Lenovo")  # fmt: skip
CITY = "Алматы"
SEED_AT_ONCE = 16
RUN_TIMEOUT_S = 600.0
CHANGE_TIMEOUT_S = 10.0
POLL_S = 0.005


def item_names() -> list[str]:
    """The things the permanent categories name ("Велосипеды, самокаты, гироскутеры": three), each with
    a brand: "Самокаты Xiaomi"."""
    data = json.loads(CATEGORIES.read_text())
    things: list[str] = []
    for category in data["categories"]["permanent"]:
        for part in category["name"].replace(" и ", ", ").split(","):
            thing = part.strip()
            if thing and thing not in things:
                things.append(thing[0].upper() + thing[1:])
    return [f"{thing} {brand}" for thing in things for brand in BRANDS]


def user(user_id: int) -> Actor:
    return Actor(user_id=user_id, role=Role.USER)


def new_item(side: ItemSide, name: str, value: int) -> NewBarterItem:
    return NewBarterItem(side=side, exchange_type=ExchangeType.PERMANENT, item_name=name, value_tenge=value)


async def insert_users(database: str, count: int) -> list[int]:
    engine = create_engine(database)
    try:
        async with session_factory(engine)() as db:
            rows = [
                User(email=f"bench{n}@example.com", email_normalized=f"bench{n}@example.com",
                     username=f"bench{n}", username_normalized=f"bench{n}", city=CITY, full_name=f"Bench {n}")
                for n in range(count)
            ]  # fmt: skip
            db.add_all(rows)
            await db.commit()
            return [row.id for row in rows]
    finally:
        await engine.dispose()


async def seed(bus: Bus, lists: list[tuple[int, list[NewBarterItem]]]) -> float:
    began = time.monotonic()
    gate = asyncio.Semaphore(SEED_AT_ONCE)

    async def one(owner: int, items: list[NewBarterItem]) -> None:
        async with gate:
            await bus.request(CreateBarterList(items=items), actor=user(owner), timeout=60)

    await asyncio.gather(*(one(owner, items) for owner, items in lists))
    return time.monotonic() - began


def pool_lists(
    rng: random.Random, owners: list[int], names: list[str], offers: int, wants: int
) -> list[tuple[int, list[NewBarterItem]]]:
    value = {name: rng.randrange(5, 500) * 1000 for name in names}

    def priced(name: str) -> int:
        return int(value[name] * rng.uniform(0.85, 1.15))

    lists = []
    for owner in owners:
        given = rng.sample(names, offers)
        wanted = rng.sample([name for name in names if name not in given], wants)
        items = [new_item(ItemSide.OFFER, name, priced(name)) for name in given]
        items += [new_item(ItemSide.WANT, name, priced(name)) for name in wanted]
        lists.append((owner, items))
    return lists


async def changes(bus: Bus, pairs: list[tuple[int, str]]) -> tuple[list[float], list[float], int]:
    """Each (V_k, B_k): V_k offers B_k; seconds to the exchange stored, to his notification; misses."""
    stored: list[float] = []
    told: list[float] = []
    missed = 0
    for owner, name in pairs:
        heard = asyncio.get_running_loop().create_future()

        async def on_delivery(_msg: object, heard: asyncio.Future[float] = heard) -> None:
            if not heard.done():
                heard.set_result(time.monotonic())

        subscription = await bus.subscribe(subjects.rt_user(owner), on_delivery)
        await bus.synced()
        began = time.monotonic()
        await bus.request(AddBarterItem(item=new_item(ItemSide.OFFER, name, 50_000)), actor=user(owner))
        try:
            stored.append(await _stored(bus, owner) - began)
            told.append(await asyncio.wait_for(heard, CHANGE_TIMEOUT_S) - began)
        except TimeoutError:
            missed += 1
        await subscription.unsubscribe()
    return stored, told, missed


async def _stored(bus: Bus, owner: int) -> float:
    deadline = time.monotonic() + CHANGE_TIMEOUT_S
    while time.monotonic() < deadline:
        if (await bus.request(ListExchanges(), actor=user(owner))).total:
            return time.monotonic()
        await asyncio.sleep(POLL_S)
    raise TimeoutError


async def graph_build(bus: Bus, database: str) -> None:
    """What each re-match pays before the engine solves: the item graph built from the pool (the
    engine cannot patch it), timed here in the benchmark's process over the same items: the whole
    pool, and what a re-match builds it from (less the items open exchanges claim)."""
    items = await PoolCache(bus, MatchingSettings().pool_page).items()
    engine = create_engine(database)
    async with session_factory(engine)() as db:
        claimed = set(await db.scalars(select(ItemClaim.item_id)))
    await engine.dispose()
    free = [item for item in items if item.id not in claimed]
    for what, pool in (("the whole pool", items), ("the unclaimed pool", free)):
        began = time.perf_counter()
        graph = build_graph([entry(item) for item in pool], rules(MatchingSettings()))
        print(f"item graph of {what} ({len(pool)} items, {graph.size} offers, {len(graph.targets)} edges): "
              f"built in {time.perf_counter() - began:.2f} s")  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def ready(bus: Bus, domain: str, workers: int) -> None:
    """Returns once `workers` replicas of `domain` have answered its ping (the queue group hands each
    ping to one of them: asked until each has answered one)."""
    seen: set[str] = set()
    deadline = time.monotonic() + 60
    while len(seen) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(seen)} of {workers} {domain} workers answered")
        try:
            seen.add(
                decode_reply(await bus.request_raw(subjects.ping(domain), b"", timeout=2), Pong).instance
            )
        except DomainError:
            await asyncio.sleep(0.2)


async def main(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    names = item_names()
    rng.shuffle(names)
    held_out, names = names[: 2 * args.changes], names[2 * args.changes :]
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite+aiosqlite:///{tmp}/souk.db"
        nats_server = EmbeddedNats(Path(tmp) / "nats")
        url = await nats_server.start()
        await upgrade(database)
        env = {
            **os.environ, "SOUK_NATS_URL": url, "SOUK_DATABASE_URL": database, "SOUK_LOG_LEVEL": "WARNING",
            "SOUK_PATHS_VAR_DIR": tmp,
        }  # fmt: skip
        souk = str(Path(sys.executable).parent / "souk")
        log = (Path(tmp) / "workers.log").open("ab")
        processes = [
            await asyncio.create_subprocess_exec(
                souk,
                "worker",
                "identity",
                "catalog",
                "notify",
                "market",
                env=env,
                cwd=REPO,
                stdout=log,
                stderr=log,
            )
        ]
        bus = await Bus.connect(url, name="bench-matching-worker", request_timeout=30)
        try:
            await ready(bus, "market", 1)
            people = await insert_users(database, args.users + 2 * args.changes)
            owners, waiting = people[: args.users], people[args.users :]
            lists = pool_lists(rng, owners, names, args.offers, args.wants)
            pairs: list[tuple[int, str]] = []
            for k in range(args.changes):
                w, v = waiting[2 * k], waiting[2 * k + 1]
                a, b = held_out[2 * k], held_out[2 * k + 1]
                lists.append((w, [new_item(ItemSide.OFFER, a, 50_000), new_item(ItemSide.WANT, b, 50_000)]))
                lists.append((v, [new_item(ItemSide.WANT, a, 50_000)]))
                pairs.append((v, b))
            seconds = await seed(bus, lists)
            items = sum(len(items) for _, items in lists)
            print(f"seeded {len(lists)} lists, {items} items, in {seconds:.1f} s")

            for _ in range(args.matching_workers):
                processes.append(
                    await asyncio.create_subprocess_exec(
                        souk, "worker", "matching", env=env, cwd=REPO, stdout=log, stderr=log
                    )
                )
            await ready(bus, "matching", args.matching_workers)
            began = time.monotonic()
            report = await bus.request(RunPipeline(), actor=Actor.system(), timeout=RUN_TIMEOUT_S)
            full = time.monotonic() - began
            print(f"full run: {full:.2f} s, {report.bilateral_matches} swaps + {report.exchange_chains} chains, "
                  f"{report.items_traded} items traded, {report.total_participants} people; errors {report.errors}")  # fmt: skip

            stored, told, missed = await changes(bus, pairs)
            for what, values in (("exchange stored", stored), ("notification", told)):
                if values:
                    print(f"listing change -> {what}: p50 {percentile(values, 0.5):.3f} s, "
                          f"p95 {percentile(values, 0.95):.3f} s, max {max(values):.3f} s, "
                          f"mean {statistics.fmean(values):.3f} s over {len(values)}")  # fmt: skip
            print(f"changes that completed no swap within {CHANGE_TIMEOUT_S:.0f} s: {missed}")
            await graph_build(bus, database)
        except DomainError as exc:
            print(f"failed: {exc.code.value}: {exc.message}")
        finally:
            await bus.close()
            for process in processes:
                process.terminate()
            await asyncio.gather(*(process.wait() for process in processes))
            log.close()
            await nats_server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--offers", type=int, default=5)
    parser.add_argument("--wants", type=int, default=5)
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--matching-workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    asyncio.run(main(parser.parse_args()))
