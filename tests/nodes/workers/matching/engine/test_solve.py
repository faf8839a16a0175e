"""The solvers on small graphs whose answer is known, and on the benchmark's n=1000 instances."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nodes.workers.matching.engine import (
    Entry,
    ItemGraph,
    MatchRules,
    Side,
    Solution,
    build_graph,
    capped,
    graph_from_wants,
    solve,
)


def valid(graph: ItemGraph, solution: Solution, cap: int | None) -> None:
    """Disjoint cycles along edges of the graph, none longer than the cap."""
    items = [item for cycle in solution.cycles for item in cycle.items]
    assert len(items) == len(set(items))
    for cycle in solution.cycles:
        assert cap is None or len(cycle) <= cap
        nodes = [graph.index[item] for item in cycle.items]
        for k, node in enumerate(nodes):
            assert nodes[(k + 1) % len(nodes)] in graph.successors(node)
            assert cycle.owners[k] == graph.owners[node]


def test_a_swap_a_ring_and_the_cap() -> None:
    # items 0,1: a swap between users 0 and 1; items 2,3,4: a ring of users 2 -> 3 -> 4
    graph = graph_from_wants([0, 1, 2, 3, 4], [[1], [0], [3], [4], [2]], [10, 11, 12, 13, 14])
    for cap in (None, 3, 10):
        solution = solve(graph, max_length=cap)
        valid(graph, solution, cap)
        assert solution.items_traded == 5 and solution.optimal
        assert sorted(sorted(c.items) for c in solution.cycles) == [[10, 11], [12, 13, 14]]
    swaps_only = solve(graph, max_length=2)
    assert swaps_only.items_traded == 2 and swaps_only.bound == 2 and swaps_only.optimal
    ring = next(c for c in solve(graph, max_length=3).cycles if len(c) == 3)
    # the owner of item k receives item k + 1: user 2 gives item 12 to user 4 and receives 13 from 3
    assert sorted(ring.transfers()) == [(2, 4, 12), (3, 2, 13), (4, 3, 14)]
    assert solve(graph, max_length=1).items_traded == 0


def test_equal_counts_prefer_shorter_cycles() -> None:
    # users 0..3; the four items can go round in one ring of 4 or as two swaps (0<->1, 2<->3)
    graph = graph_from_wants([0, 1, 2, 3], [[1], [2, 0], [3], [0, 2]])
    solution = solve(graph, max_length=4)
    assert solution.items_traded == 4
    assert sorted(len(c) for c in solution.cycles) == [2, 2]


def entry(id: int, owner: int, side: Side, name: str, value: int = 10_000) -> Entry:
    return Entry(
        id=id, owner=owner, side=side, exchange_type="PERMANENT", category=None, name=name, value=value
    )


def test_a_want_is_filled_once_however_many_offers_its_owner_gives() -> None:
    # Alice offers a drill and a saw and wants one bicycle; Bob and Carol each offer a bicycle, and
    # want the drill and the saw. Without the rule Alice would receive two bicycles.
    entries = [
        entry(1, 100, Side.OFFER, "Дрель"),
        entry(2, 100, Side.OFFER, "Пила"),
        entry(3, 100, Side.WANT, "велосипед"),
        entry(4, 200, Side.OFFER, "Велосипед горный"),
        entry(5, 200, Side.WANT, "дрель"),
        entry(6, 300, Side.OFFER, "Велосипед детский"),
        entry(7, 300, Side.WANT, "пила"),
    ]
    graph = build_graph(entries, MatchRules())
    assert graph.labelled
    for cap in (None, 2, 10):
        solution = solve(graph, max_length=cap)
        valid(graph, solution, cap)
        assert solution.items_traded == 2, cap
        (cycle,) = solution.cycles
        alice = cycle.owners.index(100)
        assert cycle.wants[alice] == 3  # the bicycle fills her want 3, once
    # a second want of hers lets both rings go
    graph = build_graph([*entries, entry(8, 100, Side.WANT, "Велосипеды")], MatchRules())
    for cap in (None, 2):
        solution = solve(graph, max_length=cap)
        assert solution.items_traded == 4
        assert sorted(
            w for c in solution.cycles for o, w in zip(c.owners, c.wants) if o == 100 and w is not None
        ) == [3, 8]


def test_the_graph_of_entries_links_each_offer_to_what_its_owner_wants() -> None:
    entries = [
        entry(1, 100, Side.OFFER, "Учебник по JavaScript"),
        entry(2, 100, Side.WANT, "учебники по Python"),
        entry(3, 200, Side.OFFER, "Учебник Python", value=14_000),
        entry(4, 200, Side.WANT, "учебник javascript"),
        entry(5, 300, Side.OFFER, "Python учебник для детей", value=9_000),
        Entry(6, 300, Side.OFFER, "TEMPORARY", None, "учебник python"),  # lent, not given: no match
    ]
    graph = build_graph(entries, MatchRules())
    book = graph.index[1]
    assert [graph.items[j] for j in graph.successors(book)] == [5, 3]  # the closer value first
    assert [graph.items[j] for j in graph.successors(graph.index[3])] == [1]
    assert len(graph.successors(graph.index[5])) == 0
    assert solve(graph).items_traded == 2


def test_the_benchmarks_small_instances(mathtrade: Callable[[str], ItemGraph]) -> None:
    medium, dense = mathtrade("medium_n1000"), mathtrade("dense_n1000")
    assert solve(medium, max_length=None).items_traded == 577  # MATCHING.md's uncapped optima
    assert solve(dense, max_length=None).items_traded == 923
    three = solve(medium, max_length=3)
    valid(medium, three, 3)
    assert (three.items_traded, three.bound, three.optimal) == (134, 134, True)


def test_column_generation_finds_the_lp_bound_and_a_packing_within_it(
    mathtrade: Callable[[str], ItemGraph], monkeypatch: pytest.MonkeyPatch
) -> None:
    medium = mathtrade("medium_n1000")
    exact = solve(medium, max_length=4)
    assert exact.optimal
    monkeypatch.setattr(capped, "DIRECT_COLUMNS", 50)  # as if the component were large
    monkeypatch.setattr(capped, "ADD_COLUMNS", 40)
    generated = solve(medium, max_length=4, time_limit=20)
    valid(medium, generated, 4)
    assert generated.bound is not None and generated.bound >= exact.items_traded
    assert exact.items_traded - 4 <= generated.items_traded <= exact.items_traded
