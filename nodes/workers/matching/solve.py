"""The choice of exchanges over the pool: barter items in, exchanges (rings of legs) out.

INTERIM: the matching engine (`engine/`, h/engine) had not landed when this was written, so this
module holds a small matcher of its own, to be replaced by a call to the engine (the signature of
`choose` stays). What it does, honestly: a want and an offer fit when they have the same exchange
type, the same words after a crude normalisation (lower case, punctuation dropped, each word cut to
its first five letters, in any order: no stemmer), values within `value_tolerance` of the larger one,
and the same city (or an unknown one); it then takes rings greedily, shortest first, best value fit
first, up to `most` people. Not the optimum the issue asks for, no distance rule, no time limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nodes.runtime.settings import MatchingSettings
from protocols.market_barter import BarterItem, ItemSide

from .queries import Planned, PlannedLeg

STEM = 5


@dataclass(frozen=True)
class Arc:
    """Offer `offer` may go to the owner of `want`, who then gives one of his offers on."""

    offer: int
    want: int
    fit: float


def words(text: str) -> tuple[str, ...]:
    cleaned = "".join(c.lower() if c.isalnum() else " " for c in text)
    return tuple(sorted(word[:STEM] for word in cleaned.split()))


def fit(want: BarterItem, offer: BarterItem, settings: MatchingSettings) -> float | None:
    """How well the offer fills the want (0..1], or None when it does not."""
    if want.exchange_type != offer.exchange_type or words(want.item_name) != words(offer.item_name):
        return None
    if want.city and offer.city and want.city != offer.city:
        return None
    larger = max(want.value_tenge, offer.value_tenge, 1)
    gap = abs(want.value_tenge - offer.value_tenge) / larger
    return 1.0 - gap if gap <= settings.value_tolerance else None


def choose(
    items: Sequence[BarterItem],
    settings: MatchingSettings,
    *,
    most: int,
    focus: Sequence[int] | None,
    time_limit_s: float,
) -> list[Planned]:
    """Disjoint rings of two to `most` people; with `focus`, only rings that hold one of those users."""
    offers = {item.id: item for item in items if item.side is ItemSide.OFFER}
    by_owner: dict[int, list[int]] = {}
    for offer in offers.values():
        by_owner.setdefault(offer.owner_id, []).append(offer.id)
    arcs: dict[int, list[tuple[int, Arc]]] = {}  # offer -> (the next owner's offer, how)
    for want in (item for item in items if item.side is ItemSide.WANT):
        for offer in offers.values():
            score = fit(want, offer, settings) if offer.owner_id != want.owner_id else None
            if score is not None:
                for onward in by_owner.get(want.owner_id, []):
                    arcs.setdefault(offer.id, []).append((onward, Arc(offer.id, want.id, score)))
    for outgoing in arcs.values():
        outgoing.sort(key=lambda step: -step[1].fit)
    taken: set[int] = set()
    people: set[int] = set()
    chosen: list[Planned] = []
    for length in range(2, most + 1):
        for start in sorted(offers):
            ring = None if start in taken else _ring(start, length, arcs, taken)
            owners = [offers[arc.offer].owner_id for arc in ring or []]
            if ring is None or len(set(owners)) != len(owners) or people & set(owners):
                continue
            legs = tuple(
                PlannedLeg(owners[n], arc.offer, ring[n - 1].offer, ring[n - 1].want)
                for n, arc in enumerate(ring)
            )
            chosen.append(Planned(legs, sum(arc.fit for arc in ring) / len(ring)))
            taken.update(arc.offer for arc in ring)
            people.update(owners)
    if focus is not None:
        chosen = [p for p in chosen if any(leg.user_id in focus for leg in p.legs)]
    return chosen


def _ring(
    start: int, length: int, arcs: dict[int, list[tuple[int, Arc]]], taken: set[int]
) -> list[Arc] | None:
    """A ring of exactly `length` offers through `start`, the best fitting first (depth first)."""

    def walk(offer: int, path: list[Arc]) -> list[Arc] | None:
        for onward, arc in arcs.get(offer, []):
            step = [*path, arc]
            if onward == start and len(step) == length:
                return step
            if (
                len(step) < length
                and onward not in taken
                and onward != start
                and all(a.offer != onward for a in step)
            ):
                found = walk(onward, step)
                if found is not None:
                    return found
        return None

    return walk(start, [])
