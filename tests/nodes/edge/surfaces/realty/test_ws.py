"""Realty (003) `chat/ws/{chat_id}` through real WebSocket clients on two edges: live messages matching
`chat/chat_messages`, typing, read, retries, only the chat's participants, only that chat, and
malformed frames."""

from __future__ import annotations

from typing import Any

import pytest

from nodes.edge.realtime.ws import MAX_FRAME_BYTES
from tests.conftest import Cluster
from tests.nodes.edge.surfaces.ws_client import Edge, WsClient
from tests.support.http import User, bearer, json_of
from tests.support.realty import list_property as listed
from tests.support.realty import realty_user

# The subject is the transport: the chat's storage runs on both databases in tests/nodes/workers/chat.
pytestmark = [pytest.mark.domains("identity", "catalog", "market", "chat"), pytest.mark.database_agnostic]


async def sign_up(cluster: Cluster, phone: str, role: str = "user") -> tuple[int, str]:
    user = await realty_user(cluster.edge_a, phone, role)
    return user.id, user.headers["Authorization"].removeprefix("Bearer ")


async def list_property(cluster: Cluster, seller_token: str) -> int:
    owner = User(id=0, headers=bearer(seller_token))
    return (await listed(cluster, cluster.edge_b, owner))["id"]  # type: ignore[no-any-return]


async def create_chat(edge: Edge, token: str, buyer: int, seller: int, property_id: int) -> int:
    body = {"buyer_id": buyer, "seller_id": seller, "property_id": property_id}
    return (await json_of(await edge.post("/chat/create_chat", json=body, headers=bearer(token)), 200))["id"]  # type: ignore[no-any-return]


async def chat_messages(edge: Edge, token: str, chat_id: int) -> list[dict[str, Any]]:
    return await json_of(await edge.get(f"/chat/chat_messages/{chat_id}", headers=bearer(token)), 200)  # type: ignore[no-any-return]


async def connect(edge: Edge, token: str, chat_id: int | str) -> WsClient:
    return await WsClient.connect(edge, f"/chat/ws/{chat_id}", registered=True, params={"token": token})


async def two_people_and_a_chat(cluster: Cluster) -> tuple[tuple[int, str], tuple[int, str], int]:
    buyer, seller = await sign_up(cluster, "+79197777771"), await sign_up(cluster, "+79197777772", "realtor")
    property_id = await list_property(cluster, seller[1])
    return buyer, seller, await create_chat(cluster.edge_a, buyer[1], buyer[0], seller[0], property_id)


async def test_buyer_and_seller_chat_live_on_different_edges_and_the_messages_agree(cluster: Cluster) -> None:
    (buyer, buyer_token), (seller, seller_token), chat_id = await two_people_and_a_chat(cluster)
    buyer_phone = await connect(cluster.edge_a, buyer_token, chat_id)
    seller_phone = await connect(cluster.edge_b, seller_token, chat_id)
    seller_tablet = await connect(cluster.edge_a, f"Bearer {seller_token}", chat_id)

    await buyer_phone.send({"type": "message", "content": "Можно посмотреть квартиру?"})
    [live] = await seller_phone.wait_for("message")
    assert set(live) == {"type", "id", "chat_id", "sender_id", "content", "created_at", "is_read"}
    assert (live["chat_id"], live["sender_id"], live["content"]) == (
        chat_id,
        buyer,
        "Можно посмотреть квартиру?",
    )
    assert await seller_tablet.wait_for("message") == await buyer_phone.wait_for("message") == [live]
    assert await chat_messages(cluster.edge_b, seller_token, chat_id) == [
        {k: v for k, v in live.items() if k != "type"}
    ]

    await seller_tablet.send({"content": "Да, завтра в 10"})  # a frame without a type is a message
    reply = (await buyer_phone.wait_for("message", 2))[1]
    assert (reply["sender_id"], reply["content"]) == (seller, "Да, завтра в 10")
    await buyer_phone.send({"type": "typing"})
    assert await seller_phone.wait_for("typing") == [{"type": "typing", "chat_id": chat_id, "user_id": buyer}]
    await buyer_phone.send({"type": "read", "message_id": reply["id"]})
    receipt = {"type": "read", "chat_id": chat_id, "message_id": reply["id"], "user_id": buyer}
    assert await seller_tablet.wait_for("read") == [receipt]
    assert (await chat_messages(cluster.edge_a, seller_token, chat_id))[1]["is_read"] is True
    assert buyer_phone.of_type("error") == seller_phone.of_type("error") == []
    for client in (buyer_phone, seller_phone, seller_tablet):
        await client.close()


async def test_a_retried_send_with_the_same_client_id_is_stored_once(cluster: Cluster) -> None:
    (_, buyer_token), _, chat_id = await two_people_and_a_chat(cluster)
    phone = await connect(cluster.edge_b, buyer_token, chat_id)
    send = {"message": "Цена окончательная?", "client_msg_id": "r-1"}  # `message` reads as `content`
    first, again = await phone.ask(send, "ack"), await phone.ask(send, "ack")
    assert first == {
        "type": "ack",
        "client_msg_id": "r-1",
        "message_id": first["message_id"],
        "duplicate": False,
    }
    assert again == {**first, "duplicate": True}
    [echo] = await phone.wait_for("message")
    assert (echo["id"], echo["client_msg_id"]) == (first["message_id"], "r-1")
    assert [m["id"] for m in await chat_messages(cluster.edge_a, buyer_token, chat_id)] == [
        first["message_id"]
    ]
    await phone.close()


async def test_only_the_chats_participants_get_in_and_only_its_messages_come(cluster: Cluster) -> None:
    (buyer, buyer_token), (seller, seller_token), chat_id = await two_people_and_a_chat(cluster)
    _, stranger_token = await sign_up(cluster, "+79197777773")
    for token, path_id, code, detail in (
        (stranger_token, chat_id, 4004, "Chat not found"),
        (buyer_token, "abc", 4004, "Chat not found"),
        (buyer_token, 999_999, 4004, "Chat not found"),
        ("garbage", chat_id, 4001, "Could not validate credentials"),
    ):
        refused = await connect(cluster.edge_a, token, path_id)
        assert await refused.closed_with() == code
        assert refused.frames == [{"type": "error", "detail": detail}]

    other_chat = await create_chat(
        cluster.edge_b, seller_token, buyer, seller, await list_property(cluster, seller_token)
    )
    here = await connect(cluster.edge_a, seller_token, chat_id)
    there = await connect(cluster.edge_b, buyer_token, other_chat)
    await there.send({"content": "про другую квартиру"})
    await (buyer_here := await connect(cluster.edge_b, buyer_token, chat_id)).send({"content": "про эту"})
    assert [m["content"] for m in await here.wait_for("message")] == ["про эту"]
    await there.send({"content": "ещё"})
    assert [m["content"] for m in await there.wait_for("message", 2)] == ["про другую квартиру", "ещё"]
    for client in (here, there, buyer_here):
        await client.close()


async def test_malformed_frames_get_error_frames_and_oversized_ones_close_the_socket(
    cluster: Cluster,
) -> None:
    (_, buyer_token), _, chat_id = await two_people_and_a_chat(cluster)
    phone = await connect(cluster.edge_a, buyer_token, chat_id)
    assert await phone.ask("not json", "error") == {"type": "error", "detail": "Invalid JSON"}
    assert "call" in (await phone.ask({"type": "call"}, "error"))["detail"]
    assert (await phone.ask({"type": "message", "content": " "}, "error"))["detail"][0]["loc"] == ["content"]
    await phone.send({"content": "ok"})
    assert [m["content"] for m in await phone.wait_for("message")] == ["ok"]
    await phone.send({"content": "x" * MAX_FRAME_BYTES})
    assert await phone.closed_with() == 1009
