"""Car advisor (002): the `stream_url` of a sent message through real streaming HTTP clients on two
edges: the assistant's answer, written by the advisor through a local chat-completions server
(conftest.py; held at its gate until a test lets it through), arrives as chunks, its cars, then the
stored answer as a `message` event followed by `done`; `Last-Event-ID` replays the rest (204 once the
answer was had); only the chat's owner may stream it, in the `{"error": {...}}` format otherwise.
test_answers.py has the answers' own cases (resuming mid-answer, failures)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from nodes.edge.state import HUB
from nodes.edge.surfaces.advisor.shapes import API_BASE
from protocols.chat import PostAssistantMessage, SendMessage
from protocols.envelope import Actor
from tests.conftest import Cluster
from tests.support.http import User, bearer, json_of
from tests.support.openai_server import OpenAIServer
from tests.support.sse import SseStream

pytestmark = (
    pytest.mark.database_agnostic
)  # the subject is the transport: the chat's storage runs on both databases in tests/nodes/workers/chat

Edge = TestClient[web.Request, web.Application]

PASSWORD = "securePassword123"
MESSAGE_KEYS = {"id", "chat_id", "role", "content", "created_at"}
WRITTEN = "Посмотрите Kia Sportage и Hyundai Tucson"


@pytest.fixture(autouse=True)
def answers_held(llm: OpenAIServer) -> None:
    llm.pause_after, llm.tokens = 0, ["Посмотрите ", "Kia Sportage ", "и Hyundai Tucson"]


async def register(cluster: Cluster, email: str) -> tuple[User, str]:
    resp = await cluster.edge_a.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": email.split("@")[0]}
    )
    body = await json_of(resp, 201)
    for edge in cluster.edges:  # what follows is authenticated by its bearer token alone
        edge.session.cookie_jar.clear()
    return User(id=body["user"]["id"], headers=bearer(body["access_token"])), body["access_token"]


async def create_chat(edge: Edge, user: User) -> int:
    return (await json_of(await edge.post("/api/v1/chats", json={}, headers=user.headers), 201))["id"]  # type: ignore[no-any-return]


async def ask(edge: Edge, user: User, chat_id: int, content: str) -> dict[str, Any]:
    resp = await edge.post(
        f"/api/v1/chats/{chat_id}/messages", json={"content": content}, headers=user.headers
    )
    return await json_of(resp, 201)  # type: ignore[no-any-return]


async def answer(cluster: Cluster, chat_id: int, body: str) -> int:
    """The assistant's answer, posted the way the advisor worker posts it; its id."""
    stored = await cluster.worker_bus.request(
        PostAssistantMessage(conversation_id=chat_id, body=body), actor=Actor.system()
    )
    return stored.message.id


def assert_error(body: dict[str, Any], code: str) -> None:
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"], body


async def test_the_answer_streams_then_done_ends_the_stream(cluster: Cluster, llm: OpenAIServer) -> None:
    alice, token = await register(cluster, "alice@example.com")
    chat = await create_chat(cluster.edge_a, alice)
    sent = await ask(cluster.edge_a, alice, chat, "Ищу кроссовер до 3 млн")
    url = sent["stream_url"]
    assert url == f"/chats/{chat}/stream?message_id={sent['user_message']['id']}"
    # Resolved against the base URL on one edge, against the origin on the other.
    streams = [
        await SseStream.open(cluster.edge_b, API_BASE + url, token=token),
        await SseStream.open(cluster.edge_a, url, token=token),
    ]
    assert [s.status for s in streams] == [200, 200]

    llm.gate.set()
    for stream in streams:
        *chunks, cars, message, done = await stream.rest()
        assert "".join(c["text"] for c in chunks) == WRITTEN and {c["type"] for c in chunks} == {"chunk"}
        assert cars["type"] == "cars" and cars["cars"]  # the catalog's crossovers within the budget
        assert all(c["body_type"] == "crossover" and c["price_min"] <= 3_000_000 for c in cars["cars"])
        assert message["type"] == "message" and set(message["message"]) == MESSAGE_KEYS
        assert message["message"] == {
            **message["message"],
            "chat_id": chat,
            "role": "assistant",
            "content": WRITTEN,
        }
        assert done == {"type": "done", "message_id": message["message"]["id"]}
        assert stream.last_event_id == "2"

    # The answer was had: a reconnect is told there is nothing more, which stops an EventSource.
    again = await SseStream.open(cluster.edge_b, API_BASE + url, token=token, last_event_id="2")
    assert again.status == 204
    # A client that had not had it (no Last-Event-ID) gets it at once.
    late = await SseStream.open(cluster.edge_a, API_BASE + url, params={"token": token})
    assert [event["type"] for event in await late.rest()] == ["chunk", "cars", "message", "done"]


async def test_last_event_id_resumes_after_what_was_had(cluster: Cluster, llm: OpenAIServer) -> None:
    alice, token = await register(cluster, "resume@example.com")
    chat = await create_chat(cluster.edge_a, alice)
    url = API_BASE + (await ask(cluster.edge_a, alice, chat, "Семейный минивэн?"))["stream_url"]
    first = await SseStream.open(cluster.edge_a, url, token=token)
    # A second question from another device: the stream carries what the chat receives.
    await cluster.worker_bus.request(SendMessage(conversation_id=chat, body="До 2 млн"), actor=alice.actor)
    followup = await first.event()
    assert followup["message"]["content"] == "До 2 млн" and followup["message"]["role"] == "user"
    assert first.last_event_id == "2"
    first.close()

    llm.tokens = ["Toyota Sienna"]
    llm.gate.set()
    resumed = await SseStream.open(cluster.edge_b, url, token=token, last_event_id=first.last_event_id)
    assert [(e["type"], e.get("message", {}).get("content")) for e in await resumed.rest()] == [
        ("chunk", None),
        ("cars", None),
        ("message", "Toyota Sienna"),
        ("done", None),
    ]
    assert resumed.last_event_id == "3"
    await answer(cluster, chat, "Or Honda Odyssey")  # a later answer is not this stream's
    assert (await SseStream.open(cluster.edge_a, url, token=token, last_event_id="3")).status == 204


async def test_only_the_owner_streams_a_chat(cluster: Cluster) -> None:
    alice, alice_token = await register(cluster, "owner@example.com")
    _, bob_token = await register(cluster, "other@example.com")
    chat = await create_chat(cluster.edge_a, alice)
    sent = await ask(cluster.edge_a, alice, chat, "Привет")
    path = f"{API_BASE}/chats/{chat}/stream"
    query = {"message_id": str(sent["user_message"]["id"])}

    for edge in cluster.edges:
        for where in (path, f"/chats/{chat}/stream"):
            stranger = await SseStream.open(edge, where, token=bob_token, params=query)
            assert stranger.status == 404
            assert_error(await stranger.response.json(), "not_found")
            nobody = await SseStream.open(edge, where, params=query)
            assert nobody.status == 401
            assert_error(await nobody.response.json(), "unauthorized")

    missing = await SseStream.open(
        cluster.edge_a, f"{API_BASE}/chats/999999/stream", token=alice_token, params=query
    )
    assert missing.status == 404
    for bad in ({}, {"message_id": "msg_789"}, {"message_id": "999999"}):
        refused = await SseStream.open(cluster.edge_b, path, token=alice_token, params=bad)
        assert refused.status == 400
        body = await refused.response.json()
        assert_error(body, "validation_error")
        assert body["error"]["details"]["field"] == "message_id"


async def test_a_lost_delivery_is_fetched_and_other_chats_are_left_out(
    cluster: Cluster, llm: OpenAIServer
) -> None:
    alice, token = await register(cluster, "gaps@example.com")
    chat, other_chat = await create_chat(cluster.edge_a, alice), await create_chat(cluster.edge_a, alice)
    url = API_BASE + (await ask(cluster.edge_a, alice, chat, "Что взять?"))["stream_url"]
    await ask(cluster.edge_a, alice, other_chat, "А в другом чате?")  # seq 1 there too
    stream = await SseStream.open(cluster.edge_b, url, token=token)
    hub = cluster.edge_b.app[HUB]
    [connection] = hub.connections_of(alice.id)
    await hub.unregister(alice.id, connection)  # the next delivery gets lost on its way
    await cluster.worker_bus.request(
        SendMessage(conversation_id=chat, body="Бюджет 2 млн"), actor=alice.actor
    )
    await hub.register(alice.id, connection)
    await answer(cluster, other_chat, "Not this chat's answer")  # seq 2 there: the next one here
    llm.tokens = ["Skoda Kodiaq"]
    llm.gate.set()  # both chats' answers are written: the other's chunks are left out too
    events = await stream.rest()
    # The lost message is found missing when the next message arrives: after the answer's text.
    assert [(e["type"], e.get("message", {}).get("content") or e.get("text")) for e in events] == [
        ("chunk", "Skoda Kodiaq"),
        ("cars", None),
        ("message", "Бюджет 2 млн"),
        ("message", "Skoda Kodiaq"),
        ("done", None),
    ]
