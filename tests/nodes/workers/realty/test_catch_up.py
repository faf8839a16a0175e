"""The realty worker's catch-up, with a real stop: a property listed over HTTP while no realty worker runs
publishes an event nobody takes; the worker that comes back matches it at start from the market's
properties written since its watermark, and the buyer sees the match and is told once. A later round
(the scheduler's command over NATS) matches it again and tells nobody twice."""

from __future__ import annotations

import pytest

from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.notify import ListNotifications
from protocols.realty import CatchUpProperties
from scheduler.app import SchedulerApp
from tests.conftest import Cluster
from tests.support.eventually import until
from tests.support.http import json_of
from tests.support.realty import list_property, realty_user
from tests.support.workers import more_workers

# The matching SQL runs on both databases in test_matching.py; the subject here is the stop and catch-up.
pytestmark = [pytest.mark.domains("identity", "catalog", "market", "notify"), pytest.mark.database_agnostic]

REQUEST = {"city": "Москва", "deal_format": "хочу купить", "type": "квартира"}


async def test_a_property_listed_while_realty_is_down_reaches_its_buyer_once(cluster: Cluster) -> None:
    edge, bus = cluster.edge_a, cluster.worker_bus
    buyer = await realty_user(edge, "+79160000011")
    realtor = await realty_user(edge, "+79197777711", "realtor")
    async with more_workers(cluster.settings, "realty"):
        made = await json_of(
            await edge.post("/users/create_request", json=REQUEST, headers=buyer.headers), 200
        )
        assert made["matches"] == []
    listed = await list_property(cluster, edge, realtor)  # no realty worker takes its PropertyPublished

    async def matches() -> list[int]:
        mine = await json_of(await edge.get("/users/my_requests", headers=buyer.headers), 200)
        return [match["id"] for request in mine for match in request["matches"]]

    async def match_notices() -> list[tuple[int, int]]:
        page = await bus.request(ListNotifications(), actor=Actor(user_id=buyer.id, role=Role.USER))
        return [
            (n.payload["request_id"], n.payload["property_id"])
            for n in page.items
            if n.type == "realty_match"
        ]

    async def told() -> bool:
        return await match_notices() != []

    async with more_workers(cluster.settings, "realty"):  # its catch-up at start
        await until(told, within_s=10.0, what="the buyer told of the property listed while realty was down")
        assert await matches() == [listed["id"]]
        again = await bus.request(CatchUpProperties(), actor=Actor.system())  # the scheduler's round
        assert again.new == 0 and not again.more
        assert await SchedulerApp(bus, cluster.settings).run_job_now("catch_up_realty") == "ok"
        with pytest.raises(DomainError) as refused:
            await bus.request(CatchUpProperties(), actor=Actor(user_id=buyer.id, role=Role.USER))
        assert refused.value.code is ErrorCode.FORBIDDEN
        assert await matches() == [listed["id"]]
    assert await match_notices() == [(made["id"], listed["id"])]
