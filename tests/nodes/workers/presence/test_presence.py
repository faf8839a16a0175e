"""The presence worker over NATS and KV, with the edges' part played by the test: several edges and
devices per user, contacts-only announcements, and a killed edge's users going offline by TTL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace

import orjson
import pytest
from nats.aio.msg import Msg
from nats.js.kv import KeyValue

from nodes.runtime.kv import kv_stream, remove_key
from nodes.runtime.settings import Settings
from protocols import chat, subjects
from protocols import presence as wire
from protocols.envelope import Actor, Role
from protocols.identity import Register
from tests.conftest import Cluster
from tests.nodes.edge.realtime.live import LiveClient

pytestmark = pytest.mark.domains("identity", "chat", "presence")

TTL_S = 1.0


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    return lambda settings: replace(settings, presence=replace(settings.presence, ttl_s=TTL_S))


async def new_user(cluster: Cluster, name: str) -> Actor:
    registered = await cluster.worker_bus.request(
        Register(username=name, password="password-123", sign_in=False)
    )
    return Actor(user_id=registered.user.id, role=Role.USER)


@asynccontextmanager
async def presence_seen_by(cluster: Cluster, user: Actor) -> AsyncIterator[asyncio.Queue[dict[str, object]]]:
    seen: asyncio.Queue[dict[str, object]] = asyncio.Queue()

    async def on(msg: Msg) -> None:
        body = orjson.loads(msg.data)
        if body["type"] == "presence":
            await seen.put(body["presence"])

    sub = await cluster.worker_bus.subscribe(subjects.rt_user(user.user_id), on)
    await cluster.worker_bus.synced()
    try:
        yield seen
    finally:
        await sub.unsubscribe()


async def connections(cluster: Cluster) -> KeyValue:
    return await cluster.worker_bus.kv(subjects.PRESENCE_BUCKET, ttl=TTL_S)


async def edge_reports(cluster: Cluster, user: Actor, edge: str, online: bool) -> None:
    """What an edge does on a user's first connection (or after its last one)."""
    kv = await connections(cluster)
    key = wire.presence_key(user.user_id, edge)
    if online:
        await kv.put(key, b"1")
    else:
        await remove_key(cluster.worker_bus.jetstream, subjects.PRESENCE_BUCKET, key)
    changed = wire.PresenceChanged(user_id=user.user_id, edge_id=edge, online=online)
    await cluster.worker_bus.request(changed, actor=Actor.system())


async def test_online_and_offline_reach_contacts_only_once_across_edges(cluster: Cluster) -> None:
    ann, bob, eve = [await new_user(cluster, n) for n in ("ann", "bob", "eve")]
    dialog = chat.OpenConversation(
        kind=chat.ConversationKind.AD_DIALOG, topic_id="ad-1", with_users=[bob.user_id]
    )
    await cluster.worker_bus.request(dialog, actor=ann)
    async with presence_seen_by(cluster, bob) as to_bob, presence_seen_by(cluster, eve) as to_eve:
        await edge_reports(cluster, ann, "edge-a", True)
        await edge_reports(cluster, ann, "edge-b", True)  # a second device elsewhere: no second "online"
        first = await asyncio.wait_for(to_bob.get(), 2)
        assert first["user_id"] == ann.user_id and first["online"] is True
        await edge_reports(cluster, ann, "edge-a", False)  # still on edge B
        await asyncio.sleep(0.1)
        assert to_bob.empty()
        await edge_reports(cluster, ann, "edge-b", False)
        gone = await asyncio.wait_for(to_bob.get(), 2)
        assert gone["online"] is False and gone["last_seen"] is not None
        assert to_eve.empty()  # shares no conversation with ann

    seen = await cluster.worker_bus.request(wire.GetPresence(user_ids=[ann.user_id, eve.user_id]), actor=bob)
    assert [(p.user_id, p.online) for p in seen.items] == [(ann.user_id, False)]  # eve is not bob's to know
    assert seen.items[0].last_seen is not None


async def test_a_killed_edges_users_go_offline_by_themselves(cluster: Cluster) -> None:
    ann, bob = await new_user(cluster, "ann"), await new_user(cluster, "bob")
    dialog = chat.OpenConversation(
        kind=chat.ConversationKind.AD_DIALOG, topic_id="ad-1", with_users=[bob.user_id]
    )
    await cluster.worker_bus.request(dialog, actor=ann)
    async with presence_seen_by(cluster, bob) as to_bob:
        await edge_reports(cluster, ann, "doomed-edge", True)
        assert (await asyncio.wait_for(to_bob.get(), 2))["online"] is True
        online = await cluster.worker_bus.request(wire.GetPresence(user_ids=[ann.user_id]), actor=bob)
        assert online.items[0].online
        # The edge dies: it neither renews nor deletes its key. The scheduled sweep notices the expiry.
        await asyncio.sleep(TTL_S + 0.5)
        await cluster.worker_bus.request(wire.SweepPresence(), actor=Actor.system())
        assert (await asyncio.wait_for(to_bob.get(), 2))["online"] is False
    offline = await cluster.worker_bus.request(wire.GetPresence(user_ids=[ann.user_id]), actor=bob)
    assert not offline.items[0].online


async def test_the_sweep_repairs_lost_reports_and_leaves_nothing_behind_on_the_server(
    cluster: Cluster,
) -> None:
    ann, bob = await new_user(cluster, "ann"), await new_user(cluster, "bob")
    dialog = chat.OpenConversation(
        kind=chat.ConversationKind.AD_DIALOG, topic_id="ad-1", with_users=[bob.user_id]
    )
    await cluster.worker_bus.request(dialog, actor=ann)
    kv = await connections(cluster)
    sweep = wire.SweepPresence()
    async with presence_seen_by(cluster, bob) as to_bob:
        # The edge wrote ann's key, but its report never reached a worker: the sweep announces her.
        await kv.put(wire.presence_key(ann.user_id, "edge-a"), b"1")
        await cluster.worker_bus.request(sweep, actor=Actor.system())
        assert (await asyncio.wait_for(to_bob.get(), 2))["online"] is True
        # The key goes, and that report is lost too: the next sweep takes her offline.
        await remove_key(
            cluster.worker_bus.jetstream, subjects.PRESENCE_BUCKET, wire.presence_key(ann.user_id, "edge-a")
        )
        await cluster.worker_bus.request(sweep, actor=Actor.system())
        assert (await asyncio.wait_for(to_bob.get(), 2))["online"] is False
        for _ in range(3):  # settled: further sweeps announce nothing
            await cluster.worker_bus.request(sweep, actor=Actor.system())
        await asyncio.sleep(0.1)
        assert to_bob.empty()

    js = cluster.worker_bus.jetstream
    for bucket in (subjects.PRESENCE_BUCKET, subjects.PRESENCE_STATE_BUCKET):
        info = await js.stream_info(f"KV_{bucket}")
        # Sweeping creates no consumers that linger on the server, and leaves no delete markers
        # for later sweeps to step over.
        assert info.state.consumer_count == 0, bucket
    state = await js.stream_info(f"KV_{subjects.PRESENCE_STATE_BUCKET}", subjects_filter="$KV.>")
    assert set(state.state.subjects or {}) == {f"$KV.{subjects.PRESENCE_STATE_BUCKET}.seen.{ann.user_id}"}
    # No user's key is left (the sweeps keep one record of their own there).
    left = await js.stream_info(f"KV_{subjects.PRESENCE_BUCKET}", subjects_filter="$KV.>")
    user_keys = [s for s in left.state.subjects or {} if s.split(".")[2].isdigit()]
    assert user_keys == [] and left.state.messages <= 1


async def test_a_bucket_that_comes_back_empty_tells_nobody_a_connected_user_went_offline(
    cluster: Cluster,
) -> None:
    """Issue 12 item 5: a nats-server restart loses the in-memory connections bucket. Sweeps run at
    once and again and again; a user whose edge is alive is put back by its renewals and never
    announced offline, while one whose edge died with the bucket is, once the edges had their time."""
    ann, bob, carl = [await new_user(cluster, n) for n in ("ann", "bob", "carl")]
    for other in (ann, carl):
        dialog = chat.OpenConversation(
            kind=chat.ConversationKind.AD_DIALOG, topic_id="ad-1", with_users=[bob.user_id]
        )
        await cluster.worker_bus.request(dialog, actor=other)
    sweep = wire.SweepPresence()
    async with presence_seen_by(cluster, bob) as to_bob:
        ann_phone = await LiveClient.connect(cluster.edge_a, cluster.signer.token(ann.user_id))
        try:
            await edge_reports(cluster, carl, "edge-that-dies", True)
            announced = {(await asyncio.wait_for(to_bob.get(), 2))["user_id"] for _ in range(2)}
            assert announced == {ann.user_id, carl.user_id}

            await cluster.worker_bus.jetstream.delete_stream(kv_stream(subjects.PRESENCE_BUCKET))
            told: list[tuple[object, object]] = []
            while (carl.user_id, False) not in told:
                await cluster.worker_bus.request(sweep, actor=Actor.system())
                told += drained(to_bob)
                assert (ann.user_id, False) not in told, "ann's edge is alive: she never went offline"
                await asyncio.sleep(0.05)
            # A few more sweeps, past one TTL: ann stays, carl is not announced twice.
            for _ in range(int(TTL_S / 0.05)):
                await cluster.worker_bus.request(sweep, actor=Actor.system())
                await asyncio.sleep(0.05)
            assert told + drained(to_bob) == [(carl.user_id, False)]
        finally:
            await ann_phone.close()


def drained(seen: asyncio.Queue[dict[str, object]]) -> list[tuple[object, object]]:
    """(user, online) of each announcement waiting in the queue, which is left empty."""
    told = []
    while not seen.empty():
        presence = seen.get_nowait()
        told.append((presence["user_id"], presence["online"]))
    return told
