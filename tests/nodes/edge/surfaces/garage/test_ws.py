"""Membership Auto (004) `/chat/ws?token=` through real WebSocket clients on two edges: SEND, MESSAGE and
TYPING frames between a member and support, matching the REST messages; retries; only the user's
support threads; malformed frames."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from nodes.edge.realtime.ws import MAX_FRAME_BYTES
from protocols.chat import ConversationKind, OpenConversation, PostAssistantMessage, SendMessage
from protocols.envelope import Actor, Role
from tests.conftest import Cluster
from tests.nodes.edge.surfaces.ws_client import Edge, WsClient
from tests.support.http import bearer, json_of

# The subject is the transport: the chat's storage runs on both databases in tests/nodes/workers/chat.
pytestmark = [pytest.mark.domains("identity", "chat"), pytest.mark.database_agnostic]

PASSWORD = "securepassword123"
THREADS = "/api/chat/threads/"


async def register(edge: Edge, email: str) -> tuple[int, str]:
    """A member's account id (the token's subject) and access token."""
    resp = await edge.post("/api/auth/register/", json={"email": email, "password": PASSWORD})
    token = (await json_of(resp, 201))["accessToken"]
    payload = token.split(".")[1]
    claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return int(claims["sub"]), token


def actor(user_id: int) -> Actor:
    return Actor(user_id=user_id, role=Role.USER)


async def rest_messages(edge: Edge, token: str, thread_id: str) -> list[dict[str, Any]]:
    return await json_of(await edge.get(f"{THREADS}{thread_id}/messages/", headers=bearer(token)), 200)  # type: ignore[no-any-return]


async def connect(edge: Edge, token: str) -> WsClient:
    return await WsClient.connect(edge, "/chat/ws", registered=True, params={"token": token})


async def member_and_agent(cluster: Cluster) -> tuple[tuple[int, str], tuple[int, str], str]:
    """A member, a support agent, and a support thread the member opened with the agent in it."""
    member, agent = (
        await register(cluster.edge_a, "member@example.com"),
        await register(cluster.edge_b, "agent@example.com"),
    )
    cmd = OpenConversation(
        kind=ConversationKind.SUPPORT, title="Engine light", with_users=[agent[0]], reuse=False
    )
    thread = await cluster.worker_bus.request(cmd, actor=actor(member[0]))
    return member, agent, str(thread.id)


async def test_member_and_support_chat_live_on_different_edges_and_rest_agrees(cluster: Cluster) -> None:
    (_, member_token), (agent, agent_token), thread_id = await member_and_agent(cluster)
    member_phone, member_car = (
        await connect(cluster.edge_a, member_token),
        await connect(cluster.edge_b, member_token),
    )
    agent_desk = await connect(cluster.edge_b, agent_token)

    await member_phone.send(
        {"type": "SEND", "threadId": thread_id, "body": "Hello, I need help", "attachments": []}
    )
    [live] = await agent_desk.wait_for("MESSAGE")
    assert set(live) == {"type", "id", "threadId", "body", "attachments", "sender", "timestamp"}
    assert (live["threadId"], live["body"], live["sender"], live["attachments"]) == (
        thread_id, "Hello, I need help", "user", []
    )  # fmt: skip
    assert await member_phone.wait_for("MESSAGE") == await member_car.wait_for("MESSAGE") == [live]

    await agent_desk.send({"type": "SEND", "threadId": thread_id, "body": "How can I help?",
                           "attachments": ["https://s3.example.com/uploads/guide.pdf"]})  # fmt: skip
    reply = (await member_car.wait_for("MESSAGE", 2))[1]
    assert (reply["sender"], reply["attachments"]) == (
        "support",
        ["https://s3.example.com/uploads/guide.pdf"],
    )
    stored = await rest_messages(cluster.edge_a, member_token, thread_id)
    assert stored == [{k: v for k, v in f.items() if k != "type"} for f in (live, reply)]

    await agent_desk.send({"type": "TYPING", "threadId": thread_id})
    assert await member_phone.wait_for("TYPING") == [
        {"type": "TYPING", "user": str(agent), "threadId": thread_id}
    ]
    await cluster.worker_bus.request(
        PostAssistantMessage(conversation_id=int(thread_id), body="An agent will call you"),
        actor=Actor.system(),
    )
    assert (await member_phone.wait_for("MESSAGE", 3))[2]["sender"] == "support"
    assert member_phone.of_type("ERROR") == agent_desk.of_type("ERROR") == []
    for client in (member_phone, member_car, agent_desk):
        await client.close()


async def test_a_retried_send_with_the_same_client_id_is_stored_once(cluster: Cluster) -> None:
    (_, member_token), _, thread_id = await member_and_agent(cluster)
    phone = await connect(cluster.edge_b, member_token)
    send = {"type": "SEND", "threadId": thread_id, "body": "Oil change?", "clientMsgId": "g-1"}
    first, again = await phone.ask(send, "ACK"), await phone.ask(send, "ACK")
    assert first == {"type": "ACK", "clientMsgId": "g-1", "id": first["id"], "duplicate": False}
    assert again == {**first, "duplicate": True} and isinstance(first["id"], str)
    assert [m["id"] for m in await rest_messages(cluster.edge_a, member_token, thread_id)] == [first["id"]]
    await phone.close()


async def test_only_the_users_support_threads_reach_the_socket(cluster: Cluster) -> None:
    (member, member_token), _, thread_id = await member_and_agent(cluster)
    outsider, outsider_token = await register(cluster.edge_a, "outsider@example.com")
    sneak = await connect(cluster.edge_b, outsider_token)
    for frame in (
        {"type": "SEND", "threadId": thread_id, "body": "me too"},
        {"type": "TYPING", "threadId": thread_id},
    ):
        assert await sneak.ask(frame, "ERROR") == {"type": "ERROR", "error": "Thread not found"}
    assert await sneak.ask({"type": "SEND", "threadId": "thread-uuid", "body": "x"}, "ERROR") == {
        "type": "ERROR", "error": "Thread not found"
    }  # fmt: skip

    phone = await connect(cluster.edge_a, member_token)
    dialog = OpenConversation(kind=ConversationKind.AD_DIALOG, topic_id="7", with_users=[outsider])
    dialog_id = (await cluster.worker_bus.request(dialog, actor=actor(member))).id
    await cluster.worker_bus.request(
        SendMessage(conversation_id=dialog_id, body="another app"), actor=actor(member)
    )
    await phone.send({"type": "SEND", "threadId": thread_id, "body": "support only"})
    assert [m["body"] for m in await phone.wait_for("MESSAGE")] == ["support only"]
    own = await cluster.worker_bus.request(
        OpenConversation(kind=ConversationKind.SUPPORT), actor=actor(outsider)
    )
    await sneak.send({"type": "SEND", "threadId": str(own.id), "body": "my own thread"})
    assert [m["body"] for m in await sneak.wait_for("MESSAGE")] == ["my own thread"]  # after "another app"

    no_token = await WsClient.connect(cluster.edge_a, "/chat/ws")
    assert await no_token.closed_with() == 4001
    assert [f["type"] for f in no_token.frames] == ["ERROR"]
    for client in (sneak, phone):
        await client.close()


async def test_malformed_frames_get_error_frames_and_oversized_ones_close_the_socket(
    cluster: Cluster,
) -> None:
    (_, member_token), _, thread_id = await member_and_agent(cluster)
    phone = await connect(cluster.edge_a, member_token)
    assert await phone.ask("{", "ERROR") == {"type": "ERROR", "error": "Invalid JSON"}
    assert "HELLO" in (await phone.ask({"type": "HELLO"}, "ERROR"))["error"]
    missing = await phone.ask({"type": "SEND", "body": "where to?"}, "ERROR")
    assert missing["threadId"] == ["This field is required."]
    empty = await phone.ask({"type": "SEND", "threadId": thread_id, "body": "  "}, "ERROR")
    assert empty["error"] == "Message is empty" and empty["body"] == ["Message is empty"]
    await phone.send({"type": "SEND", "threadId": thread_id, "body": "fine"})
    assert [m["body"] for m in await phone.wait_for("MESSAGE")] == ["fine"]
    await phone.send({"type": "SEND", "threadId": thread_id, "body": "x" * MAX_FRAME_BYTES})
    assert await phone.closed_with() == 1009
