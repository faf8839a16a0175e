"""The catalog worker over NATS: each replica answers lists from its cache, and a category written
through any replica is listed by every one; versions name the content; writes are for admins."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nodes.runtime.bus import Bus
from nodes.workers.serve import RunningWorkers
from protocols import catalog as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from tests.conftest import Cluster
from tests.support.eventually import until

pytestmark = pytest.mark.domains("catalog")

ADMIN = Actor(user_id=1, role=Role.ADMIN)
ASKED = 24  # lists asked after a write: the queue group spreads them over both replicas


async def test_a_category_written_through_one_replica_is_listed_by_every_replica(cluster: Cluster) -> None:
    bus = cluster.worker_bus
    second_bus = await Bus.connect(cluster.nats.url, name="catalog-2")
    second = RunningWorkers()
    settings = replace(cluster.settings, workers=replace(cluster.settings.workers, domains=("catalog",)))
    await second.start(second_bus, settings, ("catalog",))
    try:
        before = {(await bus.request(wire.ListCategories())).version for _ in range(ASKED)}
        assert len(before) == 1  # both replicas warm, with the same version for the same content
        created = await bus.request(wire.CreateCategory(name="Электромобили", slug="electric"), actor=ADMIN)

        async def every_replica_lists_it() -> bool:
            for _ in range(ASKED):
                listed = await bus.request(wire.ListCategories())
                if created.id not in {c.id for c in listed.items} or listed.version in before:
                    return False
            return True

        await until(every_replica_lists_it, within_s=5, what="the new category on every replica")
        await bus.request(wire.DeleteCategory(category_id=created.id), actor=ADMIN)

        async def every_replica_forgot_it() -> bool:
            for _ in range(ASKED):
                if (await bus.request(wire.ListCategories())).version not in before:
                    return False
            return True

        await until(every_replica_forgot_it, within_s=5, what="the deleted category gone on every replica")
    finally:
        await second.stop()
        await second_bus.close()


async def test_reference_versions_name_their_content(cluster: Cluster) -> None:
    bus = cluster.worker_bus
    types = await bus.request(wire.ListReferences(kind=wire.ReferenceKind.VEHICLE_TYPES))
    assert types.items and types == await bus.request(
        wire.ListReferences(kind=wire.ReferenceKind.VEHICLE_TYPES)
    )
    first_type = types.items[0].id
    of_type = await bus.request(wire.ListBrands(vehicle_type_id=first_type))
    every = await bus.request(wire.ListBrands())
    assert {b.id for b in of_type.items} <= {b.id for b in every.items}
    nothing = await bus.request(wire.ListBrands(vehicle_type_id=2**31 - 1))
    assert nothing.items == [] and nothing.version != every.version
    assert nothing.version == (await bus.request(wire.ListVehicleModels(brand_id=2**31 - 1))).version


async def test_category_writes_are_for_admins(cluster: Cluster) -> None:
    bus = cluster.worker_bus
    create = wire.CreateCategory(name="Прочее", slug="other")
    for actor, code in ((None, ErrorCode.UNAUTHORIZED), (Actor(user_id=2, role=Role.USER), ErrorCode.FORBIDDEN),
                        (Actor(user_id=3, role=Role.MODERATOR), ErrorCode.FORBIDDEN)):  # fmt: skip
        with pytest.raises(DomainError) as refused:
            await bus.request(create, actor=actor)
        assert refused.value.code is code
        with pytest.raises(DomainError) as hidden:
            await bus.request(wire.ListCategories(include_inactive=True), actor=actor)
        assert hidden.value.code is code
    assert "other" not in {c.slug for c in (await bus.request(wire.ListCategories())).items}
