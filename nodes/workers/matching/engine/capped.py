"""The best disjoint cycles of at most L items: the cycle formulation, by price-and-branch on HiGHS.

Choices:
- Columns are the cycles of cycles.py (all of them, listed with numpy), one model per strongly
  connected component. Rows: each offer is given at most once, and in a FreeMarket graph each want is
  filled at most once (an edge's want, model.py). A cycle that would fill one want twice is no column.
- The objective is the number of items traded. A component with few cycles (`DIRECT_COLUMNS`) goes
  to HiGHS' MIP whole, which proves its optimum; then, in the time left (`TIE_BREAK_MAX_S` at most),
  a second MIP keeps that count and breaks ties: shorter cycles (the square of a cycle's length) and
  edges of better fit.
- A larger one: column generation on the LP (`CG_SHARE` of the time at most), from the best columns
  alone; the whole pool is priced in numpy against the duals (reduced cost = items - the duals of its
  rows) and the best `ADD_COLUMNS` join, until none prices out. Every round's duals give a bound
  (Lagrangian: the duals times the rows' capacities plus the positive reduced costs), the LP's value
  once none prices out. A dive on the LP (fix the columns above DIVE_FIX or the largest fractional ones, solve again warm, price
  again) gives a first packing. If few columns have a reduced cost above minus the gap (bound -
  packing), the only ones that can be in a better solution, the MIP takes them all and its answer is
  optimal over every cycle. Otherwise the MIP runs on the generated columns for `MIP_SHARE` of the
  time left, and the neighbourhood search (neighbourhood.py) the rest.
- `time_limit` covers the whole solve, shared among the components by their number of cycles; HiGHS
  stops at it with the best solution found so far.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

import highspy
import numpy as np
from numpy.typing import NDArray

from .cycle import make_cycle
from .cycles import CyclePool, TooManyCycles, components, cycle_pools
from .highs import quiet_highs
from .model import NO_WANT, Cycle, ItemGraph
from .neighbourhood import improve

log = logging.getLogger(__name__)

DIRECT_COLUMNS = 20_000
ADD_COLUMNS = 20_000
MOST_MIP_COLUMNS = 30_000
TIE_BREAK_MIN_S = 0.2  # left before the deadline for the tie-break to be tried
TIE_BREAK_MAX_S = 2.0
CG_SHARE = 0.75  # of the time, for column generation at most
DIVE_SHARE = 0.6  # of the time left after it, for the dive
DIVE_FIX = 0.9  # a dive fixes the columns above this, or else the largest tenth of the fractional
MIP_SHARE = 0.3  # of the time left after column generation, for HiGHS' MIP before the neighbourhood search
EPS = 1e-7


@dataclass(frozen=True)
class Columns:
    """A component's cycles as one CSC matrix: column c covers `rows[start[c]:start[c + 1]]`; its
    ring is `pool.nodes[length[c]][at[c]]`."""

    pool: CyclePool
    length: NDArray[np.int64]
    at: NDArray[np.int64]
    start: NDArray[np.int64]
    rows: NDArray[np.int32]
    penalty: NDArray[np.float64]
    row_count: int
    node_rows: int
    row_upper: NDArray[np.float64]  # 1 for an offer; a want class: its wants not filled yet

    @property
    def count(self) -> int:
        return int(self.length.size)

    def covered(self, chosen: NDArray[np.int64]) -> NDArray[np.int32]:
        """The rows of the chosen columns, concatenated."""
        if not chosen.size:
            return np.zeros(0, dtype=np.int32)
        return np.concatenate([self.rows[self.start[c] : self.start[c + 1]] for c in chosen])


@dataclass(frozen=True)
class Part:
    """One component's answer: the chosen columns, and the bound on what any answer could trade."""

    graph: ItemGraph
    columns: Columns
    chosen: NDArray[np.int64]
    bound: int

    @property
    def traded(self) -> int:
        return int(self.columns.length[self.chosen].sum())

    @property
    def optimal(self) -> bool:
        return self.traded >= self.bound

    def cycles(self) -> list[Cycle]:
        pool, length, at = self.columns.pool, self.columns.length, self.columns.at
        return [
            make_cycle(
                self.graph,
                [int(v) for v in pool.nodes[int(length[c])][at[c]]],
                [int(e) for e in pool.edges[int(length[c])][at[c]]],
            )
            for c in self.chosen
        ]


def _columns(graph: ItemGraph, pool: CyclePool, filled: Mapping[int, int]) -> Columns:
    lengths = pool.lengths()
    all_nodes = np.concatenate([pool.nodes[k].ravel() for k in lengths])
    used, node_row = np.unique(all_nodes, return_inverse=True)
    node_rows = int(used.size)
    labelled = graph.labelled
    want_ids = np.zeros(0, np.int64)
    if labelled:  # the classes the pool's cycles fill: other classes would be rows without columns
        labels = np.concatenate([graph.wants[pool.edges[k]].ravel() for k in lengths])
        want_ids = np.unique(labels[labels != NO_WANT])
    capacity = np.asarray(
        [len(graph.slots(int(w))) - filled.get(int(w), 0) for w in want_ids], dtype=np.float64
    )
    parts_rows, parts_len, parts_at, parts_counts, parts_penalty = [], [], [], [], []
    longest = max(lengths)
    offset = 0
    for k in lengths:
        ring = pool.nodes[k]
        m = ring.shape[0]
        rows = node_row[offset : offset + m * k].reshape(m, k).astype(np.int64)
        offset += m * k
        keep = np.ones(m, dtype=bool)
        if labelled:
            labels = graph.wants[pool.edges[k]]
            ordered = np.sort(labels, axis=1)
            keep &= ~((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] != NO_WANT)).any(axis=1)
            full = capacity[np.searchsorted(want_ids, labels).clip(max=max(0, want_ids.size - 1))] <= 0
            keep &= ~(full & (labels != NO_WANT)).any(axis=1)
            want_rows = np.where(labels == NO_WANT, -1, node_rows + np.searchsorted(want_ids, labels))
            rows = np.hstack([rows, want_rows])
        rows = rows[keep]
        valid = rows >= 0
        parts_rows.append(rows[valid])
        parts_counts.append(valid.sum(axis=1))
        parts_len.append(np.full(int(keep.sum()), k, dtype=np.int64))
        parts_at.append(np.flatnonzero(keep))
        misfit = (1.0 - graph.fit[pool.edges[k][keep]]).sum(axis=1)
        parts_penalty.append(0.2 * k * k / (node_rows * longest) + 0.2 * misfit / node_rows)
    counts = np.concatenate(parts_counts)
    start = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    return Columns(
        pool=pool,
        length=np.concatenate(parts_len),
        at=np.concatenate(parts_at),
        start=start,
        rows=np.concatenate(parts_rows).astype(np.int32),
        penalty=np.concatenate(parts_penalty),
        row_count=node_rows + int(want_ids.size),
        node_rows=node_rows,
        row_upper=np.concatenate([np.ones(node_rows), np.maximum(capacity, 0.0)]),
    )


def _greedy(columns: Columns, order: NDArray[np.int64]) -> NDArray[np.int64]:
    """Disjoint columns taken in `order` while they fit."""
    left = columns.row_upper.copy()
    chosen = []
    for c in order:
        rows = columns.rows[columns.start[c] : columns.start[c + 1]]
        if (left[rows] >= 1).all():
            left[rows] -= 1
            chosen.append(int(c))
    return np.asarray(chosen, dtype=np.int64)


class _Model:
    """A HiGHS model over a growing subset of a component's columns."""

    def __init__(self, columns: Columns) -> None:
        self.columns = columns
        self.highs = quiet_highs()
        self.highs.setOptionValue("presolve", "off")  # costs seconds on these models and gains nothing
        n = columns.row_count
        empty = np.zeros(0, dtype=np.int32)
        self.highs.addRows(n, np.full(n, -highspy.kHighsInf), columns.row_upper, 0, empty, empty, np.zeros(0))
        self.highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.in_model: list[int] = []
        self.member = np.zeros(columns.count, dtype=bool)

    def add(self, chosen: NDArray[np.int64], cost: NDArray[np.float64]) -> None:
        chosen = chosen[~self.member[chosen]]
        if not chosen.size:
            return
        cols = self.columns
        sizes = cols.start[chosen + 1] - cols.start[chosen]
        starts = np.zeros(chosen.size, dtype=np.int32)
        np.cumsum(sizes[:-1], out=starts[1:])
        index = cols.covered(chosen)
        self.highs.addCols(
            int(chosen.size),
            cost[chosen],
            np.zeros(chosen.size),
            np.ones(chosen.size),
            int(index.size),
            starts,
            index,
            np.ones(index.size),
        )
        self.member[chosen] = True
        self.in_model.extend(int(c) for c in chosen)

    def run(self, seconds: float) -> None:
        # HiGHS' time limit counts the instance's run time so far, all runs together
        self.highs.setOptionValue("time_limit", self.highs.getRunTime() + max(0.05, seconds))
        self.highs.run()

    def values(self) -> NDArray[np.float64]:
        return np.asarray(self.highs.getSolution().col_value, dtype=np.float64)

    def integral(self) -> None:
        n = len(self.in_model)
        self.highs.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.ones(n, dtype=np.uint8))

    def start(self, chosen: NDArray[np.int64]) -> None:
        """Hand HiGHS a known solution (columns of the pool, all in the model)."""
        if chosen.size:
            where = {c: i for i, c in enumerate(self.in_model)}
            index = np.asarray([where[int(c)] for c in chosen], dtype=np.int32)
            self.highs.setSolution(int(index.size), index, np.ones(index.size))

    def picked(self, fallback: NDArray[np.int64]) -> NDArray[np.int64]:
        """The columns at 1 in HiGHS' solution, or `fallback` when it has none."""
        if not self.highs.getSolution().value_valid:
            return fallback
        values = self.values()
        return np.asarray([c for c, v in zip(self.in_model, values, strict=True) if v > 0.5], dtype=np.int64)


def _reduced_costs(columns: Columns, duals: NDArray[np.float64]) -> NDArray[np.float64]:
    summed = np.add.reduceat(duals[columns.rows], columns.start[:-1]) if columns.rows.size else np.zeros(0)
    return columns.length - summed


def _solve_component(graph: ItemGraph, pool: CyclePool, deadline: float, filled: Mapping[int, int]) -> Part:
    columns = _columns(graph, pool, filled)
    if not columns.count:
        return Part(graph, columns, np.zeros(0, dtype=np.int64), 0)
    if columns.count <= DIRECT_COLUMNS:
        everything = np.arange(columns.count, dtype=np.int64)
        return _finish(graph, columns, everything, None, deadline, complete=True, tie_break=True)
    bound, generated, reduced, start = _generate(columns, deadline)
    log.debug(
        "dive: %d items, LP bound %s, %.1f s left",
        columns.length[start].sum(),
        bound,
        deadline - time.monotonic(),
    )
    if bound is None:
        return _finish(graph, columns, generated, None, deadline, complete=False, start=start)
    ceiling = math.floor(bound + EPS)
    gap = ceiling - int(columns.length[start].sum())
    # only a column whose reduced cost is above -gap can be in a better solution than the start
    near = np.flatnonzero(reduced >= -gap - EPS)
    if gap <= 0 or near.size <= MOST_MIP_COLUMNS:
        chosen = np.union1d(near, start)
        return _finish(graph, columns, chosen, bound, deadline, complete=True, start=start)
    share = time.monotonic() + MIP_SHARE * (deadline - time.monotonic())
    part = _finish(graph, columns, np.union1d(generated, start), bound, share, complete=False, start=start)
    if columns.row_count > columns.node_rows:
        return part  # the neighbourhood search knows rows of one unit only
    log.debug("MIP: %d items, %.1f s left", part.traded, deadline - time.monotonic())
    better = improve(columns, part.chosen, ceiling, deadline)
    return Part(graph, columns, better, part.bound)


def _generate(
    columns: Columns, deadline: float
) -> tuple[float | None, NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """Column generation for `CG_SHARE` of the time: (a bound, the generated columns, the reduced costs
    of all at the last duals, a packing found by diving on the LP).

    Any duals give a bound (Lagrangian: the duals times the rows' capacities, plus every positive
    reduced cost); when no column prices out it is the LP's value."""
    until = time.monotonic() + CG_SHARE * (deadline - time.monotonic())
    lp = _Model(columns)
    lp.highs.setOptionValue("solver", "ipm")  # faster than simplex on the growing LP
    lp.add(_best(columns.length - columns.penalty), _counts(columns))  # any start will do: 0 is feasible
    bound: float | None = None
    at_bound = np.zeros(columns.count)  # the reduced costs at the duals that gave the bound
    while time.monotonic() < until:
        lp.run(until - time.monotonic())
        if lp.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        duals = np.maximum(np.asarray(lp.highs.getSolution().row_dual, dtype=np.float64), 0.0)
        reduced = _reduced_costs(columns, duals)
        lagrangian = float(duals @ columns.row_upper + np.maximum(reduced, 0.0).sum())
        if bound is None or lagrangian < bound:
            bound, at_bound = lagrangian, reduced
        log.debug(
            "LP over %d of %d columns: %.1f (bound %.1f), %.1f s left",
            len(lp.in_model),
            columns.count,
            lp.highs.getInfo().objective_function_value,
            bound,
            deadline - time.monotonic(),
        )
        best = _best(np.where(lp.member, -np.inf, reduced))
        if not best.size:
            break
        lp.add(best, _counts(columns))
    generated = np.asarray(lp.in_model, dtype=np.int64)
    if lp.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        lp.highs.setOptionValue("solver", "simplex")
        lp.run(0.25 * (deadline - time.monotonic()))  # the last columns' LP, for the dive to start from
    dive_until = time.monotonic() + DIVE_SHARE * (deadline - time.monotonic())
    return bound, generated, at_bound, _dive(lp, dive_until)


def _counts(columns: Columns) -> NDArray[np.float64]:
    return columns.length.astype(np.float64)


def _best(reduced: NDArray[np.float64]) -> NDArray[np.int64]:
    """The columns that price out best, at most ADD_COLUMNS."""
    if reduced.size > ADD_COLUMNS:
        best = np.argpartition(-reduced, ADD_COLUMNS)[:ADD_COLUMNS]
    else:
        best = np.arange(reduced.size)
    return best[reduced[best] > EPS]


def _dive(lp: _Model, deadline: float) -> NDArray[np.int64]:
    """An LP-guided packing with columns priced as it goes: fix every column above DIVE_FIX, or else
    the largest tenth of the fractional ones (disjoint), solve the LP again (warm) and price the pool
    against its duals (leaving out cycles through fixed ones), until the LP is integral."""
    columns = lp.columns
    lp.highs.setOptionValue("solver", "simplex")
    blocked = np.zeros(columns.row_count, dtype=bool)
    values = lp.values()
    while time.monotonic() < deadline:
        fractional = (values > EPS) & (values < 1 - 1e-6)
        if not fractional.any():
            break
        in_model = np.asarray(lp.in_model, dtype=np.int64)
        open_ = ~blocked[columns.rows[columns.start[in_model]]]  # not fixed already
        fix = (values > DIVE_FIX) & open_
        if not fix.any():  # the largest tenth of the fractional ones, disjoint
            ranked = np.flatnonzero(fractional & open_)
            ranked = ranked[np.argsort(-values[ranked], kind="stable")][: max(1, ranked.size // 10)]
            taken = _greedy(columns, in_model[ranked])
            fix[np.flatnonzero(np.isin(in_model, taken))] = True
        index = np.flatnonzero(fix).astype(np.int32)
        lp.highs.changeColsBounds(int(index.size), index, np.ones(index.size), np.ones(index.size))
        blocked[columns.covered(in_model[index])] = True
        while time.monotonic() < deadline:
            lp.run(deadline - time.monotonic())
            if lp.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                break
            reduced = _reduced_costs(columns, np.asarray(lp.highs.getSolution().row_dual, dtype=np.float64))
            touches = np.add.reduceat(blocked[columns.rows].astype(np.int8), columns.start[:-1]) > 0
            best = _best(np.where(lp.member | touches, -np.inf, reduced))
            if not best.size:
                break
            lp.add(best, _counts(columns))
        if lp.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        values = lp.values()
    in_model = np.asarray(lp.in_model, dtype=np.int64)
    order = np.argsort(-values, kind="stable")
    return _greedy(columns, in_model[order[values[order] > 0.5]])


def _finish(
    graph: ItemGraph,
    columns: Columns,
    chosen: NDArray[np.int64],
    lp_bound: float | None,
    deadline: float,
    complete: bool,
    start: NDArray[np.int64] | None = None,
    tie_break: bool = False,
) -> Part:
    """The MIP over `chosen` (`complete`: no other column can improve on its optimum), then, with
    `tie_break` and time left, the same count with the least tie-break penalty."""
    mip = _Model(columns)
    mip.add(chosen, columns.length.astype(np.float64))
    mip.integral()
    mip.highs.setOptionValue("mip_rel_gap", 0.0)
    mip.highs.setOptionValue("mip_abs_gap", 1.0 - EPS)  # the count is an integer
    if start is None:
        start = _greedy(columns, chosen[np.argsort(columns.penalty[chosen] / columns.length[chosen])])
    mip.start(start)
    mip.run(deadline - time.monotonic())
    picked = mip.picked(start)
    traded = int(columns.length[picked].sum())
    bounds = [math.floor(lp_bound + EPS)] if lp_bound is not None else []
    if complete:
        dual = mip.highs.getInfo().mip_dual_bound
        if mip.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            bounds.append(traded)
        elif math.isfinite(dual):
            bounds.append(math.floor(dual + EPS))
    bound = max(traded, min(bounds) if bounds else columns.node_rows)
    if tie_break and time.monotonic() < deadline - TIE_BREAK_MIN_S and picked.size:
        picked = _tie_break(mip, columns, picked, traded, deadline)
    return Part(graph, columns, picked, bound)


def _tie_break(
    mip: _Model, columns: Columns, picked: NDArray[np.int64], traded: int, deadline: float
) -> NDArray[np.int64]:
    """Among solutions trading `traded` items, the one with the least penalty found in the time left."""
    chosen = np.asarray(mip.in_model, dtype=np.int64)
    mip.highs.changeColsCost(
        int(chosen.size), np.arange(chosen.size, dtype=np.int32), -columns.penalty[chosen]
    )
    n = int(chosen.size)
    mip.highs.addRow(
        float(traded),
        highspy.kHighsInf,
        n,
        np.arange(n, dtype=np.int32),
        columns.length[chosen].astype(np.float64),
    )
    mip.highs.setOptionValue("mip_abs_gap", 0.0)
    mip.highs.setOptionValue("mip_rel_gap", 1e-4)
    mip.start(picked)
    mip.run(min(deadline - time.monotonic(), TIE_BREAK_MAX_S))
    better = mip.picked(picked)
    return better if int(columns.length[better].sum()) >= traded else picked


def solve_capped(
    graph: ItemGraph,
    max_length: int,
    time_limit: float,
    nodes: NDArray[np.int32] | None = None,
    filled: Mapping[int, int] | None = None,
    most_cycles: int | None = None,
    groups: list[NDArray[np.int32]] | None = None,
) -> tuple[list[Cycle], int | None, bool]:
    """(cycles, bound, optimal) for cycles of at most `max_length` items among `nodes` (default all;
    or within each of `groups`, disjoint);
    `filled` says how many wants of a class (graph.py) are taken already. The cycles' wants name
    classes; `assign_wants` turns them into wants.

    Where the cycles of that length would not fit in memory (cycles.MOST_CYCLES), the longest cap that
    fits is solved instead, and no bound is given (None). With `most_cycles`, more cycles than that
    raise TooManyCycles instead."""
    deadline = time.monotonic() + time_limit
    if groups is None:
        groups = components(graph) if nodes is None else [np.sort(nodes).astype(np.int32)]
    cap = max_length
    while True:
        try:
            pools = [pool for pool in cycle_pools(graph, cap, groups, most_cycles) if pool.count]
            break
        except TooManyCycles as too_many:
            if most_cycles is not None:
                raise
            log.warning("%s: solving with cycles of at most %d items", too_many, cap - 1)
            cap -= 1
    total = sum(pool.count for pool in pools)
    cycles: list[Cycle] = []
    bound, optimal = 0, True
    for pool in sorted(pools, key=lambda p: p.count):
        share = max(0.0, deadline - time.monotonic()) * pool.count / total
        total -= pool.count
        part = _solve_component(graph, pool, time.monotonic() + share, filled or {})
        cycles.extend(part.cycles())
        bound += part.bound
        optimal &= part.optimal
    if cap < max_length:
        return cycles, None, False
    return cycles, bound, optimal
