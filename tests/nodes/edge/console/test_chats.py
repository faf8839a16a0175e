"""The console's chat monitoring: admins list every kind of conversation (filtered by participant and
kind, most recently active first, paged) and read any of them; managers advisor chats only (another
kind is not there); moderators nothing. Each reading is in the audit log before it is shown, one that
cannot be recorded shows nothing, and reading as staff moves no participant's unread count."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import pytest

from nodes.runtime.settings import Settings
from protocols.chat import ListConversationsAsStaff, PostAssistantMessage
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from tests.conftest import Cluster
from tests.support.ads import active_ad
from tests.support.console import Console, account, console_at, given_role
from tests.support.http import json_of
from tests.support.workers import more_workers

# Moderation (the audit log) is started in the test, so that it can stop before the last reading.
# Plain filtered and paged selects: the suite's time keeps this flow on SQLite.
pytestmark = [pytest.mark.domains("identity", "chat", "catalog", "market"), pytest.mark.database_agnostic]

PAGE = 2  # rows in a page of the console's tables
DIALOGS = "/api/v1/chat/dialogs"
PHOTO = "https://cdn.example/dongle.jpg"


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    return lambda s: replace(s, console=replace(s.console, page_size=PAGE))


def rows(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr id="chat-(\d+)">', page)]


def bodies(page: str) -> list[str]:
    return re.findall(r'<div class="text">([^<]*)</div>', page)


async def seen(console: Console, path: str) -> str:
    status, page = await console.page(path)
    assert status == 200, page
    return page


async def unread(cluster: Cluster, headers: dict[str, str]) -> list[tuple[int, int]]:
    """The user's ad dialogs and his unread count in each."""
    found = await json_of(await cluster.edge_a.get(DIALOGS, headers=headers), 200)
    return [(dialog["id"], dialog["unread_count"]) for dialog in found["items"]]


async def test_staff_list_and_read_conversations_each_reading_recorded(cluster: Cluster) -> None:
    edge, url = cluster.edge_a, cluster.settings.database.url
    ids: dict[str, int] = {}
    headers: dict[str, dict[str, str]] = {}
    for name in ("admin", "manager", "moderator", "buyer", "seller"):
        ids[name], headers[name] = await account(edge.post, f"{name}@example.com")
        if name in ("admin", "manager", "moderator"):
            await given_role(url, ids[name], name)
    buyer, seller = headers["buyer"], headers["seller"]
    # Two users talk about an ad (MillionAvto); the buyer has an advisor chat, the seller asks support.
    ad_id = await active_ad(edge.post, cluster.worker_bus, seller)
    opened = {"ad_id": ad_id, "message": "Is it still for sale?"}
    dialog = (await json_of(await edge.post(DIALOGS, json=opened, headers=buyer), 201))["id"]
    for content, who in (("Yes, come and see it", seller), ("<b>Tomorrow at 10?</b>", buyer)):
        sent = await edge.post(f"{DIALOGS}/{dialog}/messages", json={"content": content}, headers=who)
        assert sent.status == 201
    chat = {"title": "Family car"}
    advisor = (await json_of(await edge.post("/api/v1/chats", json=chat, headers=buyer), 201))["id"]
    # Its answer, as the advisor worker posts one (no advisor runs here).
    answer = PostAssistantMessage(conversation_id=advisor, body="A Skoda Kodiaq seats seven.")
    await cluster.worker_bus.request(answer, actor=Actor.system())
    thread = {"subject": "Dongle", "body": "It blinks red", "attachments": [PHOTO]}
    support = int(
        (await json_of(await edge.post("/api/chat/threads/", json=thread, headers=seller), 201))["id"]
    )
    before = {"buyer": await unread(cluster, buyer), "seller": await unread(cluster, seller)}
    assert before == {"buyer": [(dialog, 0)], "seller": [(dialog, 1)]}  # a sender has read his own
    # The worker checks the role itself, whatever an edge lets through.
    moderator = Actor(user_id=ids["moderator"], role=Role.MODERATOR)
    with pytest.raises(DomainError) as refused:
        await cluster.worker_bus.request(ListConversationsAsStaff(), actor=moderator)
    assert refused.value.code is ErrorCode.FORBIDDEN

    base = str(edge.make_url("/"))
    async with console_at(base) as admin, console_at(base) as manager, console_at(base) as moderator_console:
        async with more_workers(cluster.settings, "moderation"):
            await staff_flow(ids, (admin, manager, moderator_console), (dialog, advisor, support))
        # Staff read without a trace for the participants: no unread count moved, no dialog joined.
        assert {"buyer": await unread(cluster, buyer), "seller": await unread(cluster, seller)} == before
        assert await unread(cluster, headers["admin"]) == []
        # Once the audit log is gone, a reading cannot be recorded: an error page, and nothing of the chat.
        status, unrecorded = await admin.page(f"/admin/chats/{dialog}")
        assert status == 503 and "could not be recorded" in unrecorded and "Is it still" not in unrecorded


async def staff_flow(
    ids: dict[str, int],
    consoles: tuple[Console, Console, Console],
    chats: tuple[int, int, int],
) -> None:
    """Admin, manager and moderator in the console, with the audit log running."""
    (admin, manager, moderator), (dialog, advisor, support) = consoles, chats
    for console, name in ((admin, "admin"), (manager, "manager"), (moderator, "moderator")):
        assert (await console.sign_in(f"{name}@example.com")).status == 303
    # Every conversation, the most recently active first, paged; filtered by participant and kind.
    first = await seen(admin, "/admin/chats")
    assert rows(first) == [support, advisor] and "Page 1 of 2" in first
    assert 'class="kind">support<' in first and '<td class="num">1</td>' in first
    assert "It blinks red" not in first and "Is it still" not in first  # the list shows no message
    assert rows(await seen(admin, "/admin/chats?page=2")) == [dialog]
    of_buyer = await seen(admin, f"/admin/chats?user={ids['buyer']}")
    assert rows(of_buyer) == [advisor, dialog] and f'href="/admin/chats?user={ids["seller"]}' in of_buyer
    assert "seller@example.com" in of_buyer  # each participant named
    assert rows(await seen(admin, f"/admin/chats?user={ids['buyer']}&kind=ad_dialog")) == [dialog]
    dialog_row = await seen(admin, "/admin/chats?kind=ad_dialog")
    assert rows(dialog_row) == [dialog] and '<td class="num">3</td>' in dialog_row
    assert rows(await seen(admin, f"/admin/chats?user={ids['seller']}&kind=advisor")) == []
    assert (await admin.page("/admin/chats?kind=email"))[0] == 400

    # Reading: oldest first (or newest first), paged, escaped, with a note that it is recorded.
    oldest = await seen(admin, f"/admin/chats/{dialog}")
    assert bodies(oldest) == ["Is it still for sale?", "Yes, come and see it"]
    assert "This reading is recorded" in oldest and "Page 1 of 2" in oldest
    assert f'<a href="/admin/users/{ids["buyer"]}">#{ids["buyer"]}</a> buyer@example.com' in oldest
    newest = await seen(admin, f"/admin/chats/{dialog}?order=newest")
    assert bodies(newest) == ["&lt;b&gt;Tomorrow at 10?&lt;/b&gt;", "Yes, come and see it"]
    assert bodies(await seen(admin, f"/admin/chats/{dialog}?page=2")) == [
        "&lt;b&gt;Tomorrow at 10?&lt;/b&gt;"
    ]
    attached = await seen(admin, f"/admin/chats/{support}")
    assert bodies(attached) == ["It blinks red"] and f'<a href="{PHOTO}" rel="noopener' in attached
    assert (await admin.page("/admin/chats/999999"))[0] == 404

    # A manager: advisor chats only; another kind is not there. A moderator: not his page.
    assert rows(await seen(manager, "/admin/chats")) == [advisor]
    assert rows(await seen(manager, "/admin/chats?kind=ad_dialog")) == []
    answered = await seen(manager, f"/admin/chats/{advisor}")
    assert (
        bodies(answered) == ["A Skoda Kodiaq seats seven."]
        and '<td class="sender">assistant</td>' in answered
    )
    assert (await manager.page(f"/admin/chats/{dialog}"))[0] == 404
    for path in ("/admin/chats", f"/admin/chats/{advisor}"):
        assert (await moderator.page(path))[0] == 403
    # One READ_CHAT entry per reading shown (five), each naming its conversation; none for a 404.
    audit = await seen(admin, "/admin/audit?action=read_chat")
    assert "<small>5 entries</small>" in audit and f"conversation {advisor}" in audit
    assert (
        f"#{ids['manager']}" in audit
        and "kind: advisor" in audit
        and f"participants: {ids['buyer']}<" in audit
    )
