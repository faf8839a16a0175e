"""Chatting over Socket.IO through the chat worker: sends with acks, retries, read, typing, catch-up."""

from __future__ import annotations

import asyncio

import pytest

from protocols import chat as wire
from protocols.envelope import Actor, Role
from protocols.identity import Register
from tests.conftest import Cluster
from tests.nodes.edge.realtime.live import LiveClient

# The contract's surface: accounts' and chats' storage run on both databases in tests/nodes/workers.
pytestmark = [pytest.mark.domains("identity", "chat"), pytest.mark.database_agnostic]


async def new_user(cluster: Cluster, name: str) -> Actor:
    registered = await cluster.worker_bus.request(
        Register(username=name, password="password-123", sign_in=False)
    )
    return Actor(user_id=registered.user.id, role=Role.USER)


async def dialog(cluster: Cluster, a: Actor, b: Actor) -> int:
    cmd = wire.OpenConversation(kind=wire.ConversationKind.AD_DIALOG, topic_id="ad-1", with_users=[b.user_id])
    return (await cluster.worker_bus.request(cmd, actor=a)).id


async def connect(cluster: Cluster, user: Actor, edge: int = 0, **auth: object) -> LiveClient:
    return await LiveClient.connect(cluster.edges[edge], cluster.signer.token(user.user_id), **auth)


async def test_two_users_on_different_edges_exchange_messages(cluster: Cluster) -> None:
    seller, buyer = await new_user(cluster, "seller"), await new_user(cluster, "buyer")
    conversation_id = await dialog(cluster, buyer, seller)
    seller_phone = await connect(cluster, seller, edge=0)
    buyer_phone = await connect(cluster, buyer, edge=1)
    buyer_laptop = await connect(cluster, buyer, edge=0)
    buyer_tablet = await connect(cluster, buyer, edge=1)  # beside the sending phone

    ack = await buyer_phone.call("send", {"conversation_id": conversation_id, "body": "Still for sale?"})
    assert set(ack) == {"ok", "message", "duplicate"} and ack["ok"] is True and ack["duplicate"] is False
    stored = ack["message"]
    assert stored["seq"] == 1 and stored["sender_id"] == buyer.user_id and stored["body"] == "Still for sale?"
    [delivered] = await seller_phone.wait_for("message")
    assert delivered["message"] == stored and delivered["conversation_kind"] == "ad_dialog"
    # The sender's other devices, on either edge, get it live; the sending one has it from the ack, once.
    for device in (buyer_laptop, buyer_tablet):
        assert (await device.wait_for("message"))[0] == delivered
    await asyncio.sleep(0.2)
    assert buyer_phone.received("message") == [] and len(buyer_tablet.received("message")) == 1

    read = await seller_phone.call("read", {"conversation_id": conversation_id, "up_to_seq": 1})
    assert read == {"ok": True, "state": {"conversation_id": conversation_id, "user_id": seller.user_id,
                                          "read_seq": 1, "unread_count": 0}}  # fmt: skip
    assert (await buyer_phone.wait_for("read"))[0]["state"] == read["state"]

    reply = await seller_phone.call("send", {"conversation_id": conversation_id, "body": "Yes"})
    assert reply["message"]["seq"] == 2
    assert (await buyer_phone.wait_for("message"))[0]["message"] == reply["message"]

    assert await buyer_phone.call("typing", {"conversation_id": conversation_id}) == {"ok": True}
    typing = (await seller_phone.wait_for("typing"))[0]
    assert typing["user_id"] == buyer.user_id and typing["typing"] is True

    stranger = await connect(cluster, await new_user(cluster, "stranger"), edge=1)
    refused = await stranger.call("send", {"conversation_id": conversation_id, "body": "me too"})
    assert refused["ok"] is False and refused["error"]["code"] == "not_found"
    assert stranger.received("message") == []
    for client in (seller_phone, buyer_phone, buyer_laptop, buyer_tablet, stranger):
        await client.close()


async def test_a_retried_send_is_stored_once_and_delivered_once_per_device(cluster: Cluster) -> None:
    seller, buyer = await new_user(cluster, "seller"), await new_user(cluster, "buyer")
    conversation_id = await dialog(cluster, buyer, seller)
    devices = [await connect(cluster, seller, edge=0), await connect(cluster, seller, edge=1)]
    buyer_phone = await connect(cluster, buyer, edge=0)

    send = {"conversation_id": conversation_id, "body": "hello", "client_msg_id": "c-1"}
    first = await buyer_phone.call("send", send)
    retried = await buyer_phone.call("send", send)
    assert retried["duplicate"] is True and retried["message"] == first["message"]
    after = await buyer_phone.call(
        "send", {"conversation_id": conversation_id, "body": "next", "client_msg_id": "c-2"}
    )
    assert after["message"]["seq"] == first["message"]["seq"] + 1

    for device in devices:  # "next" came after any second copy of "hello" would have
        await device.wait_for("message", 2)
        assert [m["message"]["body"] for m in device.received("message")] == ["hello", "next"]
    for client in (*devices, buyer_phone):
        await client.close()


async def test_reconnecting_with_positions_replays_what_was_missed(cluster: Cluster) -> None:
    seller, buyer = await new_user(cluster, "seller"), await new_user(cluster, "buyer")
    conversation_id = await dialog(cluster, buyer, seller)
    quiet_id = await dialog(cluster, seller, await new_user(cluster, "other"))
    buyer_phone = await connect(cluster, buyer)
    seller_phone = await connect(cluster, seller, edge=1)
    await buyer_phone.call("send", {"conversation_id": conversation_id, "body": "one"})
    await seller_phone.wait_for("message")
    await seller_phone.close()

    for body in ("two", "three"):
        await buyer_phone.call("send", {"conversation_id": conversation_id, "body": body})
    back = await connect(cluster, seller, edge=0, positions={str(conversation_id): 1, str(quiet_id): 0})
    replayed = await back.wait_for("message", 2)
    assert [(m["message"]["seq"], m["message"]["body"], m["replay"]) for m in replayed] == [
        (2, "two", True), (3, "three", True)
    ]  # fmt: skip
    assert all(
        set(m) == {"type", "message", "conversation_kind", "topic_id", "replay"}
        and (m["type"], m["conversation_kind"], m["topic_id"]) == ("message", "ad_dialog", "ad-1")
        for m in replayed
    )  # as live ones
    await buyer_phone.call("send", {"conversation_id": conversation_id, "body": "four"})
    assert [m["message"]["seq"] for m in await back.wait_for("message", 3)] == [2, 3, 4]
    assert back.received("resync") == []

    caught = await back.call("catch_up", {"positions": {str(conversation_id): 2}})
    assert set(caught) == {"ok", "messages", "resync"}
    assert (
        caught["ok"] is True and [m["seq"] for m in caught["messages"]] == [3, 4] and caught["resync"] == []
    )
    for client in (buyer_phone, back):
        await client.close()


async def test_a_client_too_far_behind_is_told_to_resync(cluster: Cluster) -> None:
    seller, buyer = await new_user(cluster, "seller"), await new_user(cluster, "buyer")
    conversation_id = await dialog(cluster, buyer, seller)
    await asyncio.gather(*(
        cluster.worker_bus.request(wire.SendMessage(conversation_id=conversation_id, body=str(i)), actor=buyer)
        for i in range(wire.CATCH_UP_MAX + 1)
    ))  # fmt: skip
    back = await connect(cluster, seller, positions={str(conversation_id): 0})
    assert await back.wait_for("resync") == [{"conversation_ids": [conversation_id]}]
    assert back.received("message") == []
    await back.close()
