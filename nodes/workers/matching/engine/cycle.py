"""Cycles of node numbers made into the `Cycle`s that callers read (entry ids, owners, wants)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from .model import NO_WANT, Cycle, ItemGraph


def make_cycle(graph: ItemGraph, nodes: Sequence[int], edges: Sequence[int]) -> Cycle:
    """`nodes` in ring order; `edges[k]` is the CSR position of the edge nodes[k] -> nodes[k + 1]."""
    wants = tuple(None if int(graph.wants[e]) == NO_WANT else int(graph.wants[e]) for e in edges)
    return Cycle(
        items=tuple(graph.items[v] for v in nodes),
        owners=tuple(int(graph.owners[v]) for v in nodes),
        wants=wants,
        fit=float(sum(graph.fit[e] for e in edges)) / len(edges),
    )


def ring_edges(graph: ItemGraph, nodes: Sequence[int]) -> list[int]:
    """The CSR positions of a ring's edges (each must exist)."""
    n = len(nodes)
    return [graph.edge(nodes[k], nodes[(k + 1) % n]) for k in range(n)]


def assign_wants(graph: ItemGraph, cycles: Iterable[Cycle], taken: Iterable[int] = ()) -> list[Cycle]:
    """Cycles whose wants name classes (graph.py) made to name wants: each class's wants are handed
    out in id order, skipping those in `taken` (filled by cycles kept from before)."""
    used = set(taken)
    out = []
    for cycle in cycles:
        wants: list[int | None] = []
        for want in cycle.wants:
            if want is None:
                wants.append(None)
                continue
            free = [w for w in graph.slots(want) if w not in used]
            chosen = free[0] if free else want
            used.add(chosen)
            wants.append(chosen)
        out.append(replace(cycle, wants=tuple(wants)))
    return out


def filled_classes(graph: ItemGraph, cycles: Iterable[Cycle]) -> dict[int, int]:
    """How many wants of each class the cycles fill (class: its lowest want id)."""
    class_of = {w: c for c, members in graph.want_slots.items() for w in members}
    filled: dict[int, int] = {}
    for cycle in cycles:
        for want in cycle.wants:
            if want is not None:
                key = class_of.get(want, want)
                filled[key] = filled.get(key, 0) + 1
    return filled
