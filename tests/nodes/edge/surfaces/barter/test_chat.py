"""FreeMarket (001) exchange chat through HTTP on two edges: history (skip/limit, total, unread),
unread counts, mark-read; an exchange's chat (a real exchange: `tests.support.exchanges` lists the
users' items and runs the matching) is its participants' only, opened the first time one of them
touches it. Messages are sent over NATS as the WebSocket endpoint will."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from protocols.chat import ConversationKind, FindConversation, MessageKind, PostAssistantMessage, SendMessage
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from tests.conftest import Cluster
from tests.support.exchanges import EXCHANGE_DOMAINS, mutual_exchange
from tests.support.http import bearer, json_of

# The contract's surface: accounts' and chats' storage run on both databases in tests/nodes/workers.
pytestmark = [pytest.mark.domains(*EXCHANGE_DOMAINS), pytest.mark.database_agnostic]

Edge = TestClient[web.Request, web.Application]

PASSWORD = "StrongPassword123!"
MESSAGE_FIELDS = {
    "id", "exchange_id", "sender_id", "message_text", "message_type", "is_read", "delivered_at", "read_at",
    "created_at",
}  # fmt: skip


async def register(edge: Edge, username: str) -> tuple[int, str]:
    body = {"email": f"{username}@example.com", "password": PASSWORD, "username": username}
    out = await json_of(await edge.post("/auth/register", json=body), 200)
    return out["user"]["id"], out["access_token"]


async def error_of(resp: ClientResponse, status: int, error_type: str) -> str:
    body = await json_of(resp, status)
    assert set(body) == {"detail", "status_code", "error_type"}, body
    assert body["status_code"] == status and body["error_type"] == error_type, body
    return body["detail"]  # type: ignore[no-any-return]


def user(user_id: int) -> Actor:
    return Actor(user_id=user_id, role=Role.USER)


async def chat_id(cluster: Cluster, user_id: int, exchange_id: str) -> int:
    cmd = FindConversation(kind=ConversationKind.EXCHANGE, topic_id=exchange_id)
    return (await cluster.worker_bus.request(cmd, actor=user(user_id))).id


async def send(cluster: Cluster, sender: int, exchange_id: str, body: str, **kw: Any) -> int:
    """A message sent the way the WebSocket endpoint sends it; its id."""
    cmd = SendMessage(conversation_id=await chat_id(cluster, sender, exchange_id), body=body, **kw)
    return (await cluster.worker_bus.request(cmd, actor=user(sender))).message.id


async def history(edge: Edge, token: str, exchange_id: str, **query: int) -> dict[str, Any]:
    url = f"/api/chat/exchange/{exchange_id}/history"
    return await json_of(await edge.get(url, params=query, headers=bearer(token)), 200)  # type: ignore[no-any-return]


async def unread(edge: Edge, token: str) -> dict[str, Any]:
    return await json_of(await edge.get("/api/chat/unread-counts", headers=bearer(token)), 200)  # type: ignore[no-any-return]


async def mark_read(edge: Edge, token: str, exchange_id: str) -> dict[str, Any]:
    resp = await edge.post(f"/api/chat/exchange/{exchange_id}/mark-read", headers=bearer(token))
    return await json_of(resp, 200)  # type: ignore[no-any-return]


async def test_history_pages_from_the_newest_with_total_and_unread(cluster: Cluster) -> None:
    alice, alice_token = await register(cluster.edge_a, "alice")
    bob, bob_token = await register(cluster.edge_b, "bob")
    exchange = await mutual_exchange(cluster.worker_bus, alice, bob)

    # Alice's first look opens the chat (empty); Bob finds the same one from the other edge.
    assert await history(cluster.edge_a, alice_token, exchange) == {
        "messages": [],
        "total": 0,
        "unread_count": 0,
    }
    assert await chat_id(cluster, bob, exchange) == await chat_id(cluster, alice, exchange)

    hello = await send(cluster, alice, exchange, "Hello!")
    replies = [await send(cluster, bob, exchange, f"reply {n}") for n in (1, 2)]
    photo = await send(
        cluster, bob, exchange, "", kind=MessageKind.IMAGE, attachments=["https://x.kz/bike.jpg"]
    )

    newest = await history(cluster.edge_b, alice_token, exchange, limit=2)
    assert newest["total"] == 4 and newest["unread_count"] == 3
    first, second = newest["messages"]
    assert set(first) == MESSAGE_FIELDS
    assert [first["id"], second["id"]] == [replies[1], photo]
    assert first == {
        **first, "exchange_id": exchange, "sender_id": bob, "message_text": "reply 2", "message_type": "TEXT",
        "is_read": False, "read_at": None, "delivered_at": first["created_at"],
    }  # fmt: skip
    assert second["message_type"] == "IMAGE" and second["message_text"] == "https://x.kz/bike.jpg"

    older = await history(cluster.edge_a, alice_token, exchange, skip=2, limit=2)
    assert [m["id"] for m in older["messages"]] == [hello, replies[0]]
    assert [m["message_text"] for m in older["messages"]] == ["Hello!", "reply 1"]
    assert older["messages"][0]["is_read"] is True  # Bob wrote after it: he has read it
    assert (await history(cluster.edge_a, alice_token, exchange, skip=4))["messages"] == []

    bobs = await history(cluster.edge_a, bob_token, exchange)
    assert [m["id"] for m in bobs["messages"]] == [hello, *replies, photo]
    assert bobs["unread_count"] == 0 and bobs["total"] == 4
    # Bob's own messages: not read by Alice yet. Hers: read by him.
    assert [m["is_read"] for m in bobs["messages"]] == [True, False, False, False]


async def test_mark_read_zeroes_the_counts_of_that_exchange_only(cluster: Cluster) -> None:
    alice, alice_token = await register(cluster.edge_a, "alice")
    bob, bob_token = await register(cluster.edge_b, "bob")
    carol, carol_token = await register(cluster.edge_a, "carol")
    with_bob = await mutual_exchange(cluster.worker_bus, alice, bob)
    with_carol = await mutual_exchange(cluster.worker_bus, carol, alice, ("Самокат", "Ноутбук"))
    await history(cluster.edge_a, bob_token, with_bob)
    await history(cluster.edge_b, carol_token, with_carol)
    for n in range(3):
        await send(cluster, bob, with_bob, f"bob {n}")
    for n in range(2):
        await send(cluster, carol, with_carol, f"carol {n}")

    assert await unread(cluster.edge_a, alice_token) == {
        "total_unread": 5,
        "exchanges": {with_bob: 3, with_carol: 2},
    }
    assert await unread(cluster.edge_b, bob_token) == {"total_unread": 0, "exchanges": {with_bob: 0}}

    assert await mark_read(cluster.edge_b, alice_token, with_bob) == {
        "marked_read": 3,
        "exchange_id": with_bob,
    }
    assert await unread(cluster.edge_a, alice_token) == {
        "total_unread": 2,
        "exchanges": {with_bob: 0, with_carol: 2},
    }
    seen = await history(cluster.edge_a, alice_token, with_bob)
    assert seen["unread_count"] == 0 and all(m["is_read"] for m in seen["messages"])
    # Bob sees Alice has read his messages.
    assert all(m["is_read"] for m in (await history(cluster.edge_b, bob_token, with_bob))["messages"])
    assert await mark_read(cluster.edge_a, alice_token, with_bob) == {
        "marked_read": 0,
        "exchange_id": with_bob,
    }


async def test_unread_counts_leave_out_other_contracts_chats(cluster: Cluster) -> None:
    alice, alice_token = await register(cluster.edge_a, "alice")
    bob, _ = await register(cluster.edge_b, "bob")
    exchange = await mutual_exchange(cluster.worker_bus, bob, alice)
    await mark_read(cluster.edge_a, alice_token, exchange)  # a first touch by mark-read opens it too
    await send(cluster, bob, exchange, "hi")
    # The same account's support thread in Membership Auto, with an answer in it.
    created = await cluster.edge_b.post(
        "/api/chat/threads/", json={"subject": "Help"}, headers=bearer(alice_token)
    )
    thread = await json_of(created, 201)
    answer = PostAssistantMessage(conversation_id=int(thread["id"]), body="How can we help?")
    await cluster.worker_bus.request(answer, actor=Actor.system())

    assert await unread(cluster.edge_b, alice_token) == {"total_unread": 1, "exchanges": {exchange: 1}}
    threads = await json_of(await cluster.edge_a.get("/api/chat/threads/", headers=bearer(alice_token)), 200)
    assert [t["unreadCount"] for t in threads] == [1]


async def test_only_the_two_users_of_an_exchange_reach_its_chat(cluster: Cluster) -> None:
    alice, alice_token = await register(cluster.edge_a, "alice")
    bob, _ = await register(cluster.edge_b, "bob")
    mallory, mallory_token = await register(cluster.edge_a, "mallory")
    exchange = await mutual_exchange(cluster.worker_bus, alice, bob)
    url = f"/api/chat/exchange/{exchange}"

    for edge in cluster.edges:
        detail = await error_of(
            await edge.get(f"{url}/history", headers=bearer(mallory_token)), 404, "not_found"
        )
        assert detail == "Exchange not found"
        await error_of(await edge.post(f"{url}/mark-read", headers=bearer(mallory_token)), 404, "not_found")
    # Nothing was opened by those calls: not for Mallory, not for Alice or Bob either.
    for someone in (mallory, alice, bob):
        try:
            await chat_id(cluster, someone, exchange)
        except DomainError as exc:
            assert exc.code is ErrorCode.NOT_FOUND
        else:
            raise AssertionError(f"user {someone} has a chat for {exchange}")
    assert await unread(cluster.edge_b, mallory_token) == {"total_unread": 0, "exchanges": {}}

    # Alice's chat, once open, is still not Mallory's.
    await history(cluster.edge_a, alice_token, exchange)
    await send(cluster, alice, exchange, "only for Bob")
    await error_of(
        await cluster.edge_b.get(f"{url}/history", headers=bearer(mallory_token)), 404, "not_found"
    )

    # An id is an exchange only when the matching domain knows it: well-formed ids name none.
    not_exchanges = (
        f"mutual_{alice}_{bob}_10_15", f"mutual_{alice}_{alice}_10_15", f"mutual_0{alice}_{bob}_10_15",
        f"mutual_{alice}_{bob}_10", "5", f"chain_{alice}_{bob}", "chain_999", f"mutual_{alice}_999999_1_2", "x" * 130,
    )  # fmt: skip
    for bad in not_exchanges:
        resp = await cluster.edge_a.get(f"/api/chat/exchange/{bad}/history", headers=bearer(alice_token))
        assert await error_of(resp, 404, "not_found") == "Exchange not found", bad


async def test_bad_paging_and_missing_token(cluster: Cluster) -> None:
    alice, token = await register(cluster.edge_a, "alice")
    bob, _ = await register(cluster.edge_b, "bob")
    exchange = await mutual_exchange(cluster.worker_bus, alice, bob)
    url = f"/api/chat/exchange/{exchange}"
    for query in ({"limit": "101"}, {"limit": "0"}, {"skip": "-1"}, {"limit": "many"}):
        resp = await cluster.edge_b.get(f"{url}/history", params=query, headers=bearer(token))
        assert await error_of(resp, 400, "validation_error"), query
    assert len((await history(cluster.edge_a, token, exchange, limit=100))["messages"]) == 0

    for edge in cluster.edges:
        await error_of(await edge.get(f"{url}/history"), 401, "authentication_error")
        await error_of(await edge.post(f"{url}/mark-read"), 401, "authentication_error")
        await error_of(await edge.get("/api/chat/unread-counts"), 401, "authentication_error")
        junk = bearer("not-a-token")
        await error_of(await edge.get("/api/chat/unread-counts", headers=junk), 401, "authentication_error")
