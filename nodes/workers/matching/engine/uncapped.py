"""The most items that can change hands in disjoint cycles of any length: an assignment problem.

Each offer is assigned the item its owner receives for it, or itself (it stays). scipy's
`min_weight_full_bipartite_matching` (LAPJVsp) on a sparse matrix solves it exactly: an accepted item
costs 1, keeping one's own 2, so the cheapest assignment trades the most items. Among equal counts it
takes the better fits: costs are integers, an accepted item costs `scale` plus its misfit in
`fit_levels` steps (default 1: an edge in the worse half of its fits costs one more), keeping one's own
`2 * scale`, with the scale above `fit_levels` times the nodes, so that misfits never outweigh an item.
Integers keep LAPJVsp fast (tiny fractions slow it down many times); each level costs time too: on
dense_n20000 0.3 s without levels, 0.8 s with one, 1.7 s with ten.

Only strongly connected components of two or more take part: an item outside them is on no cycle.

In a FreeMarket graph each want must be filled once, so the assignment runs on a graph with the wants
as nodes as well (offer -> a want of its owner -> an offer that fills it): a want node, like an offer
node, is assigned once, and the ring offer, want, offer, want, ... is the exchange.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from .cycle import make_cycle, ring_edges
from .cycles import components
from .model import NO_WANT, Cycle, ItemGraph


def _assign(
    sources: NDArray[np.int64], targets: NDArray[np.int64], misfit: NDArray[np.float64], n: int, levels: int
) -> NDArray[np.int64]:
    """successor[v] for the cheapest cycle cover of n nodes with self-loops (successor v: v stays)."""
    scale = levels * n + 1.0
    rows = np.concatenate([sources, np.arange(n)])
    cols = np.concatenate([targets, np.arange(n)])
    cost = np.concatenate([scale + np.rint(misfit * levels), np.full(n, 2.0 * scale)])
    matrix = csr_matrix((cost, (rows, cols)), shape=(n, n))
    _, successor = min_weight_full_bipartite_matching(matrix)
    return np.asarray(successor, dtype=np.int64)


def _rings(successor: NDArray[np.int64]) -> list[list[int]]:
    seen = successor == np.arange(successor.size)
    rings = []
    for v in range(successor.size):
        if seen[v]:
            continue
        ring = []
        while not seen[v]:
            seen[v] = True
            ring.append(v)
            v = int(successor[v])
        rings.append(ring)
    return rings


def _item_cycles(graph: ItemGraph, nodes: NDArray[np.int32], levels: int) -> list[Cycle]:
    sub_index = np.full(graph.size, -1, dtype=np.int64)
    sub_index[nodes] = np.arange(nodes.size)
    sources = np.repeat(np.arange(graph.size), np.diff(graph.indptr))
    inside = (sub_index[sources] >= 0) & (sub_index[graph.targets] >= 0)
    positions = np.flatnonzero(inside)
    successor = _assign(
        sub_index[sources[positions]],
        sub_index[graph.targets[positions]],
        1.0 - graph.fit[positions],
        nodes.size,
        levels,
    )
    cycles = []
    for ring in _rings(successor):
        ring_nodes = [int(nodes[v]) for v in ring]
        cycles.append(make_cycle(graph, ring_nodes, ring_edges(graph, ring_nodes)))
    return cycles


def _want_cycles(
    graph: ItemGraph, nodes: NDArray[np.int32], levels: int, filled: Mapping[int, int]
) -> list[Cycle]:
    """Offers and wants as nodes: offer i -> want w (of i's owner) -> offer j (filling w). An edge
    naming a want class (graph.py) stands for each of the class's wants not `filled` already."""
    inside = np.zeros(graph.size, dtype=bool)
    inside[nodes] = True
    owner, edges = graph.out_edges(nodes.astype(np.int64))
    keep = inside[graph.targets[edges]] & (graph.wants[edges] != NO_WANT)
    edges = edges[keep]
    src, dst = nodes[owner[keep]].astype(np.int64), graph.targets[edges].astype(np.int64)
    misfit = 1.0 - graph.fit[edges]
    if not src.size:
        return []
    classes, class_index = np.unique(graph.wants[edges], return_inverse=True)
    members = [graph.slots(int(c))[filled.get(int(c), 0) :] for c in classes]
    want_ids = np.asarray([w for group in members for w in group], dtype=np.int64)
    first = np.zeros(len(members) + 1, dtype=np.int64)
    np.cumsum([len(group) for group in members], out=first[1:])
    copies = np.diff(first)[class_index]  # each edge once per want of its class
    edge = np.repeat(np.arange(src.size), copies)
    want_node = (
        graph.size
        + np.repeat(first[class_index], copies)
        + (np.arange(edge.size) - np.repeat(np.cumsum(copies) - copies, copies))
    )
    n = graph.size + want_ids.size
    # pairs as one int64 each: np.unique on them is many times faster than on columns (axis=1)
    give = np.unique(src[edge] * n + want_node)  # offer -> want of its owner
    fill, at = np.unique(want_node * n + dst[edge], return_index=True)  # want -> offer
    successor = _assign(
        np.concatenate([give // n, fill // n]),
        np.concatenate([give % n, fill % n]),
        np.concatenate([np.zeros(give.size), misfit[edge[at]]]),
        n,
        levels,
    )
    cycles = []
    for ring in _rings(successor):
        start = next(k for k, v in enumerate(ring) if v < graph.size)
        ring = ring[start:] + ring[:start]
        offers, wants = ring[0::2], ring[1::2]
        cycle = make_cycle(graph, offers, ring_edges(graph, offers))
        cycles.append(
            Cycle(cycle.items, cycle.owners, tuple(int(want_ids[w - graph.size]) for w in wants), cycle.fit)
        )
    return cycles


def solve_uncapped(
    graph: ItemGraph,
    fit_levels: int = 1,
    nodes: NDArray[np.int32] | None = None,
    filled: Mapping[int, int] | None = None,
) -> list[Cycle]:
    """The most items traded in disjoint cycles of any length (exact); `fit_levels` 0 ignores fit.
    Among `nodes` only (default all), with the wants of a class that `filled` counts taken already."""
    if nodes is None:
        groups = components(graph)
        if not groups:
            return []
        nodes = np.sort(np.concatenate(groups)).astype(np.int32)
    if graph.labelled:
        return _want_cycles(graph, nodes, fit_levels, filled or {})
    return _item_cycles(graph, nodes, fit_levels)
