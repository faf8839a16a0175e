"""The matching engine on pools shaped like FreeMarket's use: each user lists several offers and
several wants, so that his offers (of one exchange type) all accept the same items. Prints, never
asserts.

The instance (`pool`, deterministic by --seed): U users, each with k offers and k wants (k from 1 to
--most-per-user, more often small), names drawn from a vocabulary of a few hundred Russian and English
items with Zipf-like popularity over the categories of storage/reference/barter_categories/v6.0.json;
a want names either the bare item ("велосипед") or the item with its variant ("велосипед горный");
both exchange types (a user lends or gives, a few do both), values in tenge around each item's price,
durations for loans, and a few cities with coordinates. The rules are the worker's defaults
(configs/default.toml: values within 30 %, within 50 km).

For each U (--users, repeatable; default 100, 1,000, 5,000) and cap (--cap, repeatable; default 10, 6):
entries, graph nodes / edges, graph build seconds, solve seconds, items traded and bound; then at the
first cap, p50 / p95 seconds of `resolve_after_change` over --changes single-listing changes (an
offer withdrawn, an offer listed, a want listed, in turn) and the count after them against a full
re-solve.

    .venv/bin/python bench/matching_pool.py [--users 5000] [--cap 10] [--time-limit 10]
        [--changes 50] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.matching import report_changes, row
from nodes.workers.matching.engine import (
    Entry,
    ItemGraph,
    MatchRules,
    Side,
    Solution,
    build_graph,
    resolve_after_change,
    solve,
)

CATEGORIES = REPO / "storage" / "reference" / "barter_categories" / "v6.0.json"
RULES = MatchRules(value_tolerance=0.3, max_distance_km=50.0)  # configs/default.toml's [matching]
# (name, latitude, longitude, share of the users)
CITIES = [
    ("Almaty", 43.2380, 76.9450, 0.35),
    ("Astana", 51.1694, 71.4491, 0.25),
    ("Shymkent", 42.3417, 69.5901, 0.15),
    ("Karaganda", 49.8047, 73.1094, 0.10),
    ("Aktobe", 50.2839, 57.1670, 0.08),
    ("Pavlodar", 52.2873, 76.9674, 0.07),
]
# category slug -> (item, typical price in tenge); each item comes in the variants below too
ITEMS: dict[str, list[tuple[str, int]]] = {
    "bicycles": [("велосипед", 60_000), ("самокат", 25_000), ("bicycle", 70_000), ("гироскутер", 45_000)],
    "personal_transport": [("мопед", 250_000), ("скутер", 200_000), ("electric scooter", 120_000)],
    "auto_parts": [("шины", 80_000), ("диски", 90_000), ("аккумулятор", 35_000), ("wheels", 85_000)],
    "tools": [("дрель", 20_000), ("перфоратор", 40_000), ("шуруповерт", 25_000), ("drill", 22_000)],
    "garden_equipment": [("газонокосилка", 60_000), ("триммер", 30_000), ("культиватор", 90_000)],
    "building_materials": [("плитка", 15_000), ("смеситель", 12_000), ("ламинат", 40_000)],
    "electronics": [("iphone", 250_000), ("ноутбук", 200_000), ("планшет", 90_000), ("laptop", 220_000)],
    "audio_video": [("наушники", 20_000), ("колонка", 30_000), ("фотоаппарат", 150_000), ("camera", 160_000)],
    "games_consoles": [("playstation", 180_000), ("xbox", 160_000), ("джойстик", 15_000)],
    "furniture": [("диван", 120_000), ("кресло", 50_000), ("стол", 40_000), ("шкаф", 70_000)],
    "appliances": [("микроволновка", 30_000), ("пылесос", 45_000), ("холодильник", 150_000)],
    "home_goods": [("посуда", 10_000), ("ковер", 35_000), ("лампа", 8_000)],
    "plants": [("фикус", 6_000), ("орхидея", 5_000)],
    "clothes": [("куртка", 30_000), ("пальто", 45_000), ("платье", 20_000), ("jacket", 32_000)],
    "shoes": [("кроссовки", 25_000), ("ботинки", 30_000), ("sneakers", 27_000)],
    "accessories": [("часы", 40_000), ("сумка", 25_000), ("рюкзак", 15_000)],
    "kids_clothes": [("комбинезон", 15_000), ("куртка детская", 12_000)],
    "toys": [("конструктор lego", 25_000), ("кукла", 8_000), ("машинка", 6_000)],
    "strollers": [("коляска", 80_000), ("автокресло", 40_000)],
    "books": [("учебник", 4_000), ("роман", 3_000), ("book", 4_500), ("энциклопедия", 7_000)],
    "stationery": [("рюкзак школьный", 12_000), ("пенал", 3_000)],
    "sports": [("гантели", 15_000), ("тренажер", 90_000), ("мяч", 8_000), ("dumbbells", 16_000)],
    "tourism": [("палатка", 35_000), ("спальник", 20_000), ("tent", 38_000)],
    "winter_sports": [("лыжи", 45_000), ("сноуборд", 80_000), ("коньки", 25_000)],
    "musical_instruments": [("гитара", 50_000), ("синтезатор", 90_000), ("guitar", 55_000)],
    "collectibles": [("монеты", 20_000), ("марки", 10_000)],
    "handmade": [("вязаный свитер", 15_000), ("керамика", 8_000)],
    "pet_supplies": [("переноска", 10_000), ("аквариум", 25_000)],
    "water_transport": [("лодка", 200_000), ("sup board", 90_000)],
    "construction_equipment": [("бетономешалка", 120_000), ("леса строительные", 60_000)],
    "event_equipment": [("проектор", 80_000), ("шатер", 70_000)],
    "costumes": [("костюм карнавальный", 15_000), ("costume", 16_000)],
    "lessons": [("урок английского", 8_000), ("урок гитары", 7_000)],
    "services": [("ремонт", 20_000), ("repair", 22_000)],
    "transport": [("автомобиль", 400_000), ("прицеп", 150_000)],
    "photo_video": [("объектив", 90_000), ("штатив", 15_000)],
}
VARIANTS = ["", "новый", "б/у", "детский", "большой", "pro", "2022", "черный"]
DURATIONS = [1, 3, 7, 14, 30]


@dataclass(frozen=True)
class Kind:
    """An item of the vocabulary: its name, category, exchange types it is listed in, and price."""

    name: str
    category: str
    types: tuple[str, ...]
    price: int


def vocabulary() -> list[Kind]:
    """Every item in every variant (a few hundred), each under its category's exchange types."""
    listed = json.loads(CATEGORIES.read_text())["categories"]
    types_of: dict[str, list[str]] = {}
    for exchange_type, categories in listed.items():
        for category in categories:
            types_of.setdefault(category["slug"], []).append(exchange_type.upper())
    kinds = []
    for slug, items in ITEMS.items():
        for name, price in items:
            for variant in VARIANTS:
                kinds.append(Kind(f"{name} {variant}".strip(), slug, tuple(types_of[slug]), price))
    return kinds


def pool(users: int, seed: int, most_per_user: int = 12) -> list[Entry]:
    rng = random.Random(seed)
    kinds = vocabulary()
    rng.shuffle(kinds)
    popularity = [1.0 / (rank + 1) ** 0.9 for rank in range(len(kinds))]  # Zipf-like
    per_user = list(range(1, most_per_user + 1))
    weights = [1.0 / k for k in per_user]
    entries: list[Entry] = []
    for user in range(1, users + 1):
        city = rng.choices(CITIES, weights=[c[3] for c in CITIES])[0]
        latitude = city[1] + rng.uniform(-0.1, 0.1)
        longitude = city[2] + rng.uniform(-0.1, 0.1)
        roll = rng.random()
        types = ["PERMANENT"] if roll < 0.7 else ["TEMPORARY"] if roll < 0.85 else ["PERMANENT", "TEMPORARY"]
        k = rng.choices(per_user, weights=weights)[0]
        for side in (Side.OFFER, Side.WANT):
            for _ in range(k):
                exchange_type = rng.choice(types)
                kind = rng.choices(kinds, weights=popularity)[0]
                while exchange_type not in kind.types:
                    kind = rng.choices(kinds, weights=popularity)[0]
                name = kind.name
                if side is Side.WANT and rng.random() < 0.5:
                    name = name.split(" ")[0]  # the bare item: any variant will do
                temporary = exchange_type == "TEMPORARY"
                price = kind.price // 20 if temporary else kind.price  # a loan's worth
                entries.append(
                    Entry(
                        id=len(entries) + 1,
                        owner=user,
                        side=side,
                        exchange_type=exchange_type,
                        category=kind.category,
                        name=name,
                        value=0 if rng.random() < 0.1 else int(round(price * rng.uniform(0.7, 1.3), -2)),
                        duration_days=rng.choice(DURATIONS) if temporary else None,
                        latitude=latitude,
                        longitude=longitude,
                    )
                )
    return entries


def full_runs(entries: list[Entry], caps: list[int], time_limit: float) -> tuple[ItemGraph, Solution]:
    began = time.perf_counter()
    graph = build_graph(entries, RULES)
    built = time.perf_counter() - began
    users = len({e.owner for e in entries})
    first: Solution | None = None
    for cap in caps:
        solution = solve(graph, max_length=cap, time_limit=time_limit)
        first = first or solution
        row(
            users,
            len(entries),
            graph.size,
            graph.edge_count,
            f"{built:.2f}",
            cap,
            f"{solution.seconds:.2f}",
            solution.items_traded,
            solution.bound,
            solution.optimal,
        )
    assert first is not None
    return graph, first


def change(entries: list[Entry], rng: random.Random, k: int, next_id: int) -> tuple[list[Entry], int]:
    """One listing change, in turn: an offer withdrawn, an offer listed, a want listed (copies of a
    random entry's terms under another user's name, as a new listing would look)."""
    if k % 3 == 0:
        offers = [e for e in entries if e.side is Side.OFFER]
        gone = rng.choice(offers).id
        return [e for e in entries if e.id != gone], gone
    side = Side.OFFER if k % 3 == 1 else Side.WANT
    model = rng.choice([e for e in entries if e.side is side])
    owner = rng.choice(entries)
    new = replace(model, id=next_id, owner=owner.owner, latitude=owner.latitude, longitude=owner.longitude)
    return [*entries, new], next_id


def changes(entries: list[Entry], first: Solution, cap: int, count: int, time_limit: float) -> None:
    rng = random.Random(16)
    next_id = max(e.id for e in entries) + 1
    took, rebuilt = [], []
    solution = first
    graph = build_graph(entries, RULES)
    for k in range(count):
        entries, changed = change(entries, rng, k, next_id)
        next_id += 1
        began = time.perf_counter()
        graph = build_graph(entries, RULES)
        rebuilt.append(time.perf_counter() - began)
        solution = resolve_after_change(solution, graph, [changed], max_length=cap)
        took.append(solution.seconds)
    full = solve(graph, max_length=cap, time_limit=time_limit)
    report_changes(count, cap, took, rebuilt, solution, full)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, action="append", help="users in the pool (repeatable)")
    parser.add_argument("--cap", type=int, action="append", help="items a ring may have (repeatable)")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds for each full solve")
    parser.add_argument("--changes", type=int, default=50, help="listing changes after the first cap's run")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    caps = args.cap or [10, 6]
    row("users", "entries", "nodes", "edges", "graph s", "cap", "solve s", "items traded", "bound", "optimal")
    for users in args.users or [100, 1_000, 5_000]:
        entries = pool(users, args.seed)
        _, first = full_runs(entries, caps, args.time_limit)
        if args.changes:
            changes(entries, first, caps[0], args.changes, args.time_limit)


if __name__ == "__main__":
    main()
