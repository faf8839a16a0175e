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


async def test_a_notification_sent_again_with_its_key_is_given_and_pushed_once(cluster: Cluster) -> None:
    """A sender that did not hear the answer (its worker died, the reply was late) sends again; the
    same key gives each user the notification once, even when the copies arrive at once."""
    ann, bob = await new_user(cluster, "ann"), await new_user(cluster, "bob")
    pushed: list[dict[str, Any]] = []

    async def on(msg: Msg) -> None:
        pushed.append(orjson.loads(msg.data))

    sub = await cluster.worker_bus.subscribe(subjects.rt_user(ann.user_id), on)
    await cluster.worker_bus.synced()
    expired = wire.Notify(
        user_ids=[ann.user_id], type="ad_expired", payload={"ad_id": 7}, dedupe_key="ad_expired:7:1"
    )
    copies = await asyncio.gather(
        *(cluster.worker_bus.request(expired, actor=Actor.system()) for _ in range(5))
    )
    assert sorted(c.given_before for c in copies) == [0, 1, 1, 1, 1]
    assert len({c.items[0].id for c in copies}) == 1
    # Ann had it already; bob gets it now: one reply names both, only bob's is new.
    both = await cluster.worker_bus.request(
        expired.model_copy(update={"user_ids": [bob.user_id, ann.user_id]}), actor=Actor.system()
    )
    assert [n.user_id for n in both.items] == [bob.user_id, ann.user_id] and both.given_before == 1
    # Another key is another notification.
    again = expired.model_copy(update={"dedupe_key": "ad_expired:7:2"})
    assert (await cluster.worker_bus.request(again, actor=Actor.system())).given_before == 0
    await cluster.worker_bus.synced()
    await sub.unsubscribe()
    listed = await cluster.worker_bus.request(wire.ListNotifications(), actor=ann)
    assert listed.total == 2 and len([p for p in pushed if p["type"] == "notification"]) == 2
    assert (await cluster.worker_bus.request(wire.ListNotifications(), actor=bob)).total == 1
