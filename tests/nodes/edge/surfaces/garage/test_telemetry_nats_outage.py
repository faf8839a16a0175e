"""NATS stopped during telemetry uploads: the edges answer 503 with Retry-After (never 500), and no
batch answered 202 is lost once the nats-server is back on its store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from nodes.runtime.embedded_nats import EmbeddedNats
from tests.conftest import Cluster
from tests.support.eventually import until

from .telemetry_client import Edge, batch, member_with_vehicle, now_ms, stored_samples, upload

pytestmark = [pytest.mark.database_agnostic, pytest.mark.domains("identity", "garage", "telemetry", "notify")]

SAMPLES = 20


@pytest.fixture
async def servers() -> AsyncIterator[list[EmbeddedNats]]:
    """nats-servers a test starts; requested before the cluster, so stopped after it."""
    started: list[EmbeddedNats] = []
    yield started
    for server in started:
        await server.stop()


async def all_stored(edge: Edge, headers: dict[str, str], vehicle_id: str, expected: set[int]) -> bool:
    return {s["t"] for s in await stored_samples(edge, headers, vehicle_id)} >= expected


async def test_nats_stopped_during_uploads_gives_503s_and_no_accepted_batch_is_lost(
    servers: list[EmbeddedNats], cluster: Cluster
) -> None:
    edge_a, edge_b = cluster.edges
    headers, vehicle_id = await member_with_vehicle(edge_a, "john@example.com")
    start = now_ms() - 600_000
    sent = 0
    statuses: list[int] = []
    accepted_ts: set[int] = set()

    async def send_round(count: int) -> None:
        nonlocal sent
        bodies = [batch(vehicle_id, start + (sent + i) * SAMPLES * 1000, SAMPLES) for i in range(count)]
        sent += count
        edges = (edge_a, edge_b)
        answers = await asyncio.gather(*(upload(edges[i % 2], headers, b) for i, b in enumerate(bodies)))
        for body, answer in zip(bodies, answers, strict=True):
            statuses.append(answer.status)
            assert answer.status in (202, 503), (answer.status, await answer.text())
            if answer.status == 202:
                accepted_ts.update(s["t"] for s in body["samples"])
            else:
                assert answer.headers["Retry-After"] == "1"

    await send_round(4)
    port, store = cluster.nats.port, cluster.nats.store_dir
    stopping = asyncio.create_task(cluster.nats.stop())
    await send_round(4)  # under way as NATS goes
    await stopping
    await send_round(3)  # NATS down: none of these is accepted
    assert statuses[-3:] == [503, 503, 503]
    restarted = EmbeddedNats(store, port=port)  # the operator restarts it, on its own store
    servers.append(restarted)
    await restarted.start()

    async def one_accepted() -> bool:
        before = len(accepted_ts)
        await send_round(1)
        return len(accepted_ts) > before

    await until(one_accepted, within_s=30, what="an upload accepted after the restart")
    await until(
        lambda: all_stored(edge_a, headers, vehicle_id, accepted_ts), within_s=30, what="every accepted batch"
    )
    assert 503 in statuses and 202 in statuses
