"""`/ready` tells the truth on a NATS cluster: while the node holding a domain's bucket is down, that
domain is not ready (its worker still answers pings through the other nodes), and it is ready again
by itself once the node is back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from protocols import subjects
from tests.conftest import Cluster
from tests.support.eventually import until
from tests.support.nats_cluster import NatsCluster, nats_cluster

# Many processes or a NATS cluster each: one such module at a time (make test's --dist loadgroup).
pytestmark = pytest.mark.xdist_group("processes")

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
    await until(lambda: only_identity_not_ready(cluster), within_s=RECOVERY_S, what="identity reported not ready")
    _, body = await readiness(cluster)
    assert subjects.AUTH_KEYS_BUCKET in (body["domains"]["identity"]["error"] or "")

    await nats_server.restart(node)
    await until(lambda: all_ready(cluster), within_s=RECOVERY_S, what="ready again after the node's return")
