"""NATS losing the `presence` bucket's contents under connected users tells their contacts nothing:
the bucket lives in memory, so a restart empties it, and the sweep must wait for the edges to put
their keys back before it may take anyone offline. A user whose edge really died still goes offline
in time.

Real Socket.IO clients on real edges, a real scheduler sweeping, real nats-servers restarted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from nats.errors import Error as NatsError
from nats.js.api import StorageType

from nodes.edge.state import BUS
from nodes.runtime.bus import Bus
from nodes.runtime.kv import kv_stream
from nodes.runtime.settings import Settings
from protocols import chat, subjects
from protocols.envelope import Actor, DomainError, Role
from protocols.identity import Register
from protocols.presence import SweepPresence
from scheduler.app import SchedulerApp
from tests.conftest import Cluster
from tests.nodes.edge.realtime.live import LiveClient
from tests.support.edge_server import edge_beside
from tests.support.eventually import until
from tests.support.nats_cluster import NatsCluster, nats_cluster

# Many processes or a NATS cluster each: one such module at a time (make test's --dist loadgroup).
pytestmark = pytest.mark.xdist_group("processes")

TTL_S = 2.0
CLUSTER_TTL_S = 6.0
SWEEP_S = 0.5
RECOVERY_S = 20.0  # reconnecting, JetStream answering again: seconds on a loaded machine
# Beyond the documented bound for a killed edge's users (the key's TTL, then the next sweep): room
# for a slow machine.
OFFLINE_SLACK_S = SWEEP_S + 5


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: presence keeps no tables, the database only says who are whose contacts."""
    return f"sqlite+aiosqlite:///{tmp_path / 'souk.db'}"


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    def short(settings: Settings) -> Settings:
        return replace(
            settings,
            presence=replace(settings.presence, ttl_s=TTL_S),
            scheduler=replace(settings.scheduler, presence_sweep_interval_s=SWEEP_S, lease_ttl_s=3.0),
        )

    return short


@pytest.fixture
async def resources() -> AsyncIterator[AsyncExitStack]:
    """What a test starts beside the cluster (clients, an edge, a scheduler); closed before it."""
    async with AsyncExitStack() as stack:
        yield stack


class Contacts:
    """Bob, watching over Socket.IO; ann and carl, his contacts, connected to other edges."""

    def __init__(self, bob: LiveClient, ann: Actor, carl: Actor, carls_edge: TestClient) -> None:
        self.bob, self.ann, self.carl, self.carls_edge = bob, ann, carl, carls_edge

    def told(self, user: Actor) -> list[bool]:
        return [
            p["presence"]["online"]
            for p in self.bob.received("presence")
            if p["presence"]["user_id"] == user.user_id
        ]

    async def told_online(self, user: Actor) -> bool:
        return self.told(user)[-1:] == [True]

    async def told_offline(self, user: Actor) -> bool:
        return self.told(user)[-1:] == [False]


async def new_user(cluster: Cluster, name: str) -> Actor:
    registered = await cluster.worker_bus.request(
        Register(username=name, password="password-123", sign_in=False)
    )
    return Actor(user_id=registered.user.id, role=Role.USER)


async def connected_contacts(cluster: Cluster, stack: AsyncExitStack, aiohttp_client: Any) -> Contacts:
    """Bob and his two contacts online, each on an edge of their own, with a scheduler sweeping."""
    ann, bob, carl = [await new_user(cluster, name) for name in ("ann", "bob", "carl")]
    for other in (ann, carl):
        dialog = chat.OpenConversation(
            kind=chat.ConversationKind.AD_DIALOG, topic_id="ad-1", with_users=[bob.user_id]
        )
        await cluster.worker_bus.request(dialog, actor=other)
    scheduler_bus = await Bus.connect(cluster.settings.nats.url, name="scheduler")
    stack.push_async_callback(scheduler_bus.close)
    scheduler = SchedulerApp(scheduler_bus, cluster.settings)
    await scheduler.start()
    stack.push_async_callback(scheduler.stop)
    edge_c = await edge_beside(cluster.settings, cluster.settings.nats.url, "edge-c", aiohttp_client, stack)
    contacts = Contacts(
        await LiveClient.connect(cluster.edge_b, cluster.signer.token(bob.user_id)), ann, carl, edge_c
    )
    stack.push_async_callback(contacts.bob.close)
    for user, edge in ((ann, cluster.edge_a), (carl, edge_c)):
        client = await LiveClient.connect(edge, cluster.signer.token(user.user_id))
        stack.push_async_callback(client.close)
        await until(
            lambda u=user: contacts.told_online(u), within_s=5, what=f"bob told user {user.user_id} is online"
        )
    return contacts


async def sweep_succeeds(cluster: Cluster) -> bool:
    try:
        await cluster.worker_bus.request(SweepPresence(), actor=Actor.system())
    except DomainError:
        return False
    return True


async def buckets_whole(cluster: Cluster) -> bool:
    js = cluster.worker_bus.jetstream
    for bucket in (subjects.PRESENCE_BUCKET, subjects.PRESENCE_STATE_BUCKET):
        try:
            info = await js.stream_info(kv_stream(bucket))
        except (NatsError, TimeoutError):
            return False
        peers = (info.cluster.replicas or []) if info.cluster else []
        if len(peers) != 2 or not all(peer.current and not peer.offline for peer in peers):
            return False
    return True


async def carl_goes_offline_and_nobody_else(cluster: Cluster, contacts: Contacts) -> None:
    """Carl's edge dies (its NATS connection goes: it neither renews nor removes his key). He goes
    offline within the bound; by then the sweep takes people offline again, and ann, still
    connected, never was."""
    await until(lambda: sweep_succeeds(cluster), within_s=RECOVERY_S, what="a presence sweep succeeding")
    await contacts.carls_edge.app[BUS].nc.close()
    await until(
        lambda: contacts.told_offline(contacts.carl),
        within_s=cluster.settings.presence.ttl_s + OFFLINE_SLACK_S,
        what="carl told offline",
    )
    assert await sweep_succeeds(cluster)  # one more, after the bucket is old enough to take anyone offline
    assert contacts.told(contacts.ann) == [True], "ann stayed connected throughout"


async def test_a_bucket_come_back_empty_tells_contacts_nothing_and_a_dead_edges_user_still_goes(
    cluster: Cluster, resources: AsyncExitStack, aiohttp_client: Any
) -> None:
    contacts = await connected_contacts(cluster, resources, aiohttp_client)

    # Every key gone at once, the stream kept: what a NATS cluster restarted as a whole leaves of the
    # in-memory bucket. A sweep at once, before any edge renews, finds no key of anyone.
    await cluster.worker_bus.jetstream.purge_stream(kv_stream(subjects.PRESENCE_BUCKET))
    await cluster.worker_bus.request(SweepPresence(), actor=Actor.system())

    await carl_goes_offline_and_nobody_else(cluster, contacts)
    assert contacts.told(contacts.carl) == [True, False]


class TestOnAThreeNodeCluster:
    @pytest.fixture
    def settings_override(self) -> Callable[[Settings], Settings]:
        """A TTL that outlasts a stream's leader election: renewals stop meanwhile, and each replica
        expires keys on its own, so a shorter one loses keys whenever a node dies."""

        def cluster_ttl(settings: Settings) -> Settings:
            return replace(
                settings,
                presence=replace(settings.presence, ttl_s=CLUSTER_TTL_S),
                scheduler=replace(settings.scheduler, presence_sweep_interval_s=SWEEP_S, lease_ttl_s=3.0),
            )

        return cluster_ttl

    @pytest.fixture
    async def nats_server(self, tmp_path: Path) -> AsyncIterator[NatsCluster]:
        """Every client lists all three nodes; the cluster's `nats` is the three-node cluster."""
        async with nats_cluster(tmp_path / "nats") as nodes:
            # Three replicas of both presence buckets, so that losing one node loses nothing (made
            # here, before any process makes them with the configured replicas).
            setup = await Bus.connect(nodes.url, name="setup")
            js = setup.jetstream

            async def created() -> bool:
                # Tried again while the new cluster is still placing streams (no response meanwhile).
                try:
                    await js.create_key_value(
                        bucket=subjects.PRESENCE_BUCKET, ttl=CLUSTER_TTL_S, storage=StorageType.MEMORY, replicas=3
                    )
                    await js.create_key_value(bucket=subjects.PRESENCE_STATE_BUCKET, replicas=3)
                except (NatsError, TimeoutError):
                    return False
                return True

            await until(created, within_s=RECOVERY_S, what="the presence buckets made on three nodes")
            await setup.close()
            yield nodes

    async def test_the_leading_node_or_all_nodes_restarting_tell_contacts_nothing(
        self, nats_server: NatsCluster, cluster: Cluster, resources: AsyncExitStack, aiohttp_client: Any
    ) -> None:
        nodes = nats_server
        replicas = (
            await cluster.worker_bus.jetstream.stream_info(kv_stream(subjects.PRESENCE_BUCKET))
        ).config
        assert replicas.num_replicas == 3
        contacts = await connected_contacts(cluster, resources, aiohttp_client)

        # The node leading the bucket's stream dies: no edge can renew a key until the others elect
        # a new leader, and meanwhile they expire keys on their own.
        stream = (await cluster.worker_bus.jetstream.stream_info(kv_stream(subjects.PRESENCE_BUCKET))).cluster
        index = int((stream.leader if stream and stream.leader else "n0").removeprefix("n"))
        nodes.kill(index)
        await until(lambda: sweep_succeeds(cluster), within_s=RECOVERY_S, what=f"a sweep without node {index}")
        await nodes.restart(index)
        await until(lambda: sweep_succeeds(cluster), within_s=RECOVERY_S, what=f"a sweep with node {index} back")
        await until(lambda: buckets_whole(cluster), within_s=RECOVERY_S, what=f"replicas current on node {index}")
        # Then the whole cluster at once: the bucket's stream is kept in the cluster's metadata, but
        # its memory comes back empty on every node.
        for index in range(len(nodes.nodes)):
            nodes.kill(index)
        await asyncio.gather(*(node.start() for node in nodes.nodes))
        await nodes.wait_for_jetstream(within_s=RECOVERY_S)

        await carl_goes_offline_and_nobody_else(cluster, contacts)
        assert contacts.told(contacts.carl) == [True, False]
