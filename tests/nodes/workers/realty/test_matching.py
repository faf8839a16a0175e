"""The realty worker's matching rules over NATS, both ways: requests written first, properties published
after them are matched by the worker's one query; then each request, matched again through the market's
search, must find the same properties. A property changed out of a request's budget leaves it."""

from __future__ import annotations

from typing import Any

import pytest

from nodes.runtime.bus import Bus
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.identity import CreateUser
from protocols.market_realty import CreateProperty, PropertyType, UpdateProperty
from protocols.notify import ListNotifications
from protocols.realty import CreateRequest, ListMyRequests, MatchesTold, TellMatches, UpdateRequest
from scheduler.app import SchedulerApp
from tests.conftest import Cluster
from tests.support.eventually import until
from tests.support.places import places_loaded

pytestmark = pytest.mark.domains("identity", "catalog", "market", "notify", "realty")

MOSCOW_SALE = {"city": "Москва", "deal_format": "sale", "type": "apartment"}
REQUESTS: dict[str, dict[str, Any]] = {
    "any": MOSCOW_SALE,
    "10-13M roubles": MOSCOW_SALE | {"budget_min": 10_000_000, "budget_max": 13_000_000},
    "under 100k euros": MOSCOW_SALE | {"budget_max": 100_000, "currency": "EUR"},
    "house over 200k dollars": MOSCOW_SALE | {"type": "house", "budget_min": 200_000, "currency": "USD"},
    "studio": MOSCOW_SALE | {"total_rooms": "студия", "rooms_min": 0, "rooms_max": 0},
    "2-3 rooms": MOSCOW_SALE | {"total_rooms": "2-3", "rooms_min": 2, "rooms_max": 3},
    "50-70 m2": MOSCOW_SALE | {"total_area_min": 50, "total_area_max": 70},
    "central": MOSCOW_SALE | {"district": "Центральный район"},
    "2023 Q4": MOSCOW_SALE | {"construction_year": 2023, "construction_quarter": 4},
    "2023 Q1": MOSCOW_SALE | {"construction_year": 2023, "construction_quarter": 1},
    "resale": MOSCOW_SALE | {"condition": "resale"},
    "flat": MOSCOW_SALE | {"subtype": "flat"},
    "rent in Petersburg": {"city": "Санкт-Петербург", "deal_format": "rent", "type": "apartment"},
    "nowhere": MOSCOW_SALE | {"city": "Атлантида"},
}
PROPERTIES: dict[str, dict[str, Any]] = {
    "central new": {"location": "Москва, Тверская, 1", "district": "ЦАО", "subtype": "apartments",
                    "condition": "new", "rooms": 2, "total_area": 60, "price": 150_000, "currency": "USD",
                    "entry_year": 2023, "entry_quarter": 4},  # 12 million roubles
    "studio": {"location": "Москва, Профсоюзная, 100", "subtype": "studio", "condition": "resale",
               "total_area": 30, "price": 9_000_000, "currency": "RUB", "entry_year": 2010},
    "petersburg": {"location": "Санкт-Петербург, Невский, 10", "deal_format": "rent", "subtype": "flat",
                   "rooms": 1, "total_area": 40, "price": 100_000, "currency": "RUB"},
    "house": {"location": "Москва, Рублёвка", "type": "house", "price": 30_000_000, "currency": "RUB"},
}  # fmt: skip
EXPECTED = {
    "any": {"central new", "studio"},
    "10-13M roubles": {"central new"},
    "under 100k euros": {"studio"},  # 9.3 million roubles at the configured rate
    "house over 200k dollars": {"house"},
    "studio": {"studio"},
    "2-3 rooms": {"central new"},
    "50-70 m2": {"central new"},
    "central": {"central new"},
    "2023 Q4": {"central new"},
    "2023 Q1": set(),
    "resale": {"studio"},
    "flat": set(),
    "rent in Petersburg": {"petersburg"},
    "nowhere": set(),
}


async def person(bus: Bus, name: str, role: Role) -> Actor:
    profile = await bus.request(CreateUser(username=name), actor=Actor.system())
    return Actor(user_id=profile.id, role=role)


async def stored_matches(bus: Bus, buyer: Actor, names: dict[int, str]) -> dict[str, set[int]]:
    page = await bus.request(ListMyRequests(), actor=buyer)
    return {names[item.id]: {match.id for match in item.matches} for item in page.items}


async def test_a_property_meets_the_requests_the_market_search_finds_it_for(cluster: Cluster) -> None:
    bus = cluster.worker_bus
    await places_loaded(bus)
    buyer, seller = await person(bus, "buyer", Role.USER), await person(bus, "seller", Role.REALTOR)
    names: dict[int, str] = {}
    for name, fields in REQUESTS.items():
        made = await bus.request(CreateRequest(**fields), actor=buyer)
        assert made.matches == [] and made.city_found is (name != "nowhere")
        names[made.id] = name
    ids: dict[str, int] = {}
    for name, fields in PROPERTIES.items():
        values = {"deal_format": "sale", "type": PropertyType.APARTMENT, "title": name} | fields
        ids[name] = (await bus.request(CreateProperty(**values), actor=seller)).id
    expected = {request: {ids[p] for p in wanted} for request, wanted in EXPECTED.items()}

    async def matched_as_expected() -> bool:
        return await stored_matches(bus, buyer, names) == expected

    await until(matched_as_expected, within_s=10.0, what="every published property matched")
    for request_id, name in names.items():  # the other way: the market's search finds the same
        again = await bus.request(UpdateRequest(request_id=request_id), actor=buyer)
        assert {match.id for match in again.matches} == expected[name], name

    # Changed out of a budget, a property leaves that request and stays in the others.
    await bus.request(
        UpdateProperty(
            property_id=ids["central new"], price=20_000_000, currency="RUB", changed=["price", "currency"]
        ),
        actor=seller,
    )
    expected["10-13M roubles"] = set()

    await until(matched_as_expected, within_s=10.0, what="the changed property matched again")


@pytest.mark.database_agnostic  # the subject is the outbox's retry, not the SQL (above on both databases)
@pytest.mark.domains("identity", "catalog", "market", "realty")
async def test_notices_notify_could_not_take_are_sent_by_the_scheduler_later(cluster: Cluster) -> None:
    bus = cluster.worker_bus
    await places_loaded(bus)
    buyer, seller = await person(bus, "buyer", Role.USER), await person(bus, "seller", Role.REALTOR)
    made = await bus.request(CreateRequest(**MOSCOW_SALE), actor=buyer)
    listed = await bus.request(CreateProperty(title="flat", price=1, currency="RUB", **MOSCOW_SALE | {
        "location": "Москва, Арбат, 1"}), actor=seller)  # fmt: skip

    async def matched() -> bool:
        return await stored_matches(bus, buyer, {made.id: "mine"}) == {"mine": {listed.id}}

    await until(matched, within_s=10.0, what="the property matched while notify is away")
    # Sent again while notify is still away (as the match's own attempt was, which gave up before it).
    assert await bus.request(TellMatches(), actor=Actor.system()) == MatchesTold(sent=0)
    await cluster.workers.start(bus, cluster.settings, ("notify",))
    with pytest.raises(DomainError) as refused:
        await bus.request(TellMatches(), actor=buyer)
    assert refused.value.code is ErrorCode.FORBIDDEN
    assert await SchedulerApp(bus, cluster.settings).run_job_now("tell_realty_matches") == "ok"
    page = await bus.request(ListNotifications(), actor=buyer)
    assert [(n.type, n.payload["property_id"], n.payload["request_id"]) for n in page.items] == [
        ("realty_match", listed.id, made.id)
    ]
