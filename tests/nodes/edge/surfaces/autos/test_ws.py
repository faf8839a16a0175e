"""MillionAvto (000) `/ws/chat` and `/ws/status` through real WebSocket clients on two edges: auth
first, live messages in both directions and to every device, typing, read receipts, retries, status,
strangers and malformed frames."""

from __future__ import annotations

from typing import Any

import pytest

from nodes.edge.realtime.ws import MAX_FRAME_BYTES
from protocols.chat import ConversationKind, OpenConversation, SendMessage
from tests.conftest import Cluster
from tests.nodes.edge.surfaces.ws_client import Edge, WsClient
from tests.support.ads import active_ad
from tests.support.http import User, bearer, json_of

pytestmark = [
    pytest.mark.domains("identity", "chat", "presence", "catalog", "market"),
    pytest.mark.database_agnostic,  # the subject is the transport: the chat's storage runs on both databases in tests/nodes/workers/chat
]

PASSWORD = "SecurePass123!"
DIALOGS = "/api/v1/chat/dialogs"


async def register(edge: Edge, email: str) -> tuple[User, str]:
    resp = await edge.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    out = await json_of(resp, 201)
    return User(id=out["user"]["id"], headers=bearer(out["access_token"])), out["access_token"]


async def open_dialog(cluster: Cluster, buyer: User, seller: User) -> int:
    """A dialog about a new active ad of the seller's."""
    ad = await active_ad(cluster.edge_b.post, cluster.worker_bus, seller.headers)
    resp = await cluster.edge_a.post(
        DIALOGS, json={"ad_id": ad, "seller_id": seller.id}, headers=buyer.headers
    )
    return (await json_of(resp, 201))["id"]  # type: ignore[no-any-return]


async def history(edge: Edge, user: User, dialog_id: int) -> list[dict[str, Any]]:
    resp = await edge.get(f"{DIALOGS}/{dialog_id}/messages", headers=user.headers)
    return (await json_of(resp, 200))["items"]  # type: ignore[no-any-return]


async def signed_in(edge: Edge, token: str, path: str = "/ws/chat") -> WsClient:
    client = await WsClient.connect(edge, path)
    await client.send({"type": "auth", "token": token})
    assert (await client.wait_for("auth"))[0]["status"] == "ok"
    return client


def without(frame: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in frame.items() if k not in keys}


async def test_two_users_on_different_edges_chat_live_and_rest_agrees(cluster: Cluster) -> None:
    (buyer, buyer_token), (seller, seller_token) = [
        await register(cluster.edge_a, "buyer@example.com"), await register(cluster.edge_b, "seller@example.com")
    ]  # fmt: skip
    dialog_id = await open_dialog(cluster, buyer, seller)
    buyer_phone = await signed_in(cluster.edge_a, buyer_token)
    seller_phone = await signed_in(cluster.edge_b, seller_token)
    seller_laptop = await signed_in(cluster.edge_a, seller_token)

    await buyer_phone.send(
        {"type": "message", "dialog_id": dialog_id, "content": "Is this car still available?"}
    )
    [live] = await seller_phone.wait_for("message")
    assert set(live) == {
        "type",
        "id",
        "message_id",
        "dialog_id",
        "sender_id",
        "content",
        "created_at",
        "is_read",
    }
    assert (live["dialog_id"], live["sender_id"], live["content"]) == (
        dialog_id,
        buyer.id,
        "Is this car still available?",
    )
    assert (await buyer_phone.wait_for("message"))[0] == live  # the sender's socket too
    assert (await seller_laptop.wait_for("message"))[0] == live  # and every device of the other
    [stored] = await history(cluster.edge_b, seller, dialog_id)
    assert stored == without(live, "type")

    await seller_laptop.send({"type": "message", "dialog_id": dialog_id, "content": "Yes, it's available!"})
    reply = (await buyer_phone.wait_for("message", 2))[1]
    assert reply["sender_id"] == seller.id and reply["content"] == "Yes, it's available!"
    assert (await seller_phone.wait_for("message", 2))[1] == reply

    await seller_phone.send({"type": "typing", "dialog_id": dialog_id})
    assert await buyer_phone.wait_for("typing") == [
        {"type": "typing", "dialog_id": dialog_id, "user_id": seller.id}
    ]

    assert (await history(cluster.edge_a, seller, dialog_id))[1]["is_read"] is False
    await buyer_phone.send({"type": "read", "dialog_id": dialog_id, "message_id": reply["id"]})
    receipt = {"type": "read", "dialog_id": dialog_id, "message_id": reply["id"], "user_id": buyer.id}
    assert await seller_phone.wait_for("read") == [receipt]
    assert await buyer_phone.wait_for("read") == [receipt]
    assert (await history(cluster.edge_a, seller, dialog_id))[1]["is_read"] is True
    assert seller_phone.of_type("error") == buyer_phone.of_type("error") == []
    for client in (buyer_phone, seller_phone, seller_laptop):
        await client.close()


async def test_a_retried_send_with_the_same_client_id_is_stored_once(cluster: Cluster) -> None:
    (buyer, buyer_token), (seller, seller_token) = [
        await register(cluster.edge_a, "buyer@example.com"), await register(cluster.edge_b, "seller@example.com")
    ]  # fmt: skip
    dialog_id = await open_dialog(cluster, buyer, seller)
    phone = await signed_in(cluster.edge_b, buyer_token)
    seller_phone = await signed_in(cluster.edge_a, seller_token)
    send = {"type": "message", "dialog_id": dialog_id, "content": "hello", "client_msg_id": "c-1"}
    first = await phone.ask(send, "ack")
    again = await phone.ask(send, "ack")
    assert first == {"type": "ack", "client_msg_id": "c-1", "dialog_id": dialog_id,
                     "message_id": first["message_id"], "duplicate": False}  # fmt: skip
    assert again == {**first, "duplicate": True}
    [echo] = await phone.wait_for("message")
    assert echo["id"] == first["message_id"] and echo["client_msg_id"] == "c-1"
    [received] = await seller_phone.wait_for("message")  # the client's id is its sender's only
    assert received == without(echo, "client_msg_id") and "client_msg_id" not in received
    assert [m["id"] for m in await history(cluster.edge_a, buyer, dialog_id)] == [first["message_id"]]
    for client in (phone, seller_phone):
        await client.close()


async def test_strangers_and_other_contracts_conversations_stay_out(cluster: Cluster) -> None:
    (buyer, buyer_token), (seller, _) = [
        await register(cluster.edge_a, "buyer@example.com"), await register(cluster.edge_b, "seller@example.com")
    ]  # fmt: skip
    stranger, stranger_token = await register(cluster.edge_a, "stranger@example.com")
    dialog_id = await open_dialog(cluster, buyer, seller)
    sneak = await signed_in(cluster.edge_b, stranger_token)
    for frame in (
        {"type": "message", "dialog_id": dialog_id, "content": "me too"},
        {"type": "typing", "dialog_id": dialog_id},
        {"type": "read", "dialog_id": dialog_id},
    ):
        error = await sneak.ask(frame, "error")
        assert "not found" in error["detail"].lower(), error
    assert await history(cluster.edge_a, buyer, dialog_id) == []

    # The buyer's support thread (another contract's conversation) is not shown on /ws/chat.
    buyer_phone = await signed_in(cluster.edge_a, buyer_token)
    thread = await cluster.worker_bus.request(
        OpenConversation(kind=ConversationKind.SUPPORT), actor=buyer.actor
    )
    await cluster.worker_bus.request(
        SendMessage(conversation_id=thread.id, body="other app"), actor=buyer.actor
    )
    await buyer_phone.send({"type": "message", "dialog_id": dialog_id, "content": "after"})
    assert [m["content"] for m in await buyer_phone.wait_for("message")] == ["after"]
    assert sneak.of_type("message") == [] and sneak.of_type("typing") == []
    assert stranger.id not in (buyer.id, seller.id)
    for client in (sneak, buyer_phone):
        await client.close()


async def test_malformed_frames_are_answered_and_the_socket_keeps_working(cluster: Cluster) -> None:
    (buyer, buyer_token), (seller, _) = [
        await register(cluster.edge_a, "buyer@example.com"), await register(cluster.edge_b, "seller@example.com")
    ]  # fmt: skip
    dialog_id = await open_dialog(cluster, buyer, seller)
    phone = await signed_in(cluster.edge_a, buyer_token)
    assert (await phone.ask("{not json", "error"))["detail"] == "Invalid JSON"
    assert (await phone.ask("[1, 2]", "error"))["detail"] == "A message must be a JSON object"
    assert "delete_everything" in (await phone.ask({"type": "delete_everything"}, "error"))["detail"]
    missing = await phone.ask({"type": "message", "dialog_id": dialog_id}, "error")
    assert [e["loc"] for e in missing["detail"]] == [["content"]]
    blank = await phone.ask({"type": "message", "dialog_id": dialog_id, "content": "   "}, "error")
    assert blank["detail"][0]["loc"] == ["content"]
    await phone.send({"type": "message", "dialog_id": dialog_id, "content": "still here"})
    assert (await phone.wait_for("message"))[0]["content"] == "still here"

    await phone.send({"type": "message", "dialog_id": dialog_id, "content": "x" * MAX_FRAME_BYTES})
    assert await phone.closed_with() == 1009  # message too big
    again = await signed_in(cluster.edge_a, buyer_token)
    await again.send({"type": "message", "dialog_id": dialog_id, "content": "back"})
    assert (await again.wait_for("message"))[0]["content"] == "back"
    await again.close()


async def test_a_socket_must_authenticate_first_with_a_valid_token(cluster: Cluster) -> None:
    _, token = await register(cluster.edge_a, "buyer@example.com")
    for first in ({"type": "message", "dialog_id": 1, "content": "hi"}, {"type": "auth", "token": "nope"}):
        client = await WsClient.connect(cluster.edge_b, "/ws/chat")
        await client.send(first)
        assert await client.closed_with() == 4001
        assert client.frames == [{"type": "error", "detail": client.frames[0]["detail"]}]
    status = await WsClient.connect(cluster.edge_a, f"/ws/status?token={token}")  # a query token works too
    assert (await status.wait_for("auth"))[0]["status"] == "ok"
    await status.close()


async def test_status_shows_dialog_partners_coming_online_and_going_offline(cluster: Cluster) -> None:
    (ann, ann_token), (bob, bob_token) = [
        await register(cluster.edge_a, "ann@example.com"), await register(cluster.edge_b, "bob@example.com")
    ]  # fmt: skip
    carol, carol_token = await register(cluster.edge_a, "carol@example.com")
    await open_dialog(cluster, ann, bob)
    exchange = OpenConversation(kind=ConversationKind.EXCHANGE, topic_id="x-1", with_users=[bob.id])
    await cluster.worker_bus.request(exchange, actor=carol.actor)  # a contact, but not through a dialog

    watcher = await signed_in(cluster.edge_b, bob_token, "/ws/status")
    assert await watcher.wait_for("status") == [{"type": "status", "user_id": ann.id, "status": "offline"}]
    carol_phone = await signed_in(cluster.edge_a, carol_token)
    ann_phone = await signed_in(cluster.edge_a, ann_token)
    online = {"type": "status", "user_id": ann.id, "status": "online"}
    assert (await watcher.wait_for("status", 2))[1] == online
    assert (await watcher.ask({"type": "status", "user_id": ann.id}, "status")) == online
    await ann_phone.close()
    assert (await watcher.wait_for("status", 4))[3] == {
        "type": "status",
        "user_id": ann.id,
        "status": "offline",
    }
    assert all(f["user_id"] == ann.id for f in watcher.of_type("status"))  # never carol
    assert (await watcher.ask({"type": "status", "user_id": carol.id}, "error"))["detail"] == "User not found"
    for client in (watcher, carol_phone):
        await client.close()
