"""After a listing change only the part of the graph it reaches is solved again; the rest is kept."""

from __future__ import annotations

from collections.abc import Callable

from nodes.workers.matching.engine import (
    Entry,
    ItemGraph,
    MatchRules,
    Side,
    build_graph,
    graph_from_wants,
    resolve_after_change,
    solve,
)


def test_a_withdrawn_item_breaks_its_ring_and_a_new_one_makes_a_swap() -> None:
    # a swap (items 0, 1) and a ring (2, 3, 4); item 5 of user 5 is wanted by nobody yet
    wants = [[1], [0], [3], [4], [2], [0]]
    before = solve(graph_from_wants([0, 1, 2, 3, 4, 5], wants), max_length=3)
    assert before.items_traded == 5
    # item 4 is withdrawn: the ring goes, the swap stays as it was
    after = graph_from_wants([0, 1, 2, 3, 5], [[1], [0], [3], [], [0]], [0, 1, 2, 3, 5])
    changed = resolve_after_change(before, after, [4], max_length=3)
    assert [c.items for c in changed.cycles] == [next(c.items for c in before.cycles if len(c) == 2)]
    # user 1 now wants item 5 too (her item 1's list changed), and 5's owner takes item 1
    again = graph_from_wants([0, 1, 2, 3, 5], [[1], [0, 4], [3], [], [1]], [0, 1, 2, 3, 5])  # node 4: item 5
    solution = resolve_after_change(changed, again, [1, 5], max_length=3)
    assert solution.items_traded == 2  # item 1 in one swap or the other, not both
    solution = resolve_after_change(changed, again, [1, 5], max_length=2)
    assert solution.items_traded == 2


def test_a_change_keeps_the_wants_that_kept_cycles_fill() -> None:
    def entry(id: int, owner: int, side: Side, name: str) -> Entry:
        return Entry(id=id, owner=owner, side=side, exchange_type="PERMANENT", category=None, name=name)

    entries = [
        entry(1, 100, Side.OFFER, "Дрель"),
        entry(2, 100, Side.OFFER, "Пила"),
        entry(3, 100, Side.WANT, "велосипед"),
        entry(4, 200, Side.OFFER, "Велосипед"),
        entry(5, 200, Side.WANT, "дрель"),
    ]
    before = solve(build_graph(entries, MatchRules()), max_length=10)
    assert before.items_traded == 2
    # Carol lists a bicycle and wants the saw: Alice's one want is filled already
    more = [*entries, entry(6, 300, Side.OFFER, "Велосипед"), entry(7, 300, Side.WANT, "пила")]
    after = resolve_after_change(before, build_graph(more, MatchRules()), [6, 7], max_length=10)
    assert after.items_traded == 2
    # with a second want of hers (a new entry), both swaps go, each filling one
    most = [*more, entry(8, 100, Side.WANT, "велосипед")]
    last = resolve_after_change(after, build_graph(most, MatchRules()), [8], max_length=10)
    assert last.items_traded == 4
    assert sorted(
        w for c in last.cycles for o, w in zip(c.owners, c.wants) if o == 100 and w is not None
    ) == [3, 8]


def test_a_change_on_a_solved_instance_stays_near_a_full_solve(mathtrade: Callable[[str], ItemGraph]) -> None:
    graph = mathtrade("medium_n1000")
    before = solve(graph, max_length=4)
    gone = before.cycles[0].items[0]
    kept = [v for v in range(graph.size) if graph.items[v] != gone]
    position = {v: k for k, v in enumerate(kept)}
    smaller = graph_from_wants(
        [int(graph.owners[v]) for v in kept],
        [[position[int(j)] for j in graph.successors(v) if int(j) in position] for v in kept],
        [graph.items[v] for v in kept],
    )
    after = resolve_after_change(before, smaller, [gone], max_length=4)
    full = solve(smaller, max_length=4)
    assert gone not in after.items()
    assert set(before.cycles[1:]) <= set(after.cycles)  # the others are kept as they were
    assert full.items_traded - 4 <= after.items_traded <= full.items_traded
