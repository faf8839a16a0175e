"""The matching engine on the want-list instances of ../shared/bench/MATCHING.md: items traded, bounds
and seconds, side by side with the figures listed there. Prints, never asserts.

The instances are written by ../shared/bench/gen_mathtrade.py into a temporary directory (or read from
--instances DIR, as <name>.jsonl). Cases (--case, repeatable; default all):

- `uncapped`: the uncapped optimum of every instance, against the listed count;
- `medium-cap6`, `medium-cap8`, `medium-cap10`: medium_n20000 with cycles of at most 6, 8, 10 items;
- `dense-cap3`: dense_n20000 with cycles of at most 3 items;
- `changes`: --changes single listing changes (an item withdrawn, an item listed and wanted by a few
  others, an item's want list changed, in turn) on medium_n20000 solved at --change-cap, each
  answered by `resolve_after_change`: p50 / p95 seconds (and the graph's rebuild beside it), then the
  count after the last change against a full re-solve of the same graph.

    .venv/bin/python bench/matching.py [--case uncapped] [--time-limit 120] [--instances DIR]
        [--changes 100] [--change-cap 6]

--time-limit is each capped solve's (default: the issue's aim for the case: 30 s at cap 6, 60 s for
dense cap 3, 120 s at caps 8 and 10).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nodes.workers.matching.engine import ItemGraph, Solution, graph_from_wants, resolve_after_change, solve

GENERATOR = REPO.parent / "shared" / "bench" / "gen_mathtrade.py"
MEDIUM = ["--min-wants", "2", "--max-wants", "10", "--skew", "1.0"]
INSTANCES = {  # name: (generator arguments, the uncapped optimum listed in MATCHING.md)
    "dense_n1000": (["--items", "1000", "--seed", "1"], 923),
    "dense_n20000": (["--items", "20000", "--seed", "1"], 18541),
    "medium_n1000": (["--items", "1000", "--seed", "1", *MEDIUM], 577),
    "medium_n20000": (["--items", "20000", "--seed", "1", *MEDIUM], 7035),
    "medium_n100000": (["--items", "100000", "--seed", "1", *MEDIUM], 31391),
    "sparse_n20000": (
        ["--items", "20000", "--seed", "1", "--min-wants", "1", "--max-wants", "8", "--skew", "0.6"],
        816,
    ),
}
CAPPED = {  # case: (instance, cap, default time limit, what MATCHING.md lists)
    "medium-cap6": ("medium_n20000", 6, 30.0, "1,780 (optimal)"),
    "medium-cap8": ("medium_n20000", 8, 120.0, ">= 3,184 (LP bound 3,268)"),
    "medium-cap10": ("medium_n20000", 10, 120.0, "LP bound ~ 4,468"),
    "dense-cap3": ("dense_n20000", 3, 60.0, "LP bound 6,836"),
}
CASES = ["uncapped", *CAPPED, "changes"]


@dataclass
class Instance:
    """Items by id: owner and want list (ids, best first), as the .jsonl gives them."""

    owner: dict[int, int]
    wants: dict[int, list[int]]

    def graph(self) -> ItemGraph:
        ids = sorted(self.owner)
        node = {item: k for k, item in enumerate(ids)}
        return graph_from_wants(
            [self.owner[i] for i in ids],
            [[node[j] for j in self.wants[i] if j in node] for i in ids],
            ids,
        )


def load(path: Path) -> Instance:
    owner: dict[int, int] = {}
    wants: dict[int, list[int]] = {}
    with path.open() as lines:
        for line in lines:
            item = json.loads(line)
            key = int(item["id"][1:])
            owner[key] = int(item["user"][1:])
            wants[key] = [int(w[1:]) for w in item["wants"]]
    return Instance(owner, wants)


def instance(name: str, directory: Path) -> Instance:
    path = directory / f"{name}.jsonl"
    if not path.exists():
        args, _ = INSTANCES[name]
        subprocess.run(
            [sys.executable, str(GENERATOR), *args, "--out", str(directory / name)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return load(path)


def row(*cells: object) -> None:
    print(" | ".join(str(c) for c in cells), flush=True)


def uncapped(directory: Path) -> None:
    row("instance", "items", "uncapped optimum", "listed", "seconds (solve)", "seconds (graph)")
    for name, (_, listed) in INSTANCES.items():
        data = instance(name, directory)
        began = time.perf_counter()
        graph = data.graph()
        built = time.perf_counter() - began
        solution = solve(graph, max_length=None)
        row(name, graph.size, solution.items_traded, listed, f"{solution.seconds:.2f}", f"{built:.2f}")


def capped(case: str, directory: Path, time_limit: float | None) -> None:
    name, cap, default_limit, listed = CAPPED[case]
    graph = instance(name, directory).graph()
    solution = solve(graph, max_length=cap, time_limit=time_limit or default_limit)
    longest = max((len(c) for c in solution.cycles), default=0)
    row("case", "items traded", "bound", "optimal", "listed", "seconds", "cycles", "longest")
    row(
        case,
        solution.items_traded,
        solution.bound,
        solution.optimal,
        listed,
        f"{solution.seconds:.1f}",
        len(solution.cycles),
        longest,
    )


def change(data: Instance, rng: random.Random, k: int, next_id: int) -> list[int]:
    """One listing change, in turn: withdraw an item, list one (wanted by a few), change a want list."""
    ids = list(data.owner)
    if k % 3 == 0:
        gone = rng.choice(ids)
        del data.owner[gone], data.wants[gone]
        return [gone]
    if k % 3 == 1:
        model = rng.choice(ids)
        data.owner[next_id] = data.owner[model]
        data.wants[next_id] = list(data.wants[model])
        fans = [i for i in rng.sample(ids, 8) if data.owner[i] != data.owner[next_id]]
        for fan in fans:
            data.wants[fan].insert(rng.randrange(len(data.wants[fan]) + 1), next_id)
        return [next_id, *fans]
    item = rng.choice(ids)
    others = rng.sample(ids, 5)
    data.wants[item] = [j for j in data.wants[item][:-2] + others if data.owner[j] != data.owner[item]]
    return [item]


def changes(directory: Path, count: int, cap: int, time_limit: float | None) -> None:
    data = instance("medium_n20000", directory)
    full_limit = time_limit or 120.0
    solution = solve(data.graph(), max_length=cap, time_limit=full_limit)
    print(f"solved medium_n20000 at cap {cap}: {solution.items_traded} items in {solution.seconds:.1f} s")
    rng = random.Random(16)
    next_id = max(data.owner) + 1
    took, rebuilt = [], []
    for k in range(count):
        changed = change(data, rng, k, next_id)
        next_id += 1
        began = time.perf_counter()
        graph = data.graph()
        rebuilt.append(time.perf_counter() - began)
        solution = resolve_after_change(solution, graph, changed, max_length=cap)
        took.append(solution.seconds)
    full = solve(graph, max_length=cap, time_limit=full_limit)
    report_changes(count, cap, took, rebuilt, solution, full)


def report_changes(
    count: int, cap: int, took: list[float], rebuilt: list[float], after: Solution, full: Solution
) -> None:
    """Seconds per change (p50 / p95) and the count after them against a full re-solve."""
    p50, p95 = statistics.quantiles(took, n=100)[49], statistics.quantiles(took, n=100)[94]
    g50, g95 = statistics.quantiles(rebuilt, n=100)[49], statistics.quantiles(rebuilt, n=100)[94]
    row(
        "changes",
        "cap",
        "p50 s",
        "p95 s",
        "graph rebuild p50 / p95 s",
        "after them",
        "full re-solve",
        "ratio",
    )
    row(
        count,
        cap,
        f"{p50:.3f}",
        f"{p95:.3f}",
        f"{g50:.3f} / {g95:.3f}",
        after.items_traded,
        f"{full.items_traded} (bound {full.bound}, optimal: {full.optimal})",
        f"{after.items_traded / max(1, full.items_traded):.4f}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", action="append", choices=CASES, help="run only these (repeatable)")
    parser.add_argument("--time-limit", type=float, help="seconds for each capped solve")
    parser.add_argument(
        "--instances", type=Path, help="a directory of <name>.jsonl (written there if missing)"
    )
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--change-cap", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="souk-matching-") as scratch:
        directory = args.instances or Path(scratch)
        for case in args.case or CASES:
            print(f"\n== {case}", flush=True)
            if case == "uncapped":
                uncapped(directory)
            elif case == "changes":
                changes(directory, args.changes, args.change_cap, args.time_limit)
            else:
                capped(case, directory, args.time_limit)


if __name__ == "__main__":
    main()
