"""FreeMarket (001) `/ws/exchange/{exchange_id}?token=` through real WebSocket clients on two edges:
live TEXT and IMAGE messages matching the REST history, typing, read, acked retries, only the
exchange's two users, only that exchange, and malformed frames. The exchanges are real ones
(`tests.support.exchanges`: the users list items and the matching pairs them)."""

from __future__ import annotations

from typing import Any

import pytest

from nodes.edge.realtime.ws import MAX_FRAME_BYTES
from tests.conftest import Cluster
from tests.nodes.edge.surfaces.ws_client import Edge, WsClient
from tests.support.exchanges import EXCHANGE_DOMAINS, mutual_exchange
from tests.support.http import bearer, json_of

# The subject is the transport: the chat's storage runs on both databases in tests/nodes/workers/chat.
pytestmark = [pytest.mark.domains(*EXCHANGE_DOMAINS), pytest.mark.database_agnostic]

PASSWORD = "StrongPassword123!"


async def register(edge: Edge, username: str) -> tuple[int, str]:
    body = {"email": f"{username}@example.com", "password": PASSWORD, "username": username}
    out = await json_of(await edge.post("/auth/register", json=body), 200)
    return out["user"]["id"], out["access_token"]


async def pair(cluster: Cluster) -> tuple[tuple[int, str], tuple[int, str], str]:
    alice, bob = await register(cluster.edge_a, "alice"), await register(cluster.edge_b, "bob")
    return alice, bob, await mutual_exchange(cluster.worker_bus, alice[0], bob[0])


async def history(edge: Edge, token: str, exchange_id: str) -> list[dict[str, Any]]:
    resp = await edge.get(f"/api/chat/exchange/{exchange_id}/history", headers=bearer(token))
    return (await json_of(resp, 200))["messages"]  # type: ignore[no-any-return]


async def connect(edge: Edge, token: str, exchange_id: str) -> WsClient:
    return await WsClient.connect(
        edge, f"/ws/exchange/{exchange_id}", registered=True, params={"token": token}
    )


def without(frame: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in frame.items() if k not in keys}


async def test_the_two_users_chat_live_on_different_edges_and_history_agrees(cluster: Cluster) -> None:
    (alice, alice_token), (bob, bob_token), exchange_id = await pair(cluster)
    alice_phone = await connect(cluster.edge_a, alice_token, exchange_id)
    alice_laptop = await connect(cluster.edge_b, alice_token, exchange_id)
    bob_phone = await connect(cluster.edge_b, bob_token, exchange_id)

    await alice_phone.send({"type": "message", "text": "Hello, let's meet tomorrow!", "message_type": "TEXT"})
    [live] = await bob_phone.wait_for("message")
    assert (live["exchange_id"], live["sender_id"], live["message_text"], live["message_type"]) == (
        exchange_id, alice, "Hello, let's meet tomorrow!", "TEXT"
    )  # fmt: skip
    assert await alice_phone.wait_for("message") == await alice_laptop.wait_for("message") == [live]
    assert await history(cluster.edge_a, alice_token, exchange_id) == [without(live, "type")]

    await bob_phone.send(
        {"type": "message", "text": "https://cdn.example.com/bike.jpg", "message_type": "IMAGE"}
    )
    image = (await alice_laptop.wait_for("message", 2))[1]
    assert (image["sender_id"], image["message_type"]) == (bob, "IMAGE")
    assert image["message_text"] == "https://cdn.example.com/bike.jpg"

    await alice_laptop.send({"type": "typing"})
    assert await bob_phone.wait_for("typing") == [
        {"type": "typing", "exchange_id": exchange_id, "user_id": alice}
    ]
    await alice_phone.send({"type": "read"})
    receipt = {"type": "read", "exchange_id": exchange_id, "user_id": alice, "message_id": image["id"]}
    assert await bob_phone.wait_for("read") == [receipt]
    assert [m["is_read"] for m in await history(cluster.edge_b, bob_token, exchange_id)] == [True, True]
    assert alice_phone.of_type("error") == bob_phone.of_type("error") == []
    for client in (alice_phone, alice_laptop, bob_phone):
        await client.close()


async def test_a_send_with_a_client_id_is_acked_and_stored_once_however_often_it_is_retried(
    cluster: Cluster,
) -> None:
    (_, alice_token), _, exchange_id = await pair(cluster)
    phone = await connect(cluster.edge_a, alice_token, exchange_id)
    send = {"type": "message", "text": "Deal?", "client_msg_id": "m-1"}
    first = await phone.ask(send, "ack")
    assert set(first) == {"type", "client_msg_id", "message_id", "duplicate"}
    [echo] = await phone.wait_for("message")
    assert (echo["id"], echo["client_msg_id"]) == (first["message_id"], "m-1")
    await phone.close()
    reconnected = await connect(cluster.edge_b, alice_token, exchange_id)  # as after a lost ack
    again = await reconnected.ask(send, "ack")
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert first["message_id"] == again["message_id"] and again["client_msg_id"] == "m-1"
    assert [m["id"] for m in await history(cluster.edge_a, alice_token, exchange_id)] == [first["message_id"]]
    await reconnected.close()


async def test_only_the_exchanges_users_get_in_and_only_its_messages_come(cluster: Cluster) -> None:
    (alice, alice_token), (bob, bob_token), exchange_id = await pair(cluster)
    _, carol_token = await register(cluster.edge_a, "carol")
    for token, path_id, code, error_type in (
        (carol_token, exchange_id, 4004, "not_found"),
        (alice_token, "chain_7", 4004, "not_found"),
        ("not-a-token", exchange_id, 4001, "authentication_error"),
    ):
        refused = await connect(cluster.edge_b, token, path_id)
        assert await refused.closed_with() == code
        [error] = refused.frames
        assert (error["type"], error["error_type"]) == ("error", error_type), error
    no_token = await WsClient.connect(cluster.edge_a, f"/ws/exchange/{exchange_id}")
    assert await no_token.closed_with() == 4001

    bob_here = await connect(cluster.edge_a, bob_token, exchange_id)
    alice_here = await connect(cluster.edge_a, alice_token, exchange_id)
    other_items = await mutual_exchange(cluster.worker_bus, alice, bob, ("Самокат", "Ноутбук"))
    alice_there = await connect(cluster.edge_b, alice_token, other_items)
    await alice_there.send({"type": "message", "text": "about the other items"})
    await alice_here.send({"type": "message", "text": "this one"})
    assert [m["message_text"] for m in await bob_here.wait_for("message")] == ["this one"]
    assert [m["message_text"] for m in await alice_here.wait_for("message")] == ["this one"]
    await alice_there.send({"type": "message", "text": "later"})
    assert [m["message_text"] for m in await alice_there.wait_for("message", 2)] == [
        "about the other items",
        "later",
    ]
    for client in (bob_here, alice_here, alice_there):
        await client.close()


async def test_malformed_frames_get_error_frames_and_oversized_ones_close_the_socket(
    cluster: Cluster,
) -> None:
    (_, alice_token), _, exchange_id = await pair(cluster)
    phone = await connect(cluster.edge_a, alice_token, exchange_id)
    bad_json = await phone.ask("{oops", "error")
    assert (bad_json["detail"], bad_json["status_code"], bad_json["error_type"]) == (
        "Invalid JSON", 400, "validation_error"
    )  # fmt: skip
    assert "poke" in (await phone.ask({"type": "poke"}, "error"))["detail"]
    assert (await phone.ask({"type": "message"}, "error"))["detail"].startswith("text:")
    assert (await phone.ask({"type": "message", "text": "x", "message_type": "VIDEO"}, "error"))[
        "status_code"
    ] == 400
    system = await phone.ask(
        {"type": "message", "text": "I am the platform", "message_type": "SYSTEM"}, "error"
    )
    assert system["error_type"] == "validation_error"
    await phone.send({"type": "message", "text": "fine"})
    assert [m["message_text"] for m in await phone.wait_for("message")] == ["fine"]
    await phone.send({"type": "message", "text": "x" * MAX_FRAME_BYTES})
    assert await phone.closed_with() == 1009
    assert [m["message_text"] for m in await history(cluster.edge_b, alice_token, exchange_id)] == ["fine"]
