"""The market's `PublishedSince` over NATS, which the realty worker's catch-up pages: active properties
after a cursor (updated_at, id), oldest write first, as the events that told of them; a property written
again moves to the end, an archived one is left out; the system's only."""

from __future__ import annotations

import pytest

from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.identity import CreateUser
from protocols.market_realty import ArchiveProperty, CreateProperty, PublishedSince, RestoreProperty
from tests.conftest import Cluster
from tests.support.places import places_loaded

pytestmark = pytest.mark.domains("identity", "catalog", "market")

FLAT = {
    "deal_format": "sale",
    "type": "apartment",
    "location": "Москва, Арбат, 1",
    "price": 1,
    "currency": "RUB",
}


async def test_properties_are_paged_by_their_last_write_after_a_cursor(cluster: Cluster) -> None:
    bus = cluster.worker_bus
    await places_loaded(bus)
    profile = await bus.request(CreateUser(username="realtor"), actor=Actor.system())
    realtor = Actor(user_id=profile.id, role=Role.REALTOR)
    ids = [(await bus.request(CreateProperty(title=f"flat {n}", **FLAT), actor=realtor)).id for n in range(4)]
    await bus.request(ArchiveProperty(property_id=ids[0]), actor=realtor)
    await bus.request(ArchiveProperty(property_id=ids[1]), actor=realtor)
    await bus.request(RestoreProperty(property_id=ids[1]), actor=realtor)  # written last

    paged, cursor = [], PublishedSince(limit=1)
    while (page := await bus.request(cursor, actor=Actor.system())).items:
        (event,) = page.items
        assert event.owner_id == realtor.user_id and event.city_id is not None
        paged.append(event.property_id)
        cursor = PublishedSince(after=event.updated_at, after_id=event.property_id, limit=1)
    assert paged == [ids[2], ids[3], ids[1]]
    whole = await bus.request(PublishedSince(), actor=Actor.system())
    assert [event.property_id for event in whole.items] == paged

    with pytest.raises(DomainError) as refused:
        await bus.request(PublishedSince(), actor=realtor)
    assert refused.value.code is ErrorCode.FORBIDDEN
