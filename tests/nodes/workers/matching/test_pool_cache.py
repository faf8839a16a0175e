"""Each matching worker's copy of the pool follows the market's barter items over NATS: two workers'
copies (two matching dependencies on their own connections, as two processes hold them) are both
patched by each change. No matching worker serves the queue group here: what patches them is the
subscription outside it, which every worker has."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from nodes.runtime.bus import Bus
from nodes.workers.matching import DOMAIN
from nodes.workers.matching.deps import MatchingDeps
from protocols.identity import Register
from protocols.market_barter import AddBarterItem, ItemSide, UpdateBarterList
from tests.conftest import Cluster
from tests.support.eventually import until
from tests.support.exchanges import item, list_items, user

pytestmark = [pytest.mark.domains("identity", "catalog", "market"), pytest.mark.database_agnostic]


async def two_workers(cluster: Cluster, stack: AsyncExitStack) -> AsyncIterator[MatchingDeps]:
    for n in range(2):
        bus = await Bus.connect(cluster.settings.nats.url, name=f"matching-{n}")
        stack.push_async_callback(bus.close)
        yield await stack.enter_async_context(DOMAIN.open_deps(cluster.settings, bus))


async def test_every_workers_copy_of_the_pool_follows_each_change(cluster: Cluster) -> None:
    bus = cluster.worker_bus
    cmd = Register(email="ann@example.com", password="StrongPassword123!", username="ann", city="Алматы")
    ann = (await bus.request(cmd)).user.id
    guitar, tent = await list_items(bus, ann, ["Гитара"], ["Палатка"])
    async with AsyncExitStack() as stack:
        workers = [deps async for deps in two_workers(cluster, stack)]
        for deps in workers:
            assert {i.id for i in await deps.pool.items()} == {guitar, tent}

        async def everyone_has(expected: set[int]) -> bool:
            copies = [{i.id for i in await deps.pool.items()} for deps in workers]
            return all(copy == expected for copy in copies)

        # Withdrawn: out of both copies; a new item: in both (only it is fetched, not the pool).
        lamp = await bus.request(AddBarterItem(item=item(ItemSide.OFFER, "Лампа")), actor=user(ann))
        await until(lambda: everyone_has({guitar, tent, lamp.id}), within_s=5, what="a new item")
        await bus.request(UpdateBarterList(list_id=lamp.list_id, remove_item_ids=[guitar]), actor=user(ann))
        await until(lambda: everyone_has({tent, lamp.id}), within_s=5, what="a withdrawn item")
