"""The notify worker over NATS: stored per user, pushed live, listed by status, read only by their owner."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from nats.aio.msg import Msg

from protocols import notify as wire
from protocols import subjects
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.identity import Register
from tests.conftest import Cluster

pytestmark = pytest.mark.domains("identity", "notify")


async def new_user(cluster: Cluster, name: str) -> Actor:
    registered = await cluster.worker_bus.request(
        Register(username=name, password="password-123", sign_in=False)
    )
    return Actor(user_id=registered.user.id, role=Role.USER)


async def test_notifications_are_pushed_listed_and_read_by_their_owner(cluster: Cluster) -> None:
    ann, bob = await new_user(cluster, "ann"), await new_user(cluster, "bob")
    pushed: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def on(msg: Msg) -> None:
        await pushed.put(orjson.loads(msg.data))

    sub = await cluster.worker_bus.subscribe(subjects.rt_user(ann.user_id), on)
    await cluster.worker_bus.synced()
    match = wire.Notify(
        user_ids=[ann.user_id, bob.user_id], type="bilateral_match", title="New match found!",
        message="You have a new potential exchange", payload={"partner": "bob", "score": 0.92},
    )  # fmt: skip
    created = await cluster.worker_bus.request(match, actor=Actor.system())
    assert [n.user_id for n in created.items] == [ann.user_id, bob.user_id]
    live = await asyncio.wait_for(pushed.get(), 2)
    assert live["type"] == "notification" and live["notification"]["payload"] == {
        "partner": "bob",
        "score": 0.92,
    }
    await sub.unsubscribe()
    second = wire.Notify(user_ids=[ann.user_id], type="review", title="New review")
    await cluster.worker_bus.request(second, actor=Actor.system())

    page = await cluster.worker_bus.request(wire.ListNotifications(), actor=ann)
    assert [n.type for n in page.items] == ["review", "bilateral_match"] and page.total == 2
    mine = created.items[0].id
    read = await cluster.worker_bus.request(wire.MarkNotificationRead(notification_id=mine), actor=ann)
    assert read.read
    pending = await cluster.worker_bus.request(
        wire.ListNotifications(status=wire.NotificationStatus.PENDING), actor=ann
    )
    assert [n.type for n in pending.items] == ["review"]
    done = await cluster.worker_bus.request(
        wire.ListNotifications(status=wire.NotificationStatus.READ), actor=ann
    )
    assert [n.id for n in done.items] == [mine]
    newer = await cluster.worker_bus.request(wire.ListNotifications(after_id=mine), actor=ann)
    assert [n.type for n in newer.items] == ["review"]

    with pytest.raises(DomainError) as foreign:
        await cluster.worker_bus.request(wire.MarkNotificationRead(notification_id=mine), actor=bob)
    assert foreign.value.code is ErrorCode.NOT_FOUND
    assert (await cluster.worker_bus.request(wire.ListNotifications(), actor=bob)).total == 1


async def test_only_workers_notify(cluster: Cluster) -> None:
    ann = await new_user(cluster, "ann")
    with pytest.raises(DomainError) as refused:
        await cluster.worker_bus.request(wire.Notify(user_ids=[ann.user_id], type="spam"), actor=ann)
    assert refused.value.code is ErrorCode.FORBIDDEN
    with pytest.raises(DomainError) as ghost:
        await cluster.worker_bus.request(wire.Notify(user_ids=[99_999], type="x"), actor=Actor.system())
    assert ghost.value.code is ErrorCode.NOT_FOUND
