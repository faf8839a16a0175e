"""Membership Auto (004) support threads through HTTP on two edges: create (with a first message),
list, post with attachments, read with `since`; camelCase, string ids, `{"error": ...}` errors."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from nodes.edge.surfaces.garage.chat import whole_instants
from protocols.chat import (
    Author,
    ChatMessage,
    ConversationKind,
    MessageKind,
    MessagePage,
    OpenConversation,
    PostAssistantMessage,
)
from protocols.envelope import Actor, Role
from tests.conftest import Cluster
from tests.support.http import bearer, json_of

# The contract's surface: accounts' and chats' storage run on both databases in tests/nodes/workers.
pytestmark = [pytest.mark.domains("identity", "chat"), pytest.mark.database_agnostic]

Edge = TestClient[web.Request, web.Application]

PASSWORD = "securepassword123"
THREADS = "/api/chat/threads/"
THREAD_FIELDS = {"id", "subject", "createdAt", "updatedAt", "lastMessage", "unreadCount"}
MESSAGE_FIELDS = {"id", "threadId", "body", "attachments", "sender", "timestamp"}
NOT_FOUND = {"error": "Thread not found"}


async def register(edge: Edge, email: str) -> tuple[int, str]:
    """A member's account id (the token's subject) and access token."""
    resp = await edge.post("/api/auth/register/", json={"email": email, "password": PASSWORD})
    token = (await json_of(resp, 201))["accessToken"]
    payload = token.split(".")[1]
    claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return int(claims["sub"]), token


def messages_url(thread_id: str | int) -> str:
    return f"{THREADS}{thread_id}/messages/"


async def create(edge: Edge, token: str, **body: Any) -> dict[str, Any]:
    return await json_of(await edge.post(THREADS, json=body, headers=bearer(token)), 201)  # type: ignore[no-any-return]


async def threads(edge: Edge, token: str) -> list[dict[str, Any]]:
    return await json_of(await edge.get(THREADS, headers=bearer(token)), 200)  # type: ignore[no-any-return]


async def post(edge: Edge, token: str, thread_id: str, **body: Any) -> dict[str, Any]:
    resp = await edge.post(messages_url(thread_id), json=body, headers=bearer(token))
    return await json_of(resp, 201)  # type: ignore[no-any-return]


async def messages(edge: Edge, token: str, thread_id: str, since: str | None = None) -> list[dict[str, Any]]:
    params = {"since": since} if since else {}
    resp = await edge.get(messages_url(thread_id), params=params, headers=bearer(token))
    return await json_of(resp, 200)  # type: ignore[no-any-return]


async def error_of(resp: ClientResponse, status: int) -> dict[str, Any]:
    body = await json_of(resp, status)
    assert isinstance(body.get("error"), str) and body["error"], body
    return body  # type: ignore[no-any-return]


async def support_answers(
    cluster: Cluster, thread_id: str, body: str, author: Author = Author.ASSISTANT
) -> None:
    cmd = PostAssistantMessage(conversation_id=int(thread_id), body=body, author=author)
    await cluster.worker_bus.request(cmd, actor=Actor.system())


async def test_a_member_starts_threads_posts_and_reads_them(cluster: Cluster) -> None:
    _, token = await register(cluster.edge_a, "john@example.com")
    opened = await create(
        cluster.edge_a, token, subject="Brake noise", body="Hello, I need help with my vehicle"
    )
    assert set(opened) == THREAD_FIELDS and isinstance(opened["id"], str)
    assert opened["subject"] == "Brake noise" and opened["unreadCount"] == 0
    first = opened["lastMessage"]
    assert set(first) == MESSAGE_FIELDS
    assert first == {
        **first, "threadId": opened["id"], "body": "Hello, I need help with my vehicle", "attachments": [],
        "sender": "user",
    }  # fmt: skip
    bare = await create(cluster.edge_b, token)
    assert bare["subject"] is None and bare["lastMessage"] is None and bare["id"] != opened["id"]
    assert [t["id"] for t in await threads(cluster.edge_b, token)] == [bare["id"], opened["id"]]

    receipt = ["https://s3.example.com/uploads/receipt.jpg", "file-uuid"]
    sent = await post(cluster.edge_b, token, opened["id"], body="Here is the receipt", attachments=receipt)
    assert set(sent) == MESSAGE_FIELDS and isinstance(sent["id"], str)
    assert (sent["threadId"], sent["attachments"], sent["sender"]) == (opened["id"], receipt, "user")
    photo_only = await post(cluster.edge_a, token, opened["id"], attachments=["file-2"])
    assert photo_only["body"] == "" and photo_only["attachments"] == ["file-2"]
    await support_answers(cluster, opened["id"], "How can I help?")
    await support_answers(cluster, opened["id"], "Appointment booked", Author.SYSTEM)

    listed = await threads(cluster.edge_a, token)
    assert [t["id"] for t in listed] == [opened["id"], bare["id"]]  # most recently active first
    assert listed[0]["unreadCount"] == 2 and listed[0]["lastMessage"]["sender"] == "system"

    everything = await messages(cluster.edge_a, token, opened["id"])
    assert [m["body"] for m in everything] == ["Hello, I need help with my vehicle", "Here is the receipt", "",
                                               "How can I help?", "Appointment booked"]  # fmt: skip
    assert [m["sender"] for m in everything] == ["user", "user", "user", "support", "system"]
    assert everything[1] == sent
    assert (await threads(cluster.edge_b, token))[0]["unreadCount"] == 0  # fetched is read

    after_receipt = await messages(cluster.edge_b, token, opened["id"], since=sent["timestamp"])
    assert [m["body"] for m in after_receipt] == ["", "How can I help?", "Appointment booked"]
    assert await messages(cluster.edge_b, token, opened["id"], since=everything[-1]["timestamp"]) == []
    naive_past = (datetime.now(UTC) - timedelta(hours=1)).replace(tzinfo=None).isoformat()
    assert await messages(cluster.edge_a, token, opened["id"], since=naive_past) == everything
    assert await messages(cluster.edge_a, token, bare["id"]) == []


async def test_threads_are_their_members_only(cluster: Cluster) -> None:
    member, token = await register(cluster.edge_a, "member@example.com")
    other, other_token = await register(cluster.edge_b, "other@example.com")
    thread = await create(cluster.edge_a, token, body="private")

    assert await threads(cluster.edge_b, other_token) == []
    for edge in cluster.edges:
        assert (
            await json_of(await edge.get(messages_url(thread["id"]), headers=bearer(other_token)), 404)
            == NOT_FOUND
        )
        resp = await edge.post(messages_url(thread["id"]), json={"body": "hi"}, headers=bearer(other_token))
        assert await json_of(resp, 404) == NOT_FOUND
    for missing in ("999999", "abc", "1" * 30):
        assert (
            await json_of(await cluster.edge_a.get(messages_url(missing), headers=bearer(token)), 404)
            == NOT_FOUND
        )
    assert [m["body"] for m in await messages(cluster.edge_b, token, thread["id"])] == ["private"]

    # The member's chat of another kind (a FreeMarket exchange, say) is not a thread here.
    exchange = OpenConversation(kind=ConversationKind.EXCHANGE, topic_id="mutual_1_2_3_4", with_users=[other])
    chat = await cluster.worker_bus.request(exchange, actor=Actor(user_id=member, role=Role.USER))
    assert (
        await json_of(await cluster.edge_b.get(messages_url(chat.id), headers=bearer(token)), 404)
        == NOT_FOUND
    )
    resp = await cluster.edge_a.post(messages_url(chat.id), json={"body": "hi"}, headers=bearer(token))
    assert await json_of(resp, 404) == NOT_FOUND
    assert [t["id"] for t in await threads(cluster.edge_a, token)] == [thread["id"]]


async def test_bad_requests_and_missing_token(cluster: Cluster) -> None:
    _, token = await register(cluster.edge_a, "john@example.com")
    thread = await create(cluster.edge_a, token)
    url, auth = messages_url(thread["id"]), bearer(token)

    empty = await error_of(await cluster.edge_b.post(url, json={"body": "   "}, headers=auth), 400)
    assert set(empty) == {"error", "body"}
    nothing = await error_of(await cluster.edge_b.post(url, json={}, headers=auth), 400)
    assert set(nothing) == {"error", "body"}
    too_long = await error_of(await cluster.edge_a.post(url, json={"body": "x" * 4001}, headers=auth), 400)
    assert set(too_long) == {"error", "body"}
    many = await cluster.edge_a.post(url, json={"body": "x", "attachments": ["f"] * 11}, headers=auth)
    assert set(await error_of(many, 400)) == {"error", "attachments"}
    blank = await cluster.edge_a.post(url, json={"body": "x", "attachments": [""]}, headers=auth)
    assert set(await error_of(blank, 400)) == {"error", "attachments"}
    bad_since = await cluster.edge_b.get(url, params={"since": "yesterday"}, headers=auth)
    assert set(await error_of(bad_since, 400)) == {"error", "since"}
    empty_first = await cluster.edge_a.post(THREADS, json={"subject": "x", "body": ""}, headers=auth)
    assert set(await error_of(empty_first, 400)) == {"error", "body"}
    long_subject = await cluster.edge_a.post(THREADS, json={"subject": "s" * 201}, headers=auth)
    assert set(await error_of(long_subject, 400)) == {"error", "subject"}
    assert await messages(cluster.edge_a, token, thread["id"]) == []
    assert len(await threads(cluster.edge_a, token)) == 1  # no thread was started by a refused create

    for edge in cluster.edges:
        for resp in (
            await edge.get(THREADS), await edge.post(THREADS, json={}), await edge.get(url),
            await edge.post(url, json={"body": "hi"}), await edge.get(url, headers=bearer("junk")),
        ):  # fmt: skip
            assert set(await error_of(resp, 401)) == {"error"}


def message(seq: int, at: datetime) -> ChatMessage:
    return ChatMessage(
        id=seq, conversation_id=1, seq=seq, sender_id=1, author=Author.USER, kind=MessageKind.TEXT, body="",
        created_at=at,
    )  # fmt: skip


def test_a_page_with_more_after_it_ends_before_its_last_instant() -> None:
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    t1 = t0 + timedelta(microseconds=1)
    items = [message(1, t0), message(2, t1), message(3, t1)]
    assert [m.seq for m in whole_instants(MessagePage(items=items, has_more=True, total=9))] == [1]
    assert whole_instants(MessagePage(items=items, has_more=False, total=3)) == items
    same = [message(1, t1), message(2, t1)]
    assert whole_instants(MessagePage(items=same, has_more=True, total=9)) == same  # never nothing
