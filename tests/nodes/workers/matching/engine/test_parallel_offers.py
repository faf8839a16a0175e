"""FreeMarket-shaped pools: each user gives several offers that accept the same items. Past a few
cycles the engine takes the uncapped optimum and cuts its long rings (parallel.py, splitting.py); on
small pools that answer is checked against the exact MIP over every cycle."""

from __future__ import annotations

import random

import pytest

from nodes.workers.matching.engine import Entry, MatchRules, Side, Solution, build_graph, parallel, solve

NAMES = ["велосипед", "дрель", "гитара", "палатка", "самокат", "book", "laptop"]


def entry(id: int, owner: int, side: Side, name: str, exchange_type: str = "PERMANENT") -> Entry:
    return Entry(id=id, owner=owner, side=side, exchange_type=exchange_type, category=None, name=name)


def shaped_pool(users: int, seed: int) -> list[Entry]:
    """Users with 1..4 offers and as many wants over a few names, some lending rather than giving."""
    rng = random.Random(seed)
    entries: list[Entry] = []
    for user in range(1, users + 1):
        exchange_type = "TEMPORARY" if rng.random() < 0.3 else "PERMANENT"
        for side in (Side.OFFER, Side.WANT):
            for _ in range(rng.randint(1, 4)):
                name = rng.choice(NAMES)
                entries.append(entry(len(entries) + 1, user, side, name, exchange_type))
    return entries


def check(entries: list[Entry], solution: Solution, cap: int) -> None:
    """No offer given twice, no want filled twice, one exchange type and the owners' own items in each
    ring, each item received filling one of the receiver's wants."""
    by_id = {e.id: e for e in entries}
    given = [item for cycle in solution.cycles for item in cycle.items]
    assert len(given) == len(set(given))
    filled = [want for cycle in solution.cycles for want in cycle.wants]
    assert None not in filled and len(filled) == len(set(filled))
    for cycle in solution.cycles:
        assert 2 <= len(cycle) <= cap
        assert len({by_id[item].exchange_type for item in cycle.items}) == 1
        for k, item in enumerate(cycle.items):
            offer, want = by_id[item], by_id[cycle.wants[k]]  # type: ignore[index]
            assert offer.side is Side.OFFER and offer.owner == cycle.owners[k]
            assert want.side is Side.WANT and want.owner == cycle.owners[k]
            received = by_id[cycle.items[(k + 1) % len(cycle)]]
            assert want.exchange_type == received.exchange_type
            assert want.name.lower() in received.name.lower()


def cut_rings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "EXACT_EDGES", -1)  # as if the pool were too large to list its cycles


def test_a_ring_through_one_user_twice_is_cut_in_two_without_losing_an_item(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Alice gives a drill and a saw: drill -> Bob -> Carol -> Alice, saw -> Dan -> Erin -> Alice. The
    # uncapped optimum may go round all six at once; at three items a ring it must be two rings.
    entries = [
        entry(1, 100, Side.OFFER, "Дрель"),
        entry(2, 100, Side.OFFER, "Пила"),
        entry(3, 100, Side.WANT, "велосипед"),
        entry(4, 100, Side.WANT, "самокат"),
        entry(5, 200, Side.OFFER, "Гитара"),
        entry(6, 200, Side.WANT, "дрель"),
        entry(7, 300, Side.OFFER, "Велосипед"),
        entry(8, 300, Side.WANT, "гитара"),
        entry(9, 400, Side.OFFER, "Палатка"),
        entry(10, 400, Side.WANT, "пила"),
        entry(11, 500, Side.OFFER, "Самокат"),
        entry(12, 500, Side.WANT, "палатка"),
    ]
    cut_rings(monkeypatch)
    solution = solve(build_graph(entries, MatchRules()), max_length=3)
    check(entries, solution, 3)
    assert sorted(len(c) for c in solution.cycles) == [3, 3]
    assert solution.optimal and solution.bound == 6


@pytest.mark.parametrize("seed", [1, 3, 4, 5])
def test_cut_rings_trade_about_what_the_exact_model_trades(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = shaped_pool(14, seed)
    graph = build_graph(entries, MatchRules())
    exact = solve(graph, max_length=4)
    assert exact.optimal, "few enough cycles for the exact MIP"
    check(entries, exact, 4)
    cut_rings(monkeypatch)
    cut = solve(graph, max_length=4)
    check(entries, cut, 4)
    assert cut.bound is not None and cut.bound >= exact.items_traded
    # rings kept from the uncapped optimum are not rearranged: at most an item short on these pools
    assert exact.items_traded - 1 <= cut.items_traded <= exact.items_traded
    assert cut.items_traded == exact.items_traded or not cut.optimal
