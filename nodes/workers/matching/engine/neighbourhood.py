"""Large-neighbourhood search over a pool of cycles: free a region, solve it exactly, keep what is better.

A start's cycles are good in most places and poor in a few; the LP bound says how many items are
missing, not where. Each round picks an offer that no chosen cycle gives (a place where items are
missing), frees the chosen cycles near it (those sharing a node with cycles through it, a step or two
out, `REGION_ROWS` rows at most), and gives HiGHS every pool cycle that lies wholly in the freed rows
and the unused ones. The sub-problem is small and solved to optimality in well under a second; a
better answer replaces the freed cycles. Rounds go on until the deadline or the bound.
"""

from __future__ import annotations

import time
from typing import Protocol

import highspy
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

from .highs import quiet_highs

REGION_ROWS = 400
SUB_TIME_S = 2.0


class PackingColumns(Protocol):
    """What the search needs of a pool: column c covers `rows[start[c]:start[c + 1]]`, trades
    `length[c]` items."""

    @property
    def length(self) -> NDArray[np.int64]: ...
    @property
    def start(self) -> NDArray[np.int64]: ...
    @property
    def rows(self) -> NDArray[np.int32]: ...
    @property
    def row_count(self) -> int: ...


def _by_row(columns: PackingColumns) -> csr_matrix:
    """Rows to the columns that cover them."""
    count = columns.length.size
    owner = np.repeat(np.arange(count, dtype=np.int32), np.diff(columns.start))
    data = np.ones(owner.size, dtype=np.int8)
    return csr_matrix((data, (columns.rows, owner)), shape=(columns.row_count, count))


def _solve_region(
    columns: PackingColumns, candidates: NDArray[np.int64], seconds: float
) -> NDArray[np.int64]:
    highs = quiet_highs()
    highs.setOptionValue("time_limit", max(0.05, seconds))
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", 1.0 - 1e-7)
    used, local = np.unique(
        np.concatenate([columns.rows[columns.start[c] : columns.start[c + 1]] for c in candidates]),
        return_inverse=True,
    )
    n = used.size
    empty = np.zeros(0, dtype=np.int32)
    highs.addRows(n, np.full(n, -highspy.kHighsInf), np.ones(n), 0, empty, empty, np.zeros(0))
    sizes = columns.start[candidates + 1] - columns.start[candidates]
    starts = np.zeros(candidates.size, dtype=np.int32)
    np.cumsum(sizes[:-1], out=starts[1:])
    highs.addCols(
        int(candidates.size),
        columns.length[candidates].astype(np.float64),
        np.zeros(candidates.size),
        np.ones(candidates.size),
        int(local.size),
        starts,
        local.astype(np.int32),
        np.ones(local.size),
    )
    highs.changeColsIntegrality(
        int(candidates.size), np.arange(candidates.size, dtype=np.int32), np.ones(candidates.size, np.uint8)
    )
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    highs.run()
    if not highs.getSolution().value_valid:
        return np.zeros(0, dtype=np.int64)
    values = np.asarray(highs.getSolution().col_value)
    return candidates[values > 0.5]


def improve(
    columns: PackingColumns, chosen: NDArray[np.int64], bound: int, deadline: float, seed: int = 0
) -> NDArray[np.int64]:
    """A packing at least as good as `chosen`, better where the time allows."""
    rng = np.random.default_rng(seed)
    by_row = _by_row(columns)
    holder = np.full(columns.row_count, -1, dtype=np.int64)  # row -> the chosen column covering it
    for c in chosen:
        holder[columns.rows[columns.start[c] : columns.start[c + 1]]] = c
    traded = int(columns.length[chosen].sum())
    useful = np.flatnonzero(np.diff(by_row.indptr) > 0)
    while traded < bound and time.monotonic() < deadline - 0.05:
        free_rows = useful[holder[useful] < 0]
        seed_row = int(rng.choice(free_rows if free_rows.size else useful))
        region = np.zeros(columns.row_count, dtype=bool)
        region[seed_row] = True
        size, queue = 1, [seed_row]
        while size < REGION_ROWS and queue:
            row = queue.pop(0)
            near = by_row.indices[by_row.indptr[row] : by_row.indptr[row + 1]]
            for c in rng.permutation(near)[:8]:
                rows = columns.rows[columns.start[c] : columns.start[c + 1]]
                new = rows[~region[rows]]
                region[new] = True
                size += new.size
                queue.extend(int(r) for r in new)
        freed = np.unique(holder[region & (holder >= 0)])
        for c in freed:
            region[columns.rows[columns.start[c] : columns.start[c + 1]]] = True
        inside = np.add.reduceat((~region[columns.rows]).astype(np.int8), columns.start[:-1]) == 0
        candidates = np.flatnonzero(inside)
        before = int(columns.length[freed].sum())
        if candidates.size == 0:
            continue
        found = _solve_region(columns, candidates, min(SUB_TIME_S, deadline - time.monotonic()))
        gain = int(columns.length[found].sum()) - before
        if gain > 0 or (gain == 0 and found.size and rng.random() < 0.5):
            holder[np.isin(holder, freed)] = -1
            for c in found:
                holder[columns.rows[columns.start[c] : columns.start[c + 1]]] = c
            traded += gain
    return np.unique(holder[holder >= 0])
