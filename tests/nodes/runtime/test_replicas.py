"""`[nats] replicas` on a real three-node NATS cluster: every bucket is kept on that many nodes, an
existing one is raised to them, a bucket outlives the node that led it, and a number the cluster
cannot place is refused at once with a message naming the setting."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from nodes.runtime.buckets import ReplicasError
from nodes.runtime.bus import Bus
from nodes.runtime.embedded_nats import EmbeddedNats
from protocols.subjects import BucketConfig
from tests.support.eventually import until
from tests.support.nats_cluster import NatsCluster, nats_cluster

# Many processes or a NATS cluster each: one such module at a time (make test's --dist loadgroup).
pytestmark = [pytest.mark.xdist_group("processes"), pytest.mark.database_agnostic]

OpenBus = Callable[[int], Awaitable[Bus]]  # a bus with that many replicas
REFUSED_WITHIN_S = 5.0  # a refusal is one API round trip; it must never hang on a retry loop


@pytest.fixture
async def three_nodes(tmp_path: Path) -> AsyncIterator[NatsCluster]:
    async with nats_cluster(tmp_path) as cluster:
        yield cluster


@pytest.fixture
async def connect(three_nodes: NatsCluster) -> AsyncIterator[OpenBus]:
    async with AsyncExitStack() as stack:

        async def open_bus(replicas: int) -> Bus:
            bus = await Bus.connect(three_nodes.url, name=f"r{replicas}", replicas=replicas)
            stack.push_async_callback(bus.close)
            return bus

        yield open_bus


async def replicas_of(bus: Bus, bucket: str) -> int:
    info = await bus.jetstream.stream_info(f"KV_{bucket}")
    return info.config.num_replicas or 1


async def test_buckets_get_the_configured_replicas_and_an_existing_one_is_raised(
    connect: OpenBus, caplog: pytest.LogCaptureFixture
) -> None:
    single, triple = await connect(1), await connect(3)
    old = BucketConfig("made_before", ttl_s=60)
    await single.bucket(old).put("k", b"v")
    assert await replicas_of(single, old.name) == 1

    await triple.bucket(old).get("k")  # the first open raises it, keeping its entries and TTL
    new = BucketConfig("made_now", in_memory=True)
    await triple.bucket(new).put("k", b"v")
    assert await replicas_of(triple, old.name) == 3
    assert (await triple.bucket(old).get("k")).value == b"v"
    assert (await triple.bucket(old).status()).ttl == 60
    assert await replicas_of(triple, new.name) == 3

    caplog.set_level(logging.INFO, logger="nodes.runtime.buckets")
    another_single = await connect(1)
    await another_single.bucket(new).put("k", b"w")  # never lowered behind the others' backs
    assert await replicas_of(triple, new.name) == 3
    assert [r.getMessage() for r in caplog.records if "more than configured" in r.getMessage()] == [
        "KV bucket made_now keeps 3 replicas, more than configured (1)"
    ]


async def test_a_replicated_bucket_outlives_its_leader_node(
    three_nodes: NatsCluster, connect: OpenBus
) -> None:
    bus = await connect(3)
    bucket = bus.bucket(BucketConfig("survivor", ttl_s=60))
    await bucket.put("k", b"before")
    cluster = (await bus.jetstream.stream_info("KV_survivor")).cluster
    assert cluster is not None and cluster.leader is not None
    three_nodes.kill(int(cluster.leader.removeprefix("n")))

    async def writes_and_reads() -> bool:
        try:
            await asyncio.wait_for(bucket.put("k", b"after"), 1.0)
            entry = await asyncio.wait_for(bucket.get("k"), 1.0)
        except Exception:  # noqa: BLE001 - an election in progress answers in several ways
            return False
        return entry.value == b"after"

    await until(writes_and_reads, within_s=15.0, what="the bucket on the two nodes left")


async def test_more_replicas_than_nodes_are_refused_at_once(connect: OpenBus) -> None:
    single, too_many = await connect(1), await connect(5)
    await single.bucket(BucketConfig("existing")).put("k", b"v")
    for config in (BucketConfig("existing"), BucketConfig("brand_new")):
        with pytest.raises(ReplicasError, match=r"with 5 replicas .*\[nats\] replicas"):
            await asyncio.wait_for(too_many.bucket(config).put("k", b"v"), REFUSED_WITHIN_S)


async def test_a_single_server_takes_one_replica_and_refuses_more(nats_server: EmbeddedNats) -> None:
    one = await Bus.connect(nats_server.url, name="one", replicas=1)
    two = await Bus.connect(nats_server.url, name="two", replicas=2)
    try:
        await one.bucket(BucketConfig("alone")).put("k", b"v")
        assert await replicas_of(one, "alone") == 1
        with pytest.raises(ReplicasError, match="must be 1 for a single nats-server"):
            await asyncio.wait_for(two.bucket(BucketConfig("alone_too")).put("k", b"v"), REFUSED_WITHIN_S)
    finally:
        await one.close()
        await two.close()


async def test_a_new_replicated_bucket_takes_its_first_write_at_once(connect: OpenBus) -> None:
    """A stream just made answers nothing until its nodes elect a leader: a process's first write to
    a bucket it created (identity publishing its keys at start-up) met "no response from stream"."""
    bus = await connect(3)
    for n in range(6):
        bucket = bus.bucket(BucketConfig(f"fresh{n}", ttl_s=60, in_memory=n % 2 == 0))
        assert await bucket.put("k", b"v") >= 1
