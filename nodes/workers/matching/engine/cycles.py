"""Every cycle of at most `max_length` items, found with numpy a block of start nodes at a time.

The graph is first cut into strongly connected components (scipy): a node outside a component of two
or more is on no cycle. Within a component each cycle is listed once, from its lowest node, by
growing all paths of a block of start nodes a level at a time. A path is only extended to a node from
which its start can still be reached within the cap: the bounded BFS distances to the block's starts
(`_distances_to`, sparse products) drop every path that could not close in time, which is what keeps
the number of paths near the number of cycles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from .model import ItemGraph

FAR = np.int8(127)
BLOCK = 256  # start nodes grown together: bounds the paths held at once
MOST_CYCLES = 4_000_000  # about 1 GB with the model built on them (medium_n20000 at cap 10: 3.07 M)
MOST_PATHS = 8_000_000  # open paths of one block at one level
PATHS_PER_CYCLE = 8  # paths of one block at one level, per cycle allowed: a small budget fails fast


class TooManyCycles(Exception):
    """The cycles of this length would not fit in memory: the caller tries a shorter cap."""


@dataclass(frozen=True)
class CyclePool:
    """Cycles by length: `nodes[k]` is an (m, k) array of nodes in ring order, `edges[k]` the (m, k)
    positions of their edges in the graph's CSR arrays (edge t goes from node t to node t + 1)."""

    nodes: dict[int, NDArray[np.int32]]
    edges: dict[int, NDArray[np.int32]]

    @property
    def count(self) -> int:
        return sum(int(a.shape[0]) for a in self.nodes.values())

    def lengths(self) -> list[int]:
        return sorted(k for k, a in self.nodes.items() if a.shape[0])


def adjacency(graph: ItemGraph) -> csr_matrix:
    """The graph as a sparse matrix whose entries are the edges' CSR positions plus one."""
    n = graph.size
    data = np.arange(1, graph.edge_count + 1, dtype=np.int64)
    return csr_matrix((data, graph.targets, graph.indptr), shape=(n, n))


def components(graph: ItemGraph) -> list[NDArray[np.int32]]:
    """The nodes of each strongly connected component with two nodes or more, largest first."""
    if graph.size == 0:
        return []
    _, labels = connected_components(adjacency(graph), directed=True, connection="strong")
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    groups = [g.astype(np.int32) for g in np.split(order, bounds) if g.size > 1]
    return sorted(groups, key=lambda g: -g.size)


def _distances_to(pattern: csr_matrix, starts: NDArray[np.int64], steps: int) -> NDArray[np.int8]:
    """dist[u, b]: the fewest edges from u to starts[b] (FAR beyond `steps`)."""
    m = pattern.shape[0]
    reach = np.zeros((m, starts.size), dtype=np.float32)
    reach[starts, np.arange(starts.size)] = 1.0
    dist = np.full((m, starts.size), FAR, dtype=np.int8)
    dist[starts, np.arange(starts.size)] = 0
    for step in range(1, steps + 1):
        reach = np.minimum(reach + pattern @ reach, 1.0)
        dist[(reach > 0) & (dist == FAR)] = step
    return dist


def _expand(
    indptr: NDArray[np.int64], last: NDArray[np.int32]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For paths ending at `last`: (path of each out-edge, the out-edge's position in the CSR)."""
    degree = indptr[last + 1] - indptr[last]
    total = int(degree.sum())
    owner = np.repeat(np.arange(last.size), degree)
    first = np.cumsum(degree) - degree
    position = np.arange(total, dtype=np.int64) - np.repeat(first - indptr[last], degree)
    return owner, position


def _cycles_in(
    sub: csr_matrix, max_length: int, most: int
) -> dict[int, tuple[list[np.ndarray], list[np.ndarray]]]:
    """The cycles of one component (local node numbers), from their lowest node."""
    indptr = sub.indptr.astype(np.int64)
    local = sub.indices.astype(np.int32)
    edge_of = (sub.data - 1).astype(np.int32)
    pattern = csr_matrix((np.ones(local.size, np.float32), local, indptr), shape=sub.shape)
    m = sub.shape[0]
    found: dict[int, tuple[list[np.ndarray], list[np.ndarray]]] = {}
    total = 0
    for s0 in range(0, m, BLOCK):
        starts = np.arange(s0, min(m, s0 + BLOCK), dtype=np.int64)
        dist = _distances_to(pattern, starts, max_length - 1)
        paths = starts.astype(np.int32)[:, None]
        path_edges = np.zeros((starts.size, 0), dtype=np.int32)
        for k in range(1, max_length + 1):
            if not paths.shape[0]:
                break
            owner, position = _expand(indptr, paths[:, -1])
            nxt = local[position]
            start = paths[owner, 0]
            close = nxt == start
            if k >= 2 and close.any():
                nodes, edges = found.setdefault(k, ([], []))
                nodes.append(paths[owner[close]])
                edges.append(np.hstack([path_edges[owner[close]], edge_of[position[close]][:, None]]))
                total += int(close.sum())
                if total > most:
                    raise TooManyCycles(f"more than {most} cycles of at most {max_length} items")
            if k == max_length:
                break
            keep = (nxt > start) & (dist[nxt, start - s0] <= max_length - k)
            for column in range(1, k):
                keep &= paths[owner, column] != nxt
            if int(keep.sum()) > min(MOST_PATHS, PATHS_PER_CYCLE * most):
                raise TooManyCycles(f"too many paths towards cycles of {max_length} items")
            paths = np.hstack([paths[owner[keep]], nxt[keep][:, None]])
            path_edges = np.hstack([path_edges[owner[keep]], edge_of[position[keep]][:, None]])
    return found


def cycle_pools(
    graph: ItemGraph,
    max_length: int,
    groups: list[NDArray[np.int32]] | None = None,
    most: int | None = None,
) -> list[CyclePool]:
    """Every simple cycle of 2..max_length items in each group of nodes (default: each component).

    Raises TooManyCycles past `most` in all (default MOST_CYCLES)."""
    most = MOST_CYCLES if most is None else most
    matrix = adjacency(graph)
    pools: list[CyclePool] = []
    for group in components(graph) if groups is None else groups:
        group = np.sort(group).astype(np.int32)
        sub = matrix[group][:, group].tocsr()
        found = _cycles_in(sub, max_length, most)
        most -= sum(int(a.shape[0]) for parts, _ in found.values() for a in parts)
        pools.append(
            CyclePool(
                nodes={k: group[np.vstack(parts)] for k, (parts, _) in found.items()},
                edges={k: np.vstack(parts).astype(np.int32) for k, (_, parts) in found.items()},
            )
        )
    return pools


def enumerate_cycles(graph: ItemGraph, max_length: int) -> CyclePool:
    """Every simple cycle of 2..max_length items in the whole graph, as one pool."""
    pools = cycle_pools(graph, max_length)
    lengths = sorted({k for pool in pools for k in pool.nodes})
    return CyclePool(
        nodes={k: np.vstack([p.nodes[k] for p in pools if k in p.nodes]) for k in lengths},
        edges={k: np.vstack([p.edges[k] for p in pools if k in p.edges]) for k in lengths},
    )
