"""A nats-server restarted under traffic, on a fresh store: every bucket and its keys are gone, and the
platform repairs itself without restarting anything of its own.

The Socket.IO clients stay connected to their edges throughout; only the edges' and workers' NATS
connections go down and come back.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient

from nodes.edge.state import BUS
from nodes.runtime.bus import Bus
from nodes.runtime.embedded_nats import EmbeddedNats
from nodes.runtime.settings import Settings
from protocols import chat, subjects
from protocols.envelope import Actor, DomainError, Role
from protocols.identity import Register
from protocols.presence import GetPresence, SweepPresence
from scheduler.app import SchedulerApp
from tests.conftest import Cluster
from tests.nodes.edge.realtime.live import LiveClient
from tests.support.edge_server import Edge, edge_beside
from tests.support.eventually import until
from tests.support.polling import status_becomes

pytestmark = [pytest.mark.domains("identity", "chat", "notify", "presence"), pytest.mark.database_agnostic]

TTL_S = 2.0
SWEEP_S = 0.5
LOADED_S = 10.0  # room beyond the documented bound for a machine busy with other clusters' tests
RECOVERY_S = 20.0  # reconnecting, re-creating buckets, re-putting keys: seconds on a loaded machine
PASSWORD = "password-123"


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
async def servers() -> AsyncIterator[list[EmbeddedNats]]:
    """nats-servers a test starts. Requested first, so stopped last: after the cluster and the
    test's other resources have shut down through them."""
    started: list[EmbeddedNats] = []
    yield started
    for server in started:
        await server.stop()


@pytest.fixture
async def resources() -> AsyncIterator[AsyncExitStack]:
    """What a test starts beside the cluster (clients, edges, a scheduler). Requested after `cluster`,
    so it is closed before it."""
    async with AsyncExitStack() as stack:
        yield stack


async def new_user(cluster: Cluster, name: str) -> Actor:
    registered = await cluster.worker_bus.request(Register(username=name, password=PASSWORD, sign_in=False))
    return Actor(user_id=registered.user.id, role=Role.USER)


async def online(cluster: Cluster, viewer: Actor, user: Actor) -> bool:
    try:
        seen = await cluster.worker_bus.request(GetPresence(user_ids=[user.user_id]), actor=viewer)
    except DomainError:
        return False  # NATS not back yet
    return seen.items[0].online


def presence_of(client: LiveClient, user: Actor) -> list[bool]:
    return [
        p["presence"]["online"]
        for p in client.received("presence")
        if p["presence"]["user_id"] == user.user_id
    ]


async def sweep_succeeds(cluster: Cluster) -> bool:
    try:
        await cluster.worker_bus.request(SweepPresence(), actor=Actor.system())
    except DomainError:
        return False
    return True


async def ready(edge: Edge) -> int:
    return (await edge.get("/ready")).status


async def test_the_platform_recovers_from_a_nats_restart_by_itself(
    servers: list[EmbeddedNats],
    cluster: Cluster,
    resources: AsyncExitStack,
    tmp_path: Path,
    aiohttp_client: AiohttpClient,
) -> None:
    ann, bob, carl, dave = [await new_user(cluster, name) for name in ("ann", "bob", "carl", "dave")]
    for other in (ann, carl, dave):  # bob shares a conversation with each: they are his contacts
        dialog = chat.OpenConversation(
            kind=chat.ConversationKind.AD_DIALOG, topic_id="ad-1", with_users=[bob.user_id]
        )
        await cluster.worker_bus.request(dialog, actor=other)
    edge_c = await edge_beside(cluster.settings, cluster.nats.url, "edge-c", aiohttp_client, resources)
    scheduler_bus = await Bus.connect(cluster.nats.url, name="scheduler")
    resources.push_async_callback(scheduler_bus.close)
    scheduler = SchedulerApp(scheduler_bus, cluster.settings)
    await scheduler.start()
    resources.push_async_callback(scheduler.stop)

    bob_phone = await LiveClient.connect(cluster.edge_b, cluster.signer.token(bob.user_id))
    ann_laptop = await LiveClient.connect(cluster.edge_a, cluster.signer.token(ann.user_id))
    carl_phone = await LiveClient.connect(edge_c, cluster.signer.token(carl.user_id))
    for client in (bob_phone, ann_laptop, carl_phone):
        resources.push_async_callback(client.close)
    await until(lambda: online(cluster, bob, carl), within_s=5, what="carl online before the restart")
    ended = cluster.signer.token(dave.user_id, sid="ended-session")
    revoked = await cluster.worker_bus.kv(subjects.REVOKED_SESSIONS_BUCKET)
    await revoked.put("ended-session", b"1")
    me = "/api/v1/users/me"
    for edge in cluster.edges:
        refused = await status_becomes(
            401, functools.partial(edge.get, me, headers={"Authorization": f"Bearer {ended}"})
        )
        assert refused == 401
    # And a session really ended, in the database: dave signs in and out.
    signed_in = await cluster.edge_a.post("/auth/login", json={"username": "dave", "password": PASSWORD})
    logged_out = {"Authorization": f"Bearer {(await signed_in.json())['access_token']}"}
    assert (await cluster.edge_a.post("/auth/logout", headers=logged_out)).status == 200
    assert await status_becomes(401, lambda: cluster.edge_b.get(me, headers=logged_out)) == 401

    # The operator restarts nats-server; it comes back on the same port with an empty store.
    port = cluster.nats.port
    await cluster.nats.stop()
    assert await ready(cluster.edge_a) == 503  # NATS is gone: not ready, and it says so
    restarted = EmbeddedNats(tmp_path / "nats-restarted", port=port)
    servers.append(restarted)
    await restarted.start()

    for edge in (*cluster.edges, edge_c):
        assert await status_becomes(200, functools.partial(edge.get, "/ready"), within_s=RECOVERY_S) == 200
    await until(lambda: sweep_succeeds(cluster), within_s=RECOVERY_S, what="a presence sweep succeeding")
    await until(
        lambda: scheduler_holds(scheduler, cluster.worker_bus),
        within_s=RECOVERY_S,
        what="a scheduler leading again",
    )

    # Presence: the connected users' keys are back, a newcomer is seen, a killed edge's user goes.
    await until(lambda: online(cluster, bob, carl), within_s=RECOVERY_S, what="carl online again")
    dave_laptop = await LiveClient.connect(cluster.edge_a, cluster.signer.token(dave.user_id))
    resources.push_async_callback(dave_laptop.close)
    await until(lambda: online(cluster, bob, dave), within_s=RECOVERY_S, what="dave seen online")
    await until(
        lambda: presence_seen(bob_phone, dave, True), within_s=RECOVERY_S, what="bob told dave is online"
    )
    await kill(edge_c)
    # The documented bound: the key's TTL, then the next sweep (with room for a slow machine).
    await until(
        lambda: presence_seen(bob_phone, carl, False),
        within_s=TTL_S + SWEEP_S + LOADED_S,
        what="carl offline",
    )
    assert not await online(cluster, bob, carl)

    # Login (rate-limited through its bucket) works, and a brand-new edge verifies the token it
    # gives: identity published its key again into the lost bucket.
    login = await cluster.edge_a.post("/auth/login", json={"username": "dave", "password": PASSWORD})
    assert login.status == 200, await login.text()
    token = (await login.json())["access_token"]
    edge_d = await edge_beside(cluster.settings, restarted.url, "edge-d", aiohttp_client, resources)
    bearer = {"Authorization": f"Bearer {token}"}
    assert await status_becomes(200, lambda: edge_d.get(me, headers=bearer), within_s=RECOVERY_S) == 200
    # An edge that started after the store was lost still refuses the logged-out session's token:
    # identity announced the sessions it ended again, from the database.
    assert (await edge_d.get(me, headers=logged_out)).status == 401
    # The edges that knew of the ended session still refuse its token.
    for edge in cluster.edges:
        assert (await edge.get(me, headers={"Authorization": f"Bearer {ended}"})).status == 401


async def scheduler_holds(scheduler: SchedulerApp, bus: Bus) -> bool:
    """The scheduler leads, by a key written on the restarted server: a lease still held by the
    clock from before the restart, unable to renew, would lapse a moment later. Read through
    nats-py itself, which re-creates nothing, so only the lease's own writes can bring it back."""
    lease = scheduler.lease
    try:
        kv = await bus.jetstream.key_value(subjects.SCHEDULER_LEASE_BUCKET)
        entry = await kv.get(lease.key)
    except Exception:  # noqa: BLE001 - not written yet (or NATS not back): not leading yet
        return False
    return lease.held and entry.value == lease.holder_id.encode()


async def presence_seen(client: LiveClient, user: Actor, state: bool) -> bool:
    seen = presence_of(client, user)
    return bool(seen) and seen[-1] is state


async def kill(edge: Edge) -> None:
    """The edge dies: its NATS connection goes, so it neither renews nor removes its users' keys."""
    await edge.app[BUS].nc.close()


async def test_ready_says_when_a_domains_state_was_lost_and_recovers(cluster: Cluster) -> None:
    assert await ready(cluster.edge_a) == 200
    # The in-memory presence bucket is lost (as a restart of its nats-server node would lose it).
    await cluster.worker_bus.jetstream.delete_stream(f"KV_{subjects.PRESENCE_BUCKET}")
    probe = await cluster.edge_a.get("/ready")
    assert probe.status == 503
    body = await probe.json()
    assert body["domains"]["presence"]["ready"] is False and body["domains"]["chat"]["ready"] is True
    # Finding it lost re-created it: the domain is ready again, and its sweep works.
    assert await ready(cluster.edge_a) == 200
    assert await sweep_succeeds(cluster)
