"""Car advisor (002): the assistant's answers, written by the openai backend against a real local
chat-completions server and streamed over SSE as they are produced: chunks, then the cars, then the
stored message and `done`; the history has the answer without the stream; `Last-Event-ID` resumes
mid-answer without gaps or repeats; a failure mid-answer ends the stream with an error and the partial
answer is marked in the history; a server known to be down answers 503 and the message is kept."""

from __future__ import annotations

from typing import Any

import pytest

from nodes.edge.surfaces.advisor.shapes import API_BASE
from nodes.edge.surfaces.advisor.stream import Resume, resume_of
from protocols.advisor import GetAnswer
from tests.conftest import Cluster
from tests.nodes.edge.surfaces.advisor.test_stream import Edge, ask, assert_error, create_chat, register
from tests.support.eventually import until
from tests.support.http import User, json_of
from tests.support.openai_server import API_KEY, OpenAIServer
from tests.support.sse import SseStream

pytestmark = [pytest.mark.domains("identity", "chat", "catalog", "market", "advisor")]

ANSWER = "Посмотрите Kia Sportage. Он надёжен."


async def history(edge: Edge, user: User, chat_id: int) -> list[dict[str, Any]]:
    resp = await edge.get(f"{API_BASE}/chats/{chat_id}/messages?limit=100", headers=user.headers)
    return (await json_of(resp, 200))["items"]  # type: ignore[no-any-return]


async def answered(edge: Edge, user: User, chat_id: int, count: int) -> list[dict[str, Any]]:
    """The history once it holds `count` assistant messages."""

    async def enough() -> bool:
        roles = [m["role"] for m in await history(edge, user, chat_id)]
        return roles.count("assistant") >= count

    await until(enough, within_s=10.0, what=f"{count} answers in the history")
    return await history(edge, user, chat_id)


def text_of(events: list[dict[str, Any]]) -> str:
    return "".join(e["text"] for e in events if e["type"] == "chunk")


async def test_an_answer_streams_as_written_then_is_stored_and_seen_in_the_history(
    cluster: Cluster, llm: OpenAIServer
) -> None:
    alice, token = await register(cluster, "answers@example.com")
    chat = await create_chat(cluster.edge_a, alice)
    llm.pause_after = 3  # the stream opens while the answer is being written
    sent = await ask(cluster.edge_a, alice, chat, "Ищу кроссовер до 3 млн")
    stream = await SseStream.open(cluster.edge_b, API_BASE + sent["stream_url"], token=token)
    assert stream.status == 200
    await llm.paused.wait()
    llm.gate.set()
    events = await stream.rest()

    types = [e["type"] for e in events]
    assert types == ["chunk"] * (len(types) - 3) + ["cars", "message", "done"] and len(types) > 4, types
    assert {e["message_id"] for e in events if e["type"] == "chunk"} == {sent["user_message"]["id"]}
    assert text_of(events) == ANSWER
    cars = events[-3]["cars"]  # the catalog's, for what the buyer asked: the model was given them
    assert events[-3]["type"] == "cars" and cars
    assert all(c["body_type"] == "crossover" and c["price_min"] <= 3_000_000 for c in cars), cars
    message = events[-2]["message"]
    assert (message["role"], message["content"], message["chat_id"]) == ("assistant", ANSWER, chat)
    assert events[-1] == {"type": "done", "message_id": message["id"]}
    assert stream.last_event_id == "2"

    # What the server was asked: the model, streamed, the catalog in a system prompt, the conversation.
    [asked] = llm.requests
    assert (asked["model"], asked["stream"]) == ("test-model", True)
    assert [m["role"] for m in asked["messages"]] == ["system", "user"]
    assert all(f"{c['brand']} {c['model']}" in asked["messages"][0]["content"] for c in cars)
    assert asked["messages"][1]["content"] == "Ищу кроссовер до 3 млн"
    assert llm.authorizations == [f"Bearer {API_KEY}"]

    # A client that never opens the stream finds the answer in the history, and the next answer's
    # backend was given the conversation so far.
    llm.pause_after, llm.tokens = None, ["Или ", "Hyundai Tucson."]
    await ask(cluster.edge_b, alice, chat, "А ещё?")
    items = await answered(cluster.edge_a, alice, chat, 2)
    assert [(m["role"], m["content"]) for m in items] == [
        ("user", "Ищу кроссовер до 3 млн"),
        ("assistant", ANSWER),
        ("user", "А ещё?"),
        ("assistant", "Или Hyundai Tucson."),
    ]
    assert [m["role"] for m in llm.requests[1]["messages"]] == ["system", "user", "assistant", "user"]
    assert llm.requests[1]["messages"][2]["content"] == ANSWER


@pytest.mark.database_agnostic
async def test_last_event_id_resumes_mid_answer_without_gaps_or_repeats(
    cluster: Cluster, llm: OpenAIServer
) -> None:
    alice, token = await register(cluster, "resume-answer@example.com")
    chat = await create_chat(cluster.edge_a, alice)
    llm.pause_after = 3
    sent = await ask(cluster.edge_a, alice, chat, "Что надёжнее?")
    url = API_BASE + sent["stream_url"]
    await llm.paused.wait()
    progress = GetAnswer(conversation_id=chat, message_id=sent["user_message"]["id"])

    async def written() -> bool:  # the server paused after 3 tokens: the writer has stored them all
        return (
            await cluster.worker_bus.request(progress, actor=alice.actor)
        ).text == "Посмотрите Kia Sportage"

    await until(written, within_s=5.0, what="the tokens before the pause written")
    first = await SseStream.open(cluster.edge_a, url, token=token)
    had = await first.event()  # what was written so far comes as one chunk
    assert had["type"] == "chunk" and had["text"] == "Посмотрите Kia Sportage"
    assert first.last_event_id == f"1:{len(had['text'])}"
    first.close()

    # Resumed on the other edge from the middle of a chunk's text, and from a plain seq (from the start).
    middle = await SseStream.open(cluster.edge_b, url, token=token, last_event_id="1:11")
    assert (await middle.event())["text"] == "Kia Sportage"
    from_start = await SseStream.open(cluster.edge_b, url, token=token, last_event_id="1")
    assert (await from_start.event())["text"] == "Посмотрите Kia Sportage"
    resumed = await SseStream.open(cluster.edge_b, url, token=token, last_event_id=first.last_event_id)
    await resumed.nothing_more(within_s=0.2)
    llm.gate.set()
    rest = await resumed.rest()
    assert had["text"] + text_of(rest) == ANSWER
    assert [e["type"] for e in rest][-3:] == ["cars", "message", "done"]
    assert text_of(await middle.rest()) == text_of(rest)
    assert text_of(await from_start.rest()) == text_of(rest)

    # Had it all: nothing more (204), whether after the answer or after its cars.
    assert (await SseStream.open(cluster.edge_a, url, token=token, last_event_id="2")).status == 204
    after_cars = await SseStream.open(cluster.edge_a, url, token=token, last_event_id=f"1:{len(ANSWER)}:cars")
    assert [e["type"] for e in await after_cars.rest()] == ["message", "done"]


@pytest.mark.database_agnostic
async def test_a_failure_mid_answer_ends_the_stream_and_a_server_down_answers_503(
    cluster: Cluster, llm: OpenAIServer
) -> None:
    alice, token = await register(cluster, "failing@example.com")
    chat = await create_chat(cluster.edge_a, alice)
    llm.break_after = 3  # the connection drops after three tokens, no [DONE]
    sent = await ask(cluster.edge_a, alice, chat, "Что взять за 2 млн?")
    stream = await SseStream.open(cluster.edge_b, API_BASE + sent["stream_url"], token=token)
    events = await stream.rest()
    assert [e["type"] for e in events][-1] == "error" and text_of(events) == "Посмотрите Kia Sportage"
    assert set(events[-1]) == {"type", "code", "message"} and events[-1]["code"] == "interrupted"
    items = await answered(cluster.edge_a, alice, chat, 1)
    assert items[-1]["content"] == "Посмотрите Kia Sportage\n\n[ответ прерван]"
    # Reconnecting after the error: nothing more; without Last-Event-ID: the partial text, the error.
    ended = await SseStream.open(cluster.edge_a, API_BASE + sent["stream_url"], token=token,
                                 last_event_id=stream.last_event_id)  # fmt: skip
    assert ended.status == 204
    again = await SseStream.open(cluster.edge_a, API_BASE + sent["stream_url"], token=token)
    assert [e["type"] for e in await again.rest()] == ["chunk", "error"]

    # The server goes down: the answer under way fails, and the server is known down from then on.
    await llm.down()
    failed = await ask(cluster.edge_b, alice, chat, "Are you there?")
    failed_stream = await SseStream.open(cluster.edge_a, API_BASE + failed["stream_url"], token=token)
    events = await failed_stream.rest()
    assert [(e["type"], e.get("code")) for e in events] == [("error", "unavailable")]
    items = await answered(cluster.edge_a, alice, chat, 2)
    assert items[-1]["content"] == "[ответ прерван / answer interrupted]"
    for edge in cluster.edges:
        resp = await edge.post(f"{API_BASE}/chats/{chat}/messages", json={"content": "Алло?"},
                               headers=alice.headers)  # fmt: skip
        assert resp.status == 503 and int(resp.headers["Retry-After"]) >= 1
        assert_error(await resp.json(), "service_unavailable")
    kept = await history(cluster.edge_b, alice, chat)
    assert [m["content"] for m in kept][-2:] == ["Алло?", "Алло?"]  # stored, not answered
    assert len(llm.requests) == 1


@pytest.mark.parametrize(
    ("value", "resume"),
    [
        ("7", Resume(7)),
        ("7:12", Resume(7, 12)),
        ("7:12:cars", Resume(7, 12, cars=True)),
        ("7:12:end", Resume(7, 12, cars=True, ended=True)),
        (None, None),
        ("", None),
        ("x", None),
        ("7:", None),
        ("7:cars", None),
        ("7:12:done", None),
        ("7:12:cars:1", None),
        ("²", None),
        ("1" * 19, None),
    ],
)
def test_last_event_ids_are_read_or_ignored(value: str | None, resume: Resume | None) -> None:
    assert resume_of(value) == resume
