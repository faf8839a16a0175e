"""The leader lease on a real three-node NATS cluster with its bucket on all three nodes: whichever node
dies (the one the holder is connected to, or the one leading the lease's stream), one scheduler leads
again within a TTL, and never two at once."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from nodes.runtime.bus import Bus
from protocols import subjects
from scheduler.lease import LeaderLease
from tests.scheduler.test_lease import Sampler
from tests.support.eventually import until
from tests.support.nats_cluster import NatsCluster, nats_cluster

# Many processes or a NATS cluster each: one such module at a time (make test's --dist loadgroup).
pytestmark = [pytest.mark.xdist_group("processes"), pytest.mark.database_agnostic]

TTL = 10.0
MARGIN_S = 1.0  # a renewal's round trip and the poll


@pytest.fixture
async def leases(tmp_path: Path) -> AsyncIterator[tuple[NatsCluster, list[LeaderLease]]]:
    async with AsyncExitStack() as stack:
        cluster = await stack.enter_async_context(nats_cluster(tmp_path))
        opened = []
        for i in range(2):
            bus = await Bus.connect(cluster.url, name=f"scheduler-{i}", replicas=3)
            stack.push_async_callback(bus.close)
            lease = LeaderLease(bus, ttl_s=TTL, holder_id=f"s{i}")
            await lease.start()
            stack.push_async_callback(lease.stop)
            opened.append(lease)
        yield cluster, opened


def node_of(lease: LeaderLease, cluster: NatsCluster) -> int:
    """The node this lease's bus is connected to."""
    url = lease.bus.nc.connected_url
    assert url is not None and url.port is not None
    return cluster.client_ports.index(url.port)


async def stream_leader(lease: LeaderLease) -> int:
    info = await lease.bus.jetstream.stream_info(f"KV_{subjects.SCHEDULER_LEASE_BUCKET}")
    assert info.cluster is not None and info.cluster.leader is not None
    return int(info.cluster.leader.removeprefix("n"))


async def a_leader_within_a_ttl_of(kill: int, cluster: NatsCluster, leases: list[LeaderLease]) -> None:
    """Kill node `kill`; some lease must then be renewed or taken (a write the cluster accepted
    after the kill) within one TTL, with never two holders meanwhile."""
    sampler = Sampler(leases)
    try:
        killed_at = time.monotonic()
        cluster.kill(kill)

        async def led_since_the_kill() -> bool:
            return any(lease.held and lease._renewed_at > killed_at for lease in leases)

        await until(led_since_the_kill, within_s=TTL + MARGIN_S, what=f"a leader after node {kill} died")
        assert sampler.most == 1
    finally:
        await sampler.stop()


async def test_a_leader_within_a_ttl_when_the_holders_node_dies(
    leases: tuple[NatsCluster, list[LeaderLease]],
) -> None:
    cluster, opened = leases
    assert [lease.held for lease in opened] == [True, False]
    await a_leader_within_a_ttl_of(node_of(opened[0], cluster), cluster, opened)


async def test_a_leader_within_a_ttl_when_the_lease_streams_leader_dies(
    leases: tuple[NatsCluster, list[LeaderLease]],
) -> None:
    cluster, opened = leases
    assert [lease.held for lease in opened] == [True, False]
    await a_leader_within_a_ttl_of(await stream_leader(opened[0]), cluster, opened)
