"""Capped rings on FreeMarket graphs, whose parallel offers make the cycles too many to list.

A user with k offers and k wants accepts the same items for each of his offers, so the number of
cycles grows with the product of the choices at each hop. Listing them (cycles.py) is kept for
graphs that have few (`EXACT_CYCLES`, solved to optimality by capped.py). Past that:
1. the uncapped optimum (uncapped.py, an assignment, exact and fast): its count bounds any cap;
2. its rings longer than the cap are cut where two offers can swap what they receive (splitting.py),
   which loses nothing;
3. what is left (the rings still too long, and the offers no ring uses) is solved again as a smaller
   graph: by the uncapped assignment and cutting once more, then by capped.py where its cycles are few
   enough, each round with the wants that the rings found so far fill taken already.
When step 2 keeps every item the answer is optimal.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from .capped import DIRECT_COLUMNS, solve_capped
from .cycle import filled_classes, make_cycle, ring_edges
from .cycles import TooManyCycles, components
from .model import Cycle, ItemGraph
from .splitting import split_rings
from .uncapped import solve_uncapped

log = logging.getLogger(__name__)

EXACT_CYCLES = DIRECT_COLUMNS  # few enough for HiGHS' MIP to prove the optimum
EXACT_EDGES = 50_000  # edges among the offers, past which they are not even tried
REPAIR_CYCLES = 50_000  # the cycles of a batch of leftovers, listed for capped.py when no more than these
REPAIR_BATCH = 16
REPAIR_SHARE = 0.5  # of the time left, for a round's rings still too long
REPAIR_EDGES = 100_000  # edges among the offers left at the end, past which they are not tried


def _rings(graph: ItemGraph, cycles: list[Cycle]) -> list[NDArray[np.int64]]:
    return [np.asarray([graph.index[i] for i in c.items], dtype=np.int64) for c in cycles]


def _cycle(graph: ItemGraph, ring: NDArray[np.int64]) -> Cycle:
    nodes = [int(v) for v in ring]
    return make_cycle(graph, nodes, ring_edges(graph, nodes))


def solve_parallel(
    graph: ItemGraph,
    max_length: int,
    time_limit: float,
    nodes: NDArray[np.int32] | None = None,
    filled: Mapping[int, int] | None = None,
) -> tuple[list[Cycle], int | None, bool]:
    """(cycles, bound, optimal) as capped.solve_capped gives them, for any labelled graph."""
    deadline = time.monotonic() + time_limit
    filled = filled or {}
    if _edges_among(graph, nodes) <= EXACT_EDGES:  # past that, listing to find out costs seconds
        try:
            return solve_capped(graph, max_length, time_limit, nodes, filled, most_cycles=EXACT_CYCLES)
        except TooManyCycles:
            pass
    if nodes is None:
        groups = components(graph)
        nodes = np.sort(np.concatenate(groups)).astype(np.int32) if groups else np.zeros(0, np.int32)
    kept: list[Cycle] = []
    bound: int | None = None
    left = nodes
    while time.monotonic() < deadline:
        taken = Counter(filled) + Counter(filled_classes(graph, kept))
        found = solve_uncapped(graph, nodes=left, filled=taken)
        bound = sum(len(c) for c in found) if bound is None else bound
        short, long = split_rings(graph, _rings(graph, found), max_length)
        more = [_cycle(graph, ring) for ring in short]
        if long:  # solved alone, in a share of the time: the next round's assignment gains more
            until = time.monotonic() + REPAIR_SHARE * (deadline - time.monotonic())
            more.extend(_repair(graph, long, max_length, until, taken + Counter(filled_classes(graph, more))))
        if not more:
            break
        kept.extend(more)
        used = np.zeros(graph.size, dtype=bool)
        used[[graph.index[i] for c in more for i in c.items]] = True
        left = left[~used[left]]
        log.debug("round: %d items, %d offers left", sum(len(c) for c in more), left.size)
    bound = bound or 0
    traded = sum(len(c) for c in kept)
    if traded < bound and time.monotonic() < deadline and _edges_among(graph, left) <= REPAIR_EDGES:
        # the offers no ring uses yet, together, where their cycles are few
        taken = Counter(filled) + Counter(filled_classes(graph, kept))
        try:
            more, _, _ = solve_capped(
                graph, max_length, deadline - time.monotonic(), left, taken, most_cycles=REPAIR_CYCLES
            )
            kept.extend(more)
        except TooManyCycles:
            pass
    return kept, bound, sum(len(c) for c in kept) >= bound


def _edges_among(graph: ItemGraph, nodes: NDArray[np.int32] | None) -> int:
    if nodes is None:
        return graph.edge_count
    inside = np.zeros(graph.size, dtype=bool)
    inside[nodes] = True
    sources = np.repeat(inside, np.diff(graph.indptr))
    return int((sources & inside[graph.targets]).sum())


def _induced(graph: ItemGraph, nodes: NDArray[np.int64]) -> ItemGraph:
    """The graph of `nodes` alone (node k: nodes[k]), edges among them kept in order."""
    local = np.full(graph.size, -1, dtype=np.int64)
    local[nodes] = np.arange(nodes.size)
    source, edges = graph.out_edges(nodes)
    keep = local[graph.targets[edges]] >= 0
    edges, source = edges[keep], source[keep]
    indptr = np.zeros(nodes.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(source, minlength=nodes.size), out=indptr[1:])
    return ItemGraph(
        items=tuple(graph.items[int(v)] for v in nodes),
        owners=graph.owners[nodes],
        indptr=indptr,
        targets=local[graph.targets[edges]].astype(np.int32),
        fit=graph.fit[edges],
        wants=graph.wants[edges],
        want_slots=graph.want_slots,
    )


def _repair(
    graph: ItemGraph, long: list[NDArray[np.int64]], max_length: int, deadline: float, taken: Counter[int]
) -> list[Cycle]:
    """The best rings within the cap among the offers of each ring still too long, `REPAIR_BATCH` rings
    to a model; a batch with too many cycles, each of its rings alone; one with too many, skipped."""
    sub = _induced(graph, np.concatenate(long))
    groups, at = [], 0
    for ring in long:
        groups.append(np.arange(at, at + ring.size, dtype=np.int32))
        at += ring.size
    found: list[Cycle] = []
    batches = [groups[k : k + REPAIR_BATCH] for k in range(0, len(groups), REPAIR_BATCH)]
    for k, batch in enumerate(batches):
        for part in [batch] if len(batch) == 1 else [batch, *([g] for g in batch)]:
            seconds = (deadline - time.monotonic()) / (len(batches) - k)
            if seconds <= 0:
                return found
            try:
                more, _, _ = solve_capped(
                    sub, max_length, seconds, filled=taken, most_cycles=REPAIR_CYCLES, groups=part
                )
            except TooManyCycles:
                continue
            found.extend(more)
            taken = taken + Counter(filled_classes(graph, more))
            if part is batch:
                break
    return found
