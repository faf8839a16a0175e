"""After a listing change, solve again only where the change reaches, and keep every other cycle.

`resolve_after_change(previous, graph, changed_ids, max_length)`:
- `graph` is the item graph after the change; `changed_ids` are the entry ids that were added, removed
  or changed (offers, and in FreeMarket graphs wants too).
- A previous cycle is kept when none of its items or wants changed and all its edges are still in the
  graph (with the same want). The others are dropped.
- The region to solve again: the changed offers (and the offers of a changed want's owner), the items
  of the dropped cycles, and what lies within `max_length - 1` steps of them, forwards and backwards,
  among the offers no kept cycle uses (at most `MOST_REGION` offers, nearest first). A cycle through
  the change lies wholly in that region; only cycles that would also move an old cycle's items are
  not looked for, which costs little (the benchmark compares the count with a full re-solve).
- The region is solved by the capped solver (with its own short time limit), with the wants that
  kept cycles fill taken already, and its cycles join the kept ones. The bound of the answer is not known (None).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from .capped import solve_capped
from .cycle import assign_wants, filled_classes
from .cycles import adjacency
from .model import NO_WANT, Cycle, ItemGraph, Solution, spans
from .parallel import solve_parallel

MOST_REGION = 3000
DEFAULT_TIME_LIMIT_S = 0.5


def _still_there(graph: ItemGraph, cycle: Cycle, changed: set[int]) -> bool:
    if changed.intersection(cycle.items) or changed.intersection(w for w in cycle.wants if w is not None):
        return False
    nodes = [graph.index.get(item) for item in cycle.items]
    if any(node is None for node in nodes):
        return False
    n = len(nodes)
    for k in range(n):
        edge = graph.edge(nodes[k], nodes[(k + 1) % n])  # type: ignore[arg-type]
        want = cycle.wants[k]
        if edge < 0 or (want is not None and want not in graph.slots(int(graph.wants[edge]))):
            return False
    return True


def _reach(
    graph: ItemGraph, seeds: NDArray[np.int64], free: NDArray[np.bool_], steps: int
) -> NDArray[np.int64]:
    """Free nodes within `steps` of the seeds both ways, nearest first, at most MOST_REGION."""
    backwards = adjacency(graph).T.tocsr()  # scipy's transpose: a counting sort, in C
    back_ptr, back = backwards.indptr.astype(np.int64), backwards.indices
    seen = np.zeros(graph.size, dtype=bool)
    frontier = seeds[free[seeds]]
    seen[frontier] = True
    region = [frontier]
    total = frontier.size
    for _ in range(steps):
        if not frontier.size or total >= MOST_REGION:
            break
        ahead = graph.targets[graph.out_edges(frontier)[1]]
        behind = back[spans(back_ptr, frontier)[1]]
        step = np.unique(np.concatenate([ahead, behind]).astype(np.int64))
        step = step[free[step] & ~seen[step]]
        seen[step] = True
        region.append(step)
        total += step.size
        frontier = step
    return np.concatenate(region)[:MOST_REGION]


def resolve_after_change(
    previous: Solution,
    graph: ItemGraph,
    changed_ids: Iterable[int],
    max_length: int,
    time_limit: float = DEFAULT_TIME_LIMIT_S,
) -> Solution:
    """The previous solution, kept where the change does not reach and solved again where it does."""
    began = time.monotonic()
    changed = set(changed_ids)
    keep = [_still_there(graph, cycle, changed) for cycle in previous.cycles]
    kept = [cycle for cycle, ok in zip(previous.cycles, keep, strict=True) if ok]
    dropped = [cycle for cycle, ok in zip(previous.cycles, keep, strict=True) if not ok]
    free = np.ones(graph.size, dtype=bool)
    for cycle in kept:
        free[[graph.index[item] for item in cycle.items]] = False
    seeds = {graph.index[i] for i in changed if i in graph.index}
    seeds.update(graph.index[i] for cycle in dropped for i in cycle.items if i in graph.index)
    class_of = {w: c for c, members in graph.want_slots.items() for w in members}
    wants = [class_of.get(w, w) for w in changed.difference(graph.index)]
    if wants and graph.labelled:
        sources = np.repeat(np.arange(graph.size), np.diff(graph.indptr))
        touched = np.isin(graph.wants, wants) & (graph.wants != NO_WANT)
        owners = np.unique(graph.owners[sources[touched]])
        seeds.update(int(v) for v in np.flatnonzero(np.isin(graph.owners, owners)))
    cycles = list(kept)
    if seeds:
        region = _reach(graph, np.asarray(sorted(seeds), dtype=np.int64), free, max_length - 1)
        if region.size > 1:
            filled = filled_classes(graph, kept)
            nodes = region.astype(np.int32)
            solver = solve_parallel if graph.labelled else solve_capped
            found, _, _ = solver(graph, max_length, time_limit, nodes=nodes, filled=filled)
            taken = [w for cycle in kept for w in cycle.wants if w is not None]
            cycles.extend(assign_wants(graph, found, taken))
    return Solution(tuple(cycles), None, time.monotonic() - began, False, max_length)
