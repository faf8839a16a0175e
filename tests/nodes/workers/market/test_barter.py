"""The market's barter commands for the matching domain, over NATS: only the system reads the pool (in
id order, a page at a time, of some owners when asked) and archives exchanged items, all or nothing and
idempotently per exchange; each archive tells matching which items changed."""

from __future__ import annotations

from typing import Any

import pytest

from protocols import catalog
from protocols import market_barter as wire
from protocols.catalog import ListCountries
from protocols.envelope import Actor, DomainError, ErrorCode, Role, decode_data, decode_request
from protocols.identity import Register
from tests.conftest import Cluster
from tests.support.eventually import until
from tests.support.places import places_loaded

pytestmark = pytest.mark.domains("identity", "catalog", "market")

SYSTEM = Actor.system()


def offer(name: str, value: int = 1000) -> wire.NewBarterItem:
    return wire.NewBarterItem(
        side=wire.ItemSide.OFFER, exchange_type=wire.ExchangeType.PERMANENT, item_name=name, value_tenge=value
    )


async def user_with_items(cluster: Cluster, name: str, count: int) -> tuple[Actor, list[int]]:
    bus = cluster.worker_bus
    user = await bus.request(
        Register(email=f"{name}@example.com", password="SecurePass123!", city="Shymkent")
    )
    actor = Actor(user_id=user.user.id, role=Role.USER)
    made = await bus.request(
        wire.CreateBarterList(items=[offer(f"{name} {i}") for i in range(count)]), actor=actor
    )
    return actor, [item.id for item in made.items]


async def refused(call: Any, code: ErrorCode) -> None:
    with pytest.raises(DomainError) as caught:
        await call
    assert caught.value.code is code


async def test_the_pool_and_archiving_are_the_systems(cluster: Cluster) -> None:
    bus = cluster.worker_bus
    ann, anns = await user_with_items(cluster, "ann", 3)
    bob, bobs = await user_with_items(cluster, "bob", 2)
    events: list[wire.BarterItemsChanged] = []

    async def heard(msg: Any) -> None:
        events.append(decode_data(wire.BarterItemsChanged, decode_request(msg.data).data))

    await bus.subscribe(wire.BarterItemsChanged.subject, heard)

    for someone in (ann, Actor(user_id=ann.user_id, role=Role.ADMIN), Actor.anonymous()):
        await refused(bus.request(wire.ReadBarterPool(), actor=someone), ErrorCode.FORBIDDEN)
        archive = wire.ArchiveBarterItems(item_ids=[anns[0]], exchange_id="mutual_1_2_1_4")
        await refused(bus.request(archive, actor=someone), ErrorCode.FORBIDDEN)

    # Read in pages of two, in id order.
    pages, after = [], 0
    while True:
        page = await bus.request(wire.ReadBarterPool(after_id=after, limit=2), actor=SYSTEM)
        pages.append([item.id for item in page.items])
        if page.next_after_id is None:
            break
        after = page.next_after_id
    assert pages == [anns[:2], [anns[2], bobs[0]], [bobs[1]]]
    first = (await bus.request(wire.ReadBarterPool(limit=1), actor=SYSTEM)).items[0]
    assert first.owner_id == ann.user_id and first.city == "Shymkent" and first.latitude is not None
    of_bob = await bus.request(wire.ReadBarterPool(owner_ids=[bob.user_id]), actor=SYSTEM)
    assert [item.id for item in of_bob.items] == bobs and of_bob.next_after_id is None

    # An exchange archives its items once; a repeat of the same exchange answers the same.
    swap = wire.ArchiveBarterItems(item_ids=[anns[0], bobs[0]], exchange_id="mutual_1_2_1_4")
    assert (await bus.request(swap, actor=SYSTEM)).item_ids == sorted([anns[0], bobs[0]])
    assert (await bus.request(swap, actor=SYSTEM)).item_ids == sorted([anns[0], bobs[0]])
    # All or nothing: one item gone (archived by another exchange, or unknown) refuses the rest.
    for ids in ([anns[1], bobs[0]], [anns[1], 999_999]):
        other = wire.ArchiveBarterItems(item_ids=ids, exchange_id="chain_7")
        await refused(bus.request(other, actor=SYSTEM), ErrorCode.CONFLICT)
    left = await bus.request(wire.ReadBarterPool(), actor=SYSTEM)
    assert [item.id for item in left.items] == [anns[1], anns[2], bobs[1]]
    shown = await bus.request(wire.GetBarterItems(item_ids=[anns[0], anns[1]]), actor=SYSTEM)
    assert [item.status.value for item in shown.items] == ["archived", "active"]

    async def both_heard() -> bool:  # published after the commit, heard a moment later
        return len(events) >= 2

    await until(both_heard, within_s=5.0, what="the archive's events")
    assert sorted((event.owner_id, tuple(event.item_ids)) for event in events) == sorted(
        [(ann.user_id, (anns[0],)), (bob.user_id, (bobs[0],))]
    )


async def test_a_page_of_long_items_ends_before_it_outgrows_a_nats_message(cluster: Cluster) -> None:
    bus = cluster.worker_bus
    user = await bus.request(Register(email="long@example.com", password="SecurePass123!", city="Shymkent"))
    actor = Actor(user_id=user.user.id, role=Role.USER)
    described = "Велосипед в хорошем состоянии, " * 64  # 2,000 characters, two bytes each
    listed: list[int] = []
    for batch in range(4):  # 200 items: about 800 KB of descriptions
        items = [
            offer(f"Велосипед {batch}-{i}").model_copy(update={"description": described[:2000]})
            for i in range(50)
        ]
        made = await bus.request(wire.CreateBarterList(items=items), actor=actor)
        listed += [item.id for item in made.items]
    first = await bus.request(wire.ReadBarterPool(limit=5000), actor=SYSTEM)
    assert 0 < len(first.items) < len(listed) and first.next_after_id == first.items[-1].id
    rest = await bus.request(wire.ReadBarterPool(after_id=first.next_after_id, limit=5000), actor=SYSTEM)
    assert [item.id for item in first.items + rest.items] == listed and rest.next_after_id is None


async def test_a_city_the_catalog_gains_places_the_items_written_after(cluster: Cluster) -> None:
    """A profile's city the catalog does not know leaves an item's place unknown; once an admin adds
    it (`SaveCity`, announced as `PlaceSaved`), the market asks again: its answer was not kept."""
    bus = cluster.worker_bus
    await places_loaded(bus)
    user = await bus.request(Register(email="new@example.com", password="SecurePass123!", city="Soukabad"))
    actor = Actor(user_id=user.user.id, role=Role.USER)
    before = await bus.request(wire.CreateBarterList(items=[offer("lamp")]), actor=actor)
    assert before.items[0].latitude is None

    kazakhstan = [c for c in (await bus.request(ListCountries())).items if c.iso2 == "KZ"]
    admin = Actor(user_id=user.user.id, role=Role.ADMIN)
    city = catalog.SaveCity(country_id=kazakhstan[0].id, name="Soukabad", latitude=43.3, longitude=68.3)
    await bus.request(city, actor=admin)

    async def placed() -> bool:
        made = await bus.request(wire.CreateBarterList(items=[offer("chair")]), actor=actor)
        return made.items[0].latitude == 43.3

    await until(placed, within_s=10.0, what="an item placed in the city the catalog gained")
