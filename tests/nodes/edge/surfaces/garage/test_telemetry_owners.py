"""An edge remembers whose vehicle takes uploads (nodes/edge/surfaces/garage/owners.py): another
member's upload to it is still a 404 once its owner's were taken, and a deleted vehicle is forgotten
by every edge, so its uploads answer 404 without waiting for the memory to run out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.garage import OwnersOfVehicles
from tests.conftest import Cluster
from tests.support.eventually import until
from tests.support.http import json_of

from .telemetry_client import Edge, account_of, batch, member_with_vehicle, now_ms, upload

pytestmark = [pytest.mark.domains("identity", "garage"), pytest.mark.database_agnostic]


async def test_an_edge_remembers_owners_and_forgets_a_deleted_vehicle(cluster: Cluster) -> None:
    edge_a, edge_b = cluster.edges
    john, vehicle_id = await member_with_vehicle(edge_a, "john@example.com")
    mary, _ = await member_with_vehicle(edge_b, "mary@example.com")
    start = now_ms() - 600_000
    bodies = [batch(vehicle_id, start + i * 10_000, 5) for i in range(4)]
    for edge, body in zip((edge_a, edge_b), bodies, strict=False):  # each edge now knows the owner
        await json_of(await upload(edge, john, body), 202)
    for edge in (edge_a, edge_b):
        refused = await json_of(await upload(edge, mary, bodies[2]), 404)
        assert refused == {"error": refused["error"]} and refused["error"]
    # Whose a vehicle is, the edges ask as the system; a member may not.
    ask = OwnersOfVehicles(vehicle_ids=[vehicle_id])
    with pytest.raises(DomainError) as refusal:
        await cluster.worker_bus.request(ask, actor=Actor(user_id=account_of(mary), role=Role.USER))
    assert refusal.value.code is ErrorCode.FORBIDDEN

    assert (await edge_a.delete(f"/api/vehicles/{vehicle_id}/", headers=john)).status == 204

    def refused_by(edge: Edge) -> Callable[[], Awaitable[bool]]:
        async def refused() -> bool:
            return (await upload(edge, john, bodies[3])).status == 404

        return refused

    for edge in (edge_a, edge_b):  # well before the minute an edge remembers an owner
        await until(refused_by(edge), within_s=10, what="the deleted vehicle forgotten")
