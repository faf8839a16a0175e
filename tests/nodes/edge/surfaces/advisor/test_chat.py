"""Car advisor (002) chats through HTTP on two edges: the user's chats, their history with the
assistant's answers, sending (validation, the per-user rate limit, `stream_url`), soft delete, and
the manager's view of a user's chats, in the `{"error": {...}}` format.

The assistant answers through a local chat-completions server (conftest.py) that holds every answer
until a test lets it through, so a history holds what the test sent (test_answers.py has answers)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from nodes.edge.surfaces.advisor.chat import MESSAGE_LIMIT
from protocols.chat import BODY_MAX, ConversationKind, OpenConversation, PostAssistantMessage, SendMessage
from protocols.envelope import Actor
from tests.conftest import Cluster
from tests.support.eventually import until
from tests.support.http import User, bearer, json_of
from tests.support.openai_server import OpenAIServer

# The chat's storage runs on both databases in tests/nodes/workers/chat; this is the contract's surface.
pytestmark = [
    pytest.mark.domains("identity", "chat", "catalog", "market", "advisor"),
    pytest.mark.database_agnostic,
]

Edge = TestClient[web.Request, web.Application]

PASSWORD = "securePassword123"
CHAT_KEYS = {"id", "user_id", "title", "created_at", "updated_at", "message_count", "last_message"}
MESSAGE_KEYS = {"id", "chat_id", "role", "content", "created_at"}


@pytest.fixture(autouse=True)
def answers_held(llm: OpenAIServer) -> None:
    llm.pause_after = 0


async def register(cluster: Cluster, email: str) -> User:
    resp = await cluster.edge_a.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": email.split("@")[0]}
    )
    body = await json_of(resp, 201)
    for edge in cluster.edges:  # what follows is authenticated by its bearer token alone
        edge.session.cookie_jar.clear()
    return User(id=body["user"]["id"], headers=bearer(body["access_token"]))


def assert_error(body: dict[str, Any], code: str) -> None:
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]


async def create_chat(edge: Edge, user: User, title: str | None = None) -> dict[str, Any]:
    resp = await edge.post("/api/v1/chats", json={"title": title} if title else None, headers=user.headers)
    return await json_of(resp, 201)  # type: ignore[no-any-return]


async def send(edge: Edge, user: User, chat_id: int, content: str) -> dict[str, Any]:
    resp = await edge.post(
        f"/api/v1/chats/{chat_id}/messages", json={"content": content}, headers=user.headers
    )
    return await json_of(resp, 201)  # type: ignore[no-any-return]


async def history(edge: Edge, user: User, chat_id: int, query: str = "") -> dict[str, Any]:
    resp = await edge.get(f"/api/v1/chats/{chat_id}/messages?{query}", headers=user.headers)
    return await json_of(resp, 200)  # type: ignore[no-any-return]


async def status_and_error(resp: Any) -> tuple[int, str]:
    body = await resp.json()
    assert_error(body, body["error"]["code"])
    return resp.status, body["error"]["code"]


async def test_a_chat_created_on_one_edge_is_listed_and_read_on_the_other(cluster: Cluster) -> None:
    alice = await register(cluster, "alice@example.com")
    titled = await create_chat(cluster.edge_a, alice, "Подбор кроссовера")
    assert set(titled) == CHAT_KEYS
    assert titled["title"] == "Подбор кроссовера" and titled["user_id"] == alice.id
    assert titled["message_count"] == 0 and titled["last_message"] is None
    untitled = await create_chat(cluster.edge_b, alice)
    assert untitled["title"] is None and untitled["id"] != titled["id"]

    listed = await json_of(await cluster.edge_b.get("/api/v1/chats", headers=alice.headers), 200)
    assert (listed["total"], listed["page"], listed["per_page"]) == (2, 1, 20)
    assert [c["id"] for c in listed["items"]] == [untitled["id"], titled["id"]]  # newest first
    got = await json_of(await cluster.edge_b.get(f"/api/v1/chats/{titled['id']}", headers=alice.headers), 200)
    assert got == titled

    anonymous = [
        await cluster.edge_a.get("/api/v1/chats"),
        await cluster.edge_b.post("/api/v1/chats", json={}),
        await cluster.edge_a.get(f"/api/v1/chats/{titled['id']}"),
        await cluster.edge_b.patch(f"/api/v1/chats/{titled['id']}", json={"title": "x"}),
        await cluster.edge_a.delete(f"/api/v1/chats/{titled['id']}"),
        await cluster.edge_b.get(f"/api/v1/chats/{titled['id']}/messages"),
        await cluster.edge_a.post(f"/api/v1/chats/{titled['id']}/messages", json={"content": "hi"}),
        await cluster.edge_b.get(f"/api/v1/users/{alice.id}/chats"),
    ]
    assert [await status_and_error(r) for r in anonymous] == [(401, "unauthorized")] * len(anonymous)


async def test_the_chat_list_pages_and_searches_titles(cluster: Cluster) -> None:
    alice = await register(cluster, "pager@example.com")
    for title in ("Подбор кроссовера", "Семейный минивэн", "BMW или Audi"):
        await create_chat(cluster.edge_a, alice, title)

    page = await json_of(
        await cluster.edge_b.get("/api/v1/chats?page=2&per_page=2", headers=alice.headers), 200
    )
    assert (page["total"], page["page"], page["per_page"]) == (3, 2, 2)
    assert [c["title"] for c in page["items"]] == ["Подбор кроссовера"]
    widest = await json_of(await cluster.edge_a.get("/api/v1/chats?per_page=50", headers=alice.headers), 200)
    assert widest["total"] == 3 and len(widest["items"]) == 3

    for search, titles in (("кроссовер", ["Подбор кроссовера"]), ("bmw", ["BMW или Audi"]), ("lada", [])):
        found = await json_of(
            await cluster.edge_a.get(f"/api/v1/chats?search={search}", headers=alice.headers), 200
        )
        assert [c["title"] for c in found["items"]] == titles and found["total"] == len(titles)

    too_wide = await json_of(
        await cluster.edge_b.get("/api/v1/chats?per_page=51", headers=alice.headers), 400
    )
    assert_error(too_wide, "validation_error")
    assert too_wide["error"]["details"]["field"] == "per_page"
    for query in ("page=0", "per_page=0", "page=abc"):
        bad = await cluster.edge_a.get(f"/api/v1/chats?{query}", headers=alice.headers)
        assert_error(await json_of(bad, 400), "validation_error")


async def test_rename_then_soft_delete(cluster: Cluster) -> None:
    alice = await register(cluster, "renamer@example.com")
    chat = await create_chat(cluster.edge_a, alice, "Черновик")
    kept = await create_chat(cluster.edge_a, alice, "Оставить")
    path = f"/api/v1/chats/{chat['id']}"

    rename = await cluster.edge_b.patch(path, json={"title": "Новое название"}, headers=alice.headers)
    renamed = await json_of(rename, 200)
    assert renamed["title"] == "Новое название" and renamed["id"] == chat["id"]
    reread = await json_of(await cluster.edge_a.get(path, headers=alice.headers), 200)
    assert reread["title"] == "Новое название"
    for body in ({"title": "   "}, {}, {"title": "x" * 201}):
        bad = await cluster.edge_a.patch(path, json=body, headers=alice.headers)
        assert_error(await json_of(bad, 400), "validation_error")

    deleted = await cluster.edge_b.delete(path, headers=alice.headers)
    assert deleted.status == 204 and await deleted.read() == b""
    after = [
        await cluster.edge_a.get(path, headers=alice.headers),
        await cluster.edge_b.get(f"{path}/messages", headers=alice.headers),
        await cluster.edge_a.post(f"{path}/messages", json={"content": "ещё тут?"}, headers=alice.headers),
        await cluster.edge_b.patch(path, json={"title": "снова"}, headers=alice.headers),
        await cluster.edge_a.delete(path, headers=alice.headers),
    ]
    assert [await status_and_error(r) for r in after] == [(404, "not_found")] * len(after)
    listed = await json_of(await cluster.edge_b.get("/api/v1/chats", headers=alice.headers), 200)
    assert [c["id"] for c in listed["items"]] == [kept["id"]] and listed["total"] == 1


async def test_someone_elses_chat_and_other_conversations_are_not_found(cluster: Cluster) -> None:
    alice = await register(cluster, "owner@example.com")
    bob = await register(cluster, "intruder@example.com")
    chat = await create_chat(cluster.edge_a, alice, "Мой чат")
    path = f"/api/v1/chats/{chat['id']}"
    attempts = [
        await cluster.edge_a.get(path, headers=bob.headers),
        await cluster.edge_b.patch(path, json={"title": "чужой"}, headers=bob.headers),
        await cluster.edge_a.delete(path, headers=bob.headers),
        await cluster.edge_b.get(f"{path}/messages", headers=bob.headers),
        await cluster.edge_a.post(f"{path}/messages", json={"content": "привет"}, headers=bob.headers),
        await cluster.edge_b.get("/api/v1/chats/999999", headers=alice.headers),
        await cluster.edge_b.get("/api/v1/chats/abc", headers=alice.headers),
    ]
    assert [await status_and_error(r) for r in attempts] == [(404, "not_found")] * len(attempts)
    assert (await json_of(await cluster.edge_b.get(path, headers=alice.headers), 200))["title"] == "Мой чат"

    # Alice's ad dialog with Bob (another contract's conversation) is no advisor chat.
    dialog = await cluster.worker_bus.request(
        OpenConversation(kind=ConversationKind.AD_DIALOG, topic_id="ad-1", with_users=[bob.id]),
        actor=alice.actor,
    )
    other = f"/api/v1/chats/{dialog.id}"
    foreign = [
        await cluster.edge_a.get(other, headers=alice.headers),
        await cluster.edge_b.get(f"{other}/messages", headers=alice.headers),
        await cluster.edge_a.post(f"{other}/messages", json={"content": "привет"}, headers=alice.headers),
        await cluster.edge_b.delete(other, headers=alice.headers),
    ]
    assert [await status_and_error(r) for r in foreign] == [(404, "not_found")] * len(foreign)
    listed = await json_of(await cluster.edge_a.get("/api/v1/chats", headers=alice.headers), 200)
    assert [c["id"] for c in listed["items"]] == [chat["id"]]
    assert (await json_of(await cluster.edge_b.get("/api/v1/chats", headers=bob.headers), 200))["total"] == 0


async def test_sending_answers_the_message_and_where_the_answer_streams(
    cluster: Cluster, llm: OpenAIServer
) -> None:
    alice = await register(cluster, "sender@example.com")
    chat = await create_chat(cluster.edge_a, alice, "Кроссовер")
    sent = await send(cluster.edge_b, alice, chat["id"], "  Ищу кроссовер до 3 млн  ")
    assert set(sent) == {"user_message", "stream_url"}
    mine = sent["user_message"]
    assert set(mine) == MESSAGE_KEYS
    assert (mine["chat_id"], mine["role"], mine["content"]) == (chat["id"], "user", "Ищу кроссовер до 3 млн")
    assert sent["stream_url"] == f"/chats/{chat['id']}/stream?message_id={mine['id']}"

    llm.tokens = ["Посмотрите ", "Kia Sportage."]
    llm.gate.set()  # the answer comes by itself

    async def answered() -> bool:
        return len((await history(cluster.edge_a, alice, chat["id"]))["items"]) == 2

    await until(answered, within_s=10.0, what="the assistant's answer")
    llm.gate.clear()  # the next ones are held again
    page = await history(cluster.edge_a, alice, chat["id"])
    assert page["has_more"] is False
    assert [(m["role"], m["content"]) for m in page["items"]] == [
        ("user", "Ищу кроссовер до 3 млн"),
        ("assistant", "Посмотрите Kia Sportage."),
    ]
    assert page["items"][0]["id"] == mine["id"]
    got = await json_of(await cluster.edge_b.get(f"/api/v1/chats/{chat['id']}", headers=alice.headers), 200)
    assert got["message_count"] == 2 and got["last_message"] == page["items"][1]

    path = f"/api/v1/chats/{chat['id']}/messages"
    cases = [({"content": ""}, "required"), ({"content": " \n "}, "required"), ({}, "required"),
             ({"content": "x" * (BODY_MAX + 1)}, "too_long")]  # fmt: skip
    for body, reason in cases:
        bad = await json_of(await cluster.edge_a.post(path, json=body, headers=alice.headers), 400)
        assert_error(bad, "validation_error")
        assert bad["error"]["details"] == {"field": "content", "reason": reason}
    longest = await send(cluster.edge_a, alice, chat["id"], "y" * BODY_MAX)
    assert len(longest["user_message"]["content"]) == BODY_MAX
    newest = (await history(cluster.edge_b, alice, chat["id"]))["items"][-1]
    assert newest["id"] == longest["user_message"]["id"]


async def test_history_pages_upwards_with_before_and_has_more(cluster: Cluster) -> None:
    alice = await register(cluster, "historian@example.com")
    chat = await create_chat(cluster.edge_a, alice, "Длинная история")
    other = await create_chat(cluster.edge_a, alice, "Другой")
    contents = []
    for n in range(1, 46):  # more than the edge fetches per step while looking for `before`
        cmd: Any = (
            SendMessage(conversation_id=chat["id"], body=f"вопрос {n}")
            if n % 2
            else PostAssistantMessage(conversation_id=chat["id"], body=f"ответ {n}")
        )
        await cluster.worker_bus.request(cmd, actor=alice.actor if n % 2 else Actor.system())
        contents.append(f"вопрос {n}" if n % 2 else f"ответ {n}")
    elsewhere = await send(cluster.edge_b, alice, other["id"], "в другом чате")

    everything = await history(cluster.edge_b, alice, chat["id"])
    assert [m["content"] for m in everything["items"]] == contents and everything["has_more"] is False
    assert [m["role"] for m in everything["items"][:2]] == ["user", "assistant"]

    newest = await history(cluster.edge_a, alice, chat["id"], "limit=10")
    assert [m["content"] for m in newest["items"]] == contents[-10:] and newest["has_more"] is True
    pages, page = [newest["items"]], newest
    while page["has_more"]:
        edge = cluster.edges[len(pages) % 2]
        page = await history(edge, alice, chat["id"], f"limit=10&before={page['items'][0]['id']}")
        pages.insert(0, page["items"])
    assert [len(p) for p in pages] == [5, 10, 10, 10, 10]
    assert [m["content"] for p in pages for m in p] == contents

    first = everything["items"][0]["id"]
    nothing_older = await history(cluster.edge_a, alice, chat["id"], f"before={first}")
    assert nothing_older == {"items": [], "has_more": False}
    not_here = elsewhere["user_message"]["id"]
    for query in (f"before={not_here}", "before=999999", "before=abc", "limit=0", "limit=101"):
        bad = await cluster.edge_b.get(f"/api/v1/chats/{chat['id']}/messages?{query}", headers=alice.headers)
        assert_error(await json_of(bad, 400), "validation_error")


async def test_a_user_sending_too_fast_is_refused_for_a_while(cluster: Cluster) -> None:
    hasty = await register(cluster, "hasty@example.com")
    calm = await register(cluster, "calm@example.com")
    chat = await create_chat(cluster.edge_a, hasty, "Быстро")
    path = f"/api/v1/chats/{chat['id']}/messages"

    started, sent, refused = time.time(), 0, None
    for n in range(2 * MESSAGE_LIMIT.limit + 1):  # alternating edges: the limit is shared
        resp = await cluster.edges[n % 2].post(path, json={"content": f"#{n}"}, headers=hasty.headers)
        if resp.status == 429:
            refused = resp
            break
        await json_of(resp, 201)
        sent += 1
    finished = time.time()
    assert refused is not None, f"{sent} messages were all accepted"
    one_window = int(started // MESSAGE_LIMIT.window_s) == int(finished // MESSAGE_LIMIT.window_s)
    limit = MESSAGE_LIMIT.limit
    assert sent == limit if one_window else limit <= sent <= 2 * limit  # a window may end mid-way
    assert_error(await refused.json(), "rate_limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= MESSAGE_LIMIT.window_s
    assert len((await history(cluster.edge_b, hasty, chat["id"], "limit=100"))["items"]) == sent

    theirs = await create_chat(cluster.edge_b, calm)
    assert (await send(cluster.edge_a, calm, theirs["id"], "а я могу"))["user_message"]["role"] == "user"


async def test_managers_list_a_users_chats(cluster: Cluster) -> None:
    alice = await register(cluster, "client@example.com")
    bob = await register(cluster, "other@example.com")
    manager = await register(cluster, "manager@example.com")
    staff = bearer(cluster.signer.token(manager.id, "manager"))
    first = await create_chat(cluster.edge_a, alice, "Первый")
    second = await create_chat(cluster.edge_a, alice, "Второй")
    gone = await create_chat(cluster.edge_a, alice, "Удалённый")
    await create_chat(cluster.edge_b, bob, "Чужой")
    await cluster.edge_a.delete(f"/api/v1/chats/{gone['id']}", headers=alice.headers)
    await send(cluster.edge_a, alice, first["id"], "Нужен седан")

    path = f"/api/v1/users/{alice.id}/chats"
    listed = await json_of(await cluster.edge_b.get(path, headers=staff), 200)
    assert set(listed) == {"items", "total"} and listed["total"] == 2
    assert [c["id"] for c in listed["items"]] == [first["id"], second["id"]]
    assert {c["user_id"] for c in listed["items"]} == {alice.id}
    assert listed["items"][0]["last_message"]["content"] == "Нужен седан"
    paged = await json_of(await cluster.edge_a.get(f"{path}?per_page=1&page=2", headers=staff), 200)
    assert [c["id"] for c in paged["items"]] == [second["id"]] and paged["total"] == 2
    nobody = await json_of(await cluster.edge_a.get("/api/v1/users/999999/chats", headers=staff), 200)
    assert nobody == {"items": [], "total": 0}

    refused = [
        await cluster.edge_a.get(path, headers=bob.headers),
        await cluster.edge_b.get(path, headers=alice.headers),
    ]
    assert [await status_and_error(r) for r in refused] == [(403, "forbidden")] * 2
