"""Presence through real Socket.IO connections on two edges: several devices per user, contacts only,
and a killed edge's users going offline by themselves."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

import pytest

from nodes.edge.state import BUS
from nodes.runtime.kv import kv_subject
from nodes.runtime.settings import Settings
from protocols import chat as wire
from protocols import subjects
from protocols.envelope import Actor, Role, decode_request
from protocols.identity import Register
from protocols.presence import GetPresence, PresenceChanged, SweepPresence, user_of_key
from tests.conftest import Cluster
from tests.nodes.edge.realtime.live import LiveClient

pytestmark = [pytest.mark.domains("identity", "chat", "presence"), pytest.mark.database_agnostic]

TTL_S = 1.0


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    return lambda settings: replace(settings, presence=replace(settings.presence, ttl_s=TTL_S))


async def new_user(cluster: Cluster, name: str) -> Actor:
    registered = await cluster.worker_bus.request(
        Register(username=name, password="password-123", sign_in=False)
    )
    return Actor(user_id=registered.user.id, role=Role.USER)


async def connect(cluster: Cluster, user: Actor, edge: int) -> LiveClient:
    return await LiveClient.connect(cluster.edges[edge], cluster.signer.token(user.user_id))


def states(client: LiveClient, user: Actor) -> list[bool]:
    return [
        p["presence"]["online"]
        for p in client.received("presence")
        if p["presence"]["user_id"] == user.user_id
    ]


async def contacts(cluster: Cluster) -> tuple[Actor, Actor, Actor]:
    ann, bob, eve = [await new_user(cluster, n) for n in ("ann", "bob", "eve")]
    dialog = wire.OpenConversation(
        kind=wire.ConversationKind.AD_DIALOG, topic_id="ad-1", with_users=[bob.user_id]
    )
    await cluster.worker_bus.request(dialog, actor=ann)
    return ann, bob, eve


async def test_online_once_across_devices_and_edges_and_only_to_contacts(cluster: Cluster) -> None:
    ann, bob, eve = await contacts(cluster)
    bob_phone, eve_phone = await connect(cluster, bob, 1), await connect(cluster, eve, 1)
    ann_laptop = await connect(cluster, ann, 0)
    await bob_phone.wait_for("presence")
    ann_phone = await connect(cluster, ann, 1)  # a second device, on the other edge
    await ann_laptop.close()
    await asyncio.sleep(0.3)
    assert states(bob_phone, ann) == [True]  # still online: the phone is connected
    seen = await cluster.worker_bus.request(GetPresence(user_ids=[ann.user_id]), actor=bob)
    assert seen.items[0].online
    await ann_phone.close()
    await bob_phone.wait_for("presence", 2)
    assert states(bob_phone, ann) == [True, False]
    assert states(eve_phone, ann) == []  # shares no conversation with ann
    for client in (bob_phone, eve_phone):
        await client.close()


async def test_a_killed_edges_users_go_offline(cluster: Cluster) -> None:
    ann, bob, _ = await contacts(cluster)
    bob_phone = await connect(cluster, bob, 1)
    ann_laptop = await connect(cluster, ann, 0)
    await bob_phone.wait_for("presence")
    # Edge A dies: its NATS connection is gone, so it neither renews nor removes ann's key.
    await cluster.edge_a.app[BUS].nc.close()
    await asyncio.sleep(TTL_S + 0.5)
    await cluster.worker_bus.request(SweepPresence(), actor=Actor.system())  # what the scheduler runs
    await bob_phone.wait_for("presence", 2)
    assert states(bob_phone, ann) == [True, False]
    gone = await cluster.worker_bus.request(GetPresence(user_ids=[ann.user_id]), actor=bob)
    assert not gone.items[0].online and gone.items[0].last_seen is not None
    await bob_phone.close()
    await ann_laptop.sio.eio.disconnect(abort=True)


async def test_an_edge_shutting_down_says_goodbye_at_once_and_its_users_go_offline(cluster: Cluster) -> None:
    ann, bob, _ = await contacts(cluster)
    others = [await new_user(cluster, f"guest{i}") for i in range(8)]
    bob_phone = await connect(cluster, bob, 1)
    on_edge_a = [await connect(cluster, user, 0) for user in (ann, *others)]
    await bob_phone.wait_for("presence")
    reports: list[bytes] = []

    async def overheard(msg) -> None:  # type: ignore[no-untyped-def]
        reports.append(msg.data)

    listener = await cluster.worker_bus.subscribe(PresenceChanged.subject, overheard)
    await cluster.worker_bus.nc.flush()
    # One presence round trip per user, one after another, is what kept a loaded edge from exiting.
    await cluster.edge_a.close()
    await cluster.worker_bus.nc.flush()
    await listener.unsubscribe()
    # No goodbye one user at a time (an arrival's report may still be landing: those do not count).
    assert [r for r in reports if not decode_request(r).data["online"]] == []
    await cluster.worker_bus.request(SweepPresence(), actor=Actor.system())  # what the scheduler runs
    await bob_phone.wait_for("presence", 2)
    assert states(bob_phone, ann) == [True, False]
    for user in (ann, *others):
        seen = await cluster.worker_bus.request(GetPresence(user_ids=[user.user_id]), actor=user)
        assert not seen.items[0].online
    await bob_phone.close()
    for client in on_edge_a:
        await client.sio.eio.disconnect(abort=True)


async def test_a_connected_user_stays_online_past_the_keys_ttl(cluster: Cluster) -> None:
    ann, bob, _ = await contacts(cluster)
    bob_phone = await connect(cluster, bob, 1)
    ann_laptop = await connect(cluster, ann, 0)
    await bob_phone.wait_for("presence")
    for _ in range(3):  # the edge renews ann's key; the sweep must never find it expired
        await asyncio.sleep(TTL_S)
        await cluster.worker_bus.request(SweepPresence(), actor=Actor.system())
    seen = await cluster.worker_bus.request(GetPresence(user_ids=[ann.user_id]), actor=bob)
    assert seen.items[0].online
    assert states(bob_phone, ann) == [True]
    for client in (ann_laptop, bob_phone):
        await client.close()


async def test_users_arriving_together_have_their_keys_renewed_once_a_period(cluster: Cluster) -> None:
    users = [await new_user(cluster, f"guest{i}") for i in range(10)]
    renewals: list[str] = []

    async def overheard(msg) -> None:  # type: ignore[no-untyped-def]
        renewals.append(msg.subject)

    # All first connections at once: the edge opens its presence bucket (and starts renewing) once.
    clients = await asyncio.gather(*(connect(cluster, user, 0) for user in users))
    listener = await cluster.worker_bus.subscribe(f"$KV.{subjects.PRESENCE_BUCKET}.>", overheard)
    await asyncio.sleep(TTL_S * 2)
    await listener.unsubscribe()
    renew_every_s = TTL_S / 3
    per_key = Counter(renewals)
    prefix = kv_subject(subjects.PRESENCE_BUCKET, "")
    renewed = sorted(user_of_key(subject.removeprefix(prefix)) for subject in per_key)
    assert renewed == sorted(u.user_id for u in users)
    assert max(per_key.values()) <= TTL_S * 2 / renew_every_s + 1
    for client in clients:
        await client.close()
