"""The engine's entry point: disjoint cycles that move the most items, with or without a cap.

`max_length=None` is the uncapped optimum (uncapped.py, exact and fast); a cap L keeps every cycle to
L items (2: bilateral swaps only), solved by capped.py within `time_limit` seconds. A FreeMarket graph
goes through parallel.py: capped.py where its cycles are few, else the uncapped optimum cut to the cap.
"""

from __future__ import annotations

import time

from .capped import solve_capped
from .cycle import assign_wants
from .model import ItemGraph, Solution
from .parallel import solve_parallel
from .uncapped import solve_uncapped

DEFAULT_MAX_LENGTH = 10
DEFAULT_TIME_LIMIT_S = 30.0


def solve(
    graph: ItemGraph, max_length: int | None = DEFAULT_MAX_LENGTH, time_limit: float = DEFAULT_TIME_LIMIT_S
) -> Solution:
    """The best disjoint cycles of at most `max_length` items (None: any length)."""
    began = time.monotonic()
    if max_length is None:
        cycles = solve_uncapped(graph)
        traded = sum(len(c) for c in cycles)
        return Solution(tuple(cycles), traded, time.monotonic() - began, True, None)
    if max_length < 2:
        return Solution((), 0, time.monotonic() - began, True, max_length)
    solver = solve_parallel if graph.labelled else solve_capped
    found, bound, optimal = solver(graph, max_length, time_limit)
    cycles = assign_wants(graph, found)
    return Solution(tuple(cycles), bound, time.monotonic() - began, optimal, max_length)
