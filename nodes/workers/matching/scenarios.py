"""The test flow (`RunTestFlow`, admins): each scenario runs the real engine, through the same
`solve.choose` as every run, on entries built here in memory: nothing is read from the market and
nothing stored, so real users' listings are never touched. `passed` is the check of the engine's
answer against what the scenario expects; `details` says what was found.

- bilateral: Alice and Bob want what the other offers (in other word forms); Carol fits nobody.
- chains: Ann, Ben and Cat want around a ring of three (no two of them fit each other): one chain.
- locations: a mirrored pair in Almaty matches; the same pair split between Almaty and Astana does not.
- scoring: two people offer Alice what she wants, one at her item's value and one 20% above; the
  closer fit is chosen, and a third, far outside the value tolerance, is never matched.
- full: all four; passed when every one passed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from nodes.runtime.settings import MatchingSettings
from protocols import matching as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.market import AdStatus
from protocols.market_barter import BarterItem, ExchangeType, ItemSide

from .deps import MatchingDeps
from .handlers import handlers
from .queries import Planned
from .solve import choose

PLACES = {"Алматы": (43.2389, 76.8897), "Астана": (51.1694, 71.4491)}


@dataclass
class Scratch:
    """Entries of made-up people, with ids of their own (never a real listing's)."""

    items: list[BarterItem]
    names: dict[int, str]

    def __init__(self) -> None:
        self.items, self.names = [], {}

    def person(
        self, user_id: int, name: str, city: str, offers: dict[str, int], wants: dict[str, int]
    ) -> None:
        self.names[user_id] = name
        for side, things in ((ItemSide.OFFER, offers), (ItemSide.WANT, wants)):
            for item_name, value in things.items():
                self.items.append(_item(len(self.items) + 1, user_id, side, item_name, value, city))

    def who(self, planned: Planned) -> list[str]:
        return sorted(self.names[leg.user_id] for leg in planned.legs)

    def matched(self, settings: MatchingSettings) -> list[Planned]:
        return choose(self.items, settings, most=10, focus=None, time_limit_s=5.0)

    def outcome(self, found: list[Planned], passed: bool, said: str, also: str = "") -> Outcome:
        """What the scenario says when it passed, else what the engine found."""
        return passed, len(found), said if passed else f"found {[self.who(p) for p in found]}{also}"


def _item(item_id: int, owner: int, side: ItemSide, name: str, value: int, city: str) -> BarterItem:
    now = datetime.now(UTC)
    lat, lon = PLACES[city]
    return BarterItem(
        id=item_id, list_id=owner, owner_id=owner, side=side, exchange_type=ExchangeType.PERMANENT,
        category=None, item_name=name, description=None, value_tenge=value, duration_days=None, city=city,
        latitude=lat, longitude=lon, status=AdStatus.ACTIVE, created_at=now, updated_at=now,
    )  # fmt: skip


Outcome = tuple[bool, int, str]


def bilateral(settings: MatchingSettings) -> Outcome:
    s = Scratch()
    s.person(1, "Alice", "Алматы", {"Велосипед детский": 30000}, {"Самокат": 28000})
    s.person(2, "Bob", "Алматы", {"самокаты": 28000}, {"Детские велосипеды": 30000})
    s.person(3, "Carol", "Алматы", {"Гитара": 50000}, {"Ноутбук": 200000})
    found = s.matched(settings)
    return s.outcome(found, [s.who(p) for p in found] == [["Alice", "Bob"]], "Alice + Bob match successful")


def chains(settings: MatchingSettings) -> Outcome:
    s = Scratch()
    s.person(1, "Ann", "Алматы", {"Книга по Python": 15000}, {"Настольная лампа": 15000})
    s.person(2, "Ben", "Алматы", {"Настольная лампа": 15000}, {"Наушники": 15000})
    s.person(3, "Cat", "Алматы", {"Наушники": 15000}, {"Книга по Python": 15000})
    found = s.matched(settings)
    passed = [(len(p.legs), s.who(p)) for p in found] == [(3, ["Ann", "Ben", "Cat"])]
    return s.outcome(found, passed, "Ann → Cat → Ben → Ann: one chain of 3")


def locations(settings: MatchingSettings) -> Outcome:
    s = Scratch()
    s.person(1, "Dana", "Алматы", {"Палатка": 40000}, {"Спальный мешок": 40000})
    s.person(2, "Erik", "Алматы", {"Спальный мешок": 40000}, {"Палатка": 40000})
    s.person(3, "Farida", "Алматы", {"Гантели": 20000}, {"Коврик для йоги": 20000})
    s.person(4, "Gani", "Астана", {"Коврик для йоги": 20000}, {"Гантели": 20000})
    found = s.matched(settings)
    passed = [s.who(p) for p in found] == [["Dana", "Erik"]]
    return s.outcome(found, passed, "Almaty pair matched; Almaty–Astana pair kept apart")


def scoring(settings: MatchingSettings) -> Outcome:
    s = Scratch()
    s.person(1, "Alice", "Алматы", {"Фотоаппарат": 100000}, {"Объектив": 100000})
    s.person(2, "Bob", "Алматы", {"Объектив": 100000}, {"Фотоаппарат": 100000})
    s.person(3, "Carol", "Алматы", {"Объектив": 120000}, {"Фотоаппарат": 120000})
    s.person(4, "Dan", "Алматы", {"Объектив": 900000}, {"Фотоаппарат": 900000})
    found = s.matched(settings)
    scores = [round(p.score, 2) for p in found]
    passed = [s.who(p) for p in found] == [["Alice", "Bob"]] and all(0 < x <= 1 for x in scores)
    said = f"Alice + Bob chosen (score {scores[0]}) over a 20% value gap" if passed else ""
    return s.outcome(found, passed, said, also=f", scores {scores}")


SCENARIOS: dict[wire.TestScenario, Callable[[MatchingSettings], Outcome]] = {
    wire.TestScenario.BILATERAL: bilateral,
    wire.TestScenario.CHAINS: chains,
    wire.TestScenario.LOCATIONS: locations,
    wire.TestScenario.SCORING: scoring,
}


def run_scenario(scenario: wire.TestScenario, settings: MatchingSettings) -> wire.TestFlowReport:
    if scenario is not wire.TestScenario.FULL:
        passed, found, details = SCENARIOS[scenario](settings)
        return wire.TestFlowReport(test=scenario, passed=passed, matches_found=found, details=details)
    parts = [run_scenario(each, settings) for each in SCENARIOS]
    return wire.TestFlowReport(
        test=scenario, passed=all(p.passed for p in parts), matches_found=sum(p.matches_found for p in parts),
        details="; ".join(f"{p.test.value}: {'passed' if p.passed else 'FAILED'} ({p.details})" for p in parts),
    )  # fmt: skip


@handlers.on(wire.RunTestFlow)
async def run_test_flow(cmd: wire.RunTestFlow, actor: Actor, deps: MatchingDeps) -> wire.TestFlowReport:
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        actor.require_user()
        raise DomainError(ErrorCode.FORBIDDEN, "Admins only")
    return await asyncio.to_thread(run_scenario, cmd.scenario, deps.settings.matching)
