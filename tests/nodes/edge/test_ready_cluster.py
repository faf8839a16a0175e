"""`/ready` tells the truth on a NATS cluster: while the node holding a domain's bucket is down, that
domain is not ready (its worker still answers pings through the other nodes), and it is ready again
by itself once the node is back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from protocols import subjects
from protocols.identity import Register
from tests.conftest import Cluster
from tests.support.edge_server import edge_beside
from tests.support.eventually import until
from tests.support.nats_cluster import NatsCluster, nats_cluster

# Many processes or a NATS cluster each: one such module at a time (make test's --dist loadgroup).
pytestmark = [pytest.mark.xdist_group("processes"), pytest.mark.database_agnostic]

RECOVERY_S = 20.0  # a node back: its JetStream answering, the probes' next round


@pytest.fixture
async def nats_server(tmp_path: Path) -> AsyncIterator[NatsCluster]:
    """The cluster fixture's processes connect to every node of three (its `url` lists them)."""
    async with nats_cluster(tmp_path / "nats") as nodes:
        yield nodes


async def readiness(cluster: Cluster) -> tuple[int, dict[str, Any]]:
    resp = await cluster.edge_a.get("/ready")
    return resp.status, await resp.json()


async def only_identity_not_ready(cluster: Cluster) -> bool:
    """503 for identity's lost bucket alone: chat keeps nothing in NATS, and answers."""
    status, body = await readiness(cluster)
    domains = body["domains"]
    return status == 503 and domains["identity"]["ready"] is False and domains["chat"]["ready"] is True


async def all_ready(cluster: Cluster) -> bool:
    return (await readiness(cluster))[0] == 200


async def test_a_domain_whose_bucket_is_unreachable_is_not_ready_until_it_is_back(
    cluster: Cluster, nats_server: NatsCluster
) -> None:
    await until(lambda: all_ready(cluster), within_s=RECOVERY_S, what="ready before the loss")
    stream = f"KV_{subjects.AUTH_KEYS_BUCKET}"  # one replica here: one node holds it
    node = await nats_server.node_leading(cluster.worker_bus.jetstream, stream)

    nats_server.kill(node)
    await until(
        lambda: only_identity_not_ready(cluster), within_s=RECOVERY_S, what="identity reported not ready"
    )
    _, body = await readiness(cluster)
    assert subjects.AUTH_KEYS_BUCKET in (body["domains"]["identity"]["error"] or "")

    await nats_server.restart(node)
    await until(lambda: all_ready(cluster), within_s=RECOVERY_S, what="ready again after the node's return")


async def test_an_edge_that_starts_while_its_keys_bucket_cannot_answer_waits_for_it(
    cluster: Cluster,
    nats_server: NatsCluster,
    aiohttp_client: AiohttpClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stream = f"KV_{subjects.AUTH_KEYS_BUCKET}"
    node = await nats_server.node_leading(cluster.worker_bus.jetstream, stream)
    nats_server.kill(node)
    async with AsyncExitStack() as stack:
        starting = asyncio.create_task(
            edge_beside(cluster.settings, nats_server.url, "late-edge", aiohttp_client, stack)
        )
        await until(
            lambda: watch_failed(caplog), within_s=RECOVERY_S, what="the edge trying to load its keys"
        )
        assert not starting.done(), "the edge's start gave up while the bucket could come back"

        await nats_server.restart(node)
        late = await asyncio.wait_for(starting, RECOVERY_S)
        await until(lambda: all_ready(cluster), within_s=RECOVERY_S, what="the cluster ready again")
        ann = await cluster.worker_bus.request(
            Register(username="ann", password="password-123", sign_in=False)
        )
        token = cluster.signer.token(ann.user.id)
        me = await late.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status == 200, "the late edge verifies tokens with the keys it loaded"


async def watch_failed(caplog: pytest.LogCaptureFixture) -> bool:
    return any("could not watch KV bucket" in record.getMessage() for record in caplog.records)
