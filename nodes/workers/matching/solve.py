"""The engine, called: the pool's barter items in, the exchanges it chooses out.

- Everyone's run solves the whole pool (`engine.solve`, capped at `most` items a ring, within the
  time limit; the best found when it runs out).
- A run around some users (a user's own run, a listing change) solves only the part of the pool
  their items can reach in a ring (`engine.resolve_after_change` from nothing, seeded with their items:
  offers and wants), so it answers in a fraction of a second however large the pool.
- The engine counts a ring's length in items; a person who gives two items in one ring is one
  participant. Its rings run the other way round (the owner of item k receives item k+1): the legs
  here are in giving order (each gives to the next).
"""

from __future__ import annotations

from collections.abc import Sequence

from nodes.runtime.settings import MatchingSettings
from protocols.market_barter import BarterItem

from .engine import Cycle, Entry, MatchRules, Side, Solution, build_graph, resolve_after_change, solve
from .queries import Planned, PlannedLeg


def entry(item: BarterItem) -> Entry:
    return Entry(
        id=item.id, owner=item.owner_id, side=Side(item.side.value), exchange_type=item.exchange_type.value,
        category=item.category, name=item.item_name, description=item.description, value=item.value_tenge,
        duration_days=item.duration_days, latitude=item.latitude, longitude=item.longitude,
    )  # fmt: skip


def rules(settings: MatchingSettings) -> MatchRules:
    # max_distance_km 0 is "the same city" (the engine's city radius).
    return MatchRules(value_tolerance=settings.value_tolerance, max_distance_km=settings.max_distance_km)


def planned(cycle: Cycle) -> Planned:
    n = len(cycle.items)
    legs = tuple(
        PlannedLeg(
            user_id=cycle.owners[k],
            gives_item_id=cycle.items[k],
            receives_item_id=cycle.items[(k + 1) % n],
            fills_want_id=cycle.wants[k],
        )
        for k in reversed(range(n))
    )
    return Planned(legs=legs, score=max(0.0, min(1.0, cycle.fit)))


def choose(
    items: Sequence[BarterItem],
    settings: MatchingSettings,
    *,
    most: int,
    focus: Sequence[int] | None,
    time_limit_s: float,
) -> list[Planned]:
    """Disjoint rings of at most `most` items over the pool (around the `focus` users only, when given)."""
    graph = build_graph((entry(item) for item in items), rules(settings))
    if focus is None:
        found = solve(graph, most, time_limit_s)  # (positional: `max_length` reads as a length limit)
    else:
        people = set(focus)
        seeds = [item.id for item in items if item.owner_id in people]
        nothing = Solution((), None, 0.0, False, most)
        found = resolve_after_change(nothing, graph, seeds, most, time_limit=time_limit_s)
    return [planned(cycle) for cycle in found.cycles]
