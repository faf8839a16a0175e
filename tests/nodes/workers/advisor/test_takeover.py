"""The advisor worker stopped mid-answer, with a real stop and start: the answer it was writing is taken
over by the next worker as it starts and finished as interrupted (its chunks already reached the user),
the answer waiting behind it in the same chat is written whole, each is stored once (the scheduler's
`ResumeAnswers` after it finds nothing more to do), and the stream that was open ends with the error.
While no advisor worker runs, a message is kept and answered 503."""

from __future__ import annotations

import pytest

from nodes.edge.surfaces.advisor.shapes import API_BASE
from protocols.advisor import ResumeAnswers
from protocols.envelope import Actor, DomainError, ErrorCode
from scheduler.app import SchedulerApp
from tests.conftest import Cluster
from tests.nodes.edge.surfaces.advisor.test_answers import ANSWER, answered, history, text_of
from tests.nodes.edge.surfaces.advisor.test_stream import ask, create_chat, register
from tests.support.openai_server import OpenAIServer, llm, settings_override
from tests.support.sse import SseStream
from tests.support.workers import more_workers

__all__ = ["llm", "settings_override"]

pytestmark = [pytest.mark.domains("identity", "chat", "catalog", "market"), pytest.mark.database_agnostic]


async def test_an_answer_under_way_when_its_worker_stops_is_taken_over(
    cluster: Cluster, llm: OpenAIServer
) -> None:
    alice, token = await register(cluster, "takeover@example.com")
    chat = await create_chat(cluster.edge_a, alice)
    llm.pause_after = 3
    async with more_workers(cluster.settings, "advisor"):
        first = await ask(cluster.edge_a, alice, chat, "Первый вопрос")
        second = await ask(cluster.edge_b, alice, chat, "Второй вопрос")  # waits for the first answer
        stream = await SseStream.open(cluster.edge_b, API_BASE + first["stream_url"], token=token)
        await llm.paused.wait()
        asked_again = await stream.event()  # the stream carries the chat
        assert asked_again["message"]["content"] == "Второй вопрос"
        written = ""
        while written != "Посмотрите Kia Sportage":  # in one chunk or several, as they were flushed
            chunk = await stream.event()
            assert chunk["type"] == "chunk" and len(written + chunk["text"]) <= len("Посмотрите Kia Sportage")
            written += chunk["text"]
    # Stopped (no grace in tests): both answers handed over; no advisor worker runs now.
    llm.gate.set()
    await stream.nothing_more(within_s=0.2)
    # No advisor worker to start an answer: 503, and the message is kept (it is never answered).
    resp = await cluster.edge_a.post(f"{API_BASE}/chats/{chat}/messages", json={"content": "Есть кто?"},
                                     headers=alice.headers)  # fmt: skip
    assert resp.status == 503 and (await resp.json())["error"]["code"] == "service_unavailable"

    async with more_workers(cluster.settings, "advisor"):  # takes them over as it starts
        events = await stream.rest()
        assert [(e["type"], e.get("code") or e["message"]["content"]) for e in events] == [
            ("message", "Есть кто?"),  # the stream carries the chat
            ("error", "interrupted"),
        ]
        items = await answered(cluster.edge_a, alice, chat, 2)
        assert [(m["role"], m["content"]) for m in items] == [
            ("user", "Первый вопрос"),
            ("user", "Второй вопрос"),
            ("user", "Есть кто?"),
            ("assistant", "Посмотрите Kia Sportage\n\n[ответ прерван]"),
            ("assistant", ANSWER),
        ]
        late = await SseStream.open(cluster.edge_a, API_BASE + second["stream_url"], token=token)
        events = await late.rest()
        assert text_of(events) == ANSWER and [e["type"] for e in events][-3:] == ["cars", "message", "done"]

        bus = cluster.worker_bus
        assert await SchedulerApp(bus, cluster.settings).run_job_now("resume_answers") == "ok"
        assert (await bus.request(ResumeAnswers(), actor=Actor.system())).resumed == 0
        with pytest.raises(DomainError) as refused:
            await bus.request(ResumeAnswers(), actor=alice.actor)
        assert refused.value.code is ErrorCode.FORBIDDEN
    assert len(await history(cluster.edge_b, alice, chat)) == 5  # each answer stored once
