"""The chat worker over NATS, as edges use it: conversations, sequenced and idempotent sends, history,
read state, blocks, live deliveries on rt.user subjects, and catching up after a reconnect."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import pytest
from nats.aio.msg import Msg
from sqlalchemy.engine import make_url

from protocols import chat as wire
from protocols import subjects
from protocols.envelope import Actor, Command, DomainError, ErrorCode, Role
from protocols.identity import Register
from tests.conftest import Cluster

pytestmark = pytest.mark.domains("identity", "chat")


async def new_user(cluster: Cluster, name: str, role: Role = Role.USER) -> Actor:
    registered = await cluster.worker_bus.request(
        Register(username=name, password="password-123", sign_in=False)
    )
    return Actor(user_id=registered.user.id, role=role)


async def refused(cluster: Cluster, cmd: Command[Any], actor: Actor) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await cluster.worker_bus.request(cmd, actor=actor)
    return caught.value


@asynccontextmanager
async def inbox(cluster: Cluster, user: Actor) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
    """What is delivered live to `user`, as an edge holding its connection would receive it."""
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def on(msg: Msg) -> None:
        await received.put(orjson.loads(msg.data))

    sub = await cluster.worker_bus.subscribe(subjects.rt_user(user.user_id), on)
    await cluster.worker_bus.synced()
    try:
        yield received
    finally:
        await sub.unsubscribe()


async def dialog(cluster: Cluster, a: Actor, b: Actor, topic: str = "ad-1") -> wire.Conversation:
    cmd = wire.OpenConversation(kind=wire.ConversationKind.AD_DIALOG, topic_id=topic, with_users=[b.user_id])
    return await cluster.worker_bus.request(cmd, actor=a)


async def send(
    cluster: Cluster, actor: Actor, conversation_id: int, body: str, **kw: object
) -> wire.MessageStored:
    return await cluster.worker_bus.request(
        wire.SendMessage(conversation_id=conversation_id, body=body, **kw),
        actor=actor,
    )


async def test_a_dialog_is_opened_once_and_seen_only_by_its_participants(cluster: Cluster) -> None:
    seller, buyer, stranger = [await new_user(cluster, n) for n in ("seller", "buyer", "stranger")]
    first = await dialog(cluster, buyer, seller)
    again = await dialog(cluster, seller, buyer)  # the same ad, the same two people, from the other side
    assert again.id == first.id and first.participants == sorted([seller.user_id, buyer.user_id])
    other_ad = await dialog(cluster, buyer, seller, topic="ad-2")
    assert other_ad.id != first.id

    get = wire.GetConversation(conversation_id=first.id)
    assert (await refused(cluster, get, stranger)).code is ErrorCode.NOT_FOUND
    missing = wire.GetConversation(conversation_id=first.id + 1000)
    assert (await refused(cluster, missing, stranger)).message == (
        await refused(cluster, get, stranger)
    ).message
    for cmd in (
        wire.SendMessage(conversation_id=first.id, body="hi"),
        wire.ListMessages(conversation_id=first.id),
        wire.MarkRead(conversation_id=first.id),
        wire.Typing(conversation_id=first.id),
    ):
        assert (await refused(cluster, cmd, stranger)).code is ErrorCode.NOT_FOUND
    listed = await cluster.worker_bus.request(wire.ListConversations(), actor=stranger)
    assert listed.total == 0
    alone = wire.OpenConversation(kind=wire.ConversationKind.AD_DIALOG, topic_id="ad-3")
    assert (await refused(cluster, alone, buyer)).code is ErrorCode.VALIDATION
    ghost = wire.OpenConversation(kind=wire.ConversationKind.AD_DIALOG, topic_id="ad-3", with_users=[99_999])
    assert (await refused(cluster, ghost, buyer)).code is ErrorCode.NOT_FOUND


async def test_messages_are_numbered_and_paged_newest_last(cluster: Cluster) -> None:
    a, b = await new_user(cluster, "alice"), await new_user(cluster, "bob")
    conversation = await dialog(cluster, a, b)
    for n in range(1, 8):
        stored = await send(cluster, a if n % 2 else b, conversation.id, f"m{n}")
        assert stored.message.seq == n and not stored.duplicate
    page = await cluster.worker_bus.request(
        wire.ListMessages(conversation_id=conversation.id, limit=3), actor=b
    )
    assert [m.body for m in page.items] == ["m5", "m6", "m7"] and page.has_more and page.total == 7
    older = wire.ListMessages(conversation_id=conversation.id, before_seq=page.items[0].seq, limit=10)
    rest = await cluster.worker_bus.request(older, actor=b)
    assert [m.seq for m in rest.items] == [1, 2, 3, 4] and not rest.has_more
    after = await cluster.worker_bus.request(
        wire.ListMessages(conversation_id=conversation.id, after_seq=5), actor=a
    )
    assert [m.seq for m in after.items] == [6, 7] and not after.has_more
    empty = await refused(cluster, wire.SendMessage(conversation_id=conversation.id, body="   "), a)
    assert empty.code is ErrorCode.VALIDATION


async def test_parallel_sends_get_distinct_gapless_numbers(cluster: Cluster) -> None:
    a, b = await new_user(cluster, "alice"), await new_user(cluster, "bob")
    conversation = await dialog(cluster, a, b)
    results = await asyncio.gather(
        *(send(cluster, (a, b)[n % 2], conversation.id, f"m{n}") for n in range(60))
    )
    assert sorted(r.message.seq for r in results) == list(range(1, 61))
    assert len({r.message.id for r in results}) == 60


async def test_a_retried_send_is_stored_and_delivered_once(cluster: Cluster) -> None:
    a, b = await new_user(cluster, "alice"), await new_user(cluster, "bob")
    conversation = await dialog(cluster, a, b)
    async with inbox(cluster, b) as received:
        attempts = await asyncio.gather(
            *(send(cluster, a, conversation.id, "once", client_msg_id="c-1") for _ in range(5))
        )
        later = await send(cluster, a, conversation.id, "once", client_msg_id="c-1")
        assert {r.message.id for r in [*attempts, later]} == {attempts[0].message.id}
        assert sum(not r.duplicate for r in attempts) == 1 and later.duplicate
        first = await asyncio.wait_for(received.get(), 2)
        assert first["type"] == "message" and first["message"]["client_msg_id"] == "c-1"
        await send(cluster, a, conversation.id, "next", client_msg_id="c-2")
        second = await asyncio.wait_for(received.get(), 2)
        assert second["message"]["body"] == "next"  # nothing in between: one delivery
    # The same client id from the other participant is another message.
    assert not (await send(cluster, b, conversation.id, "mine", client_msg_id="c-1")).duplicate
    page = await cluster.worker_bus.request(wire.ListMessages(conversation_id=conversation.id), actor=a)
    assert [m.body for m in page.items] == ["once", "next", "mine"]


async def test_deliveries_reach_the_participants_and_typing_is_not_stored(cluster: Cluster) -> None:
    a, b, c = [await new_user(cluster, n) for n in ("alice", "bob", "carol")]
    conversation = await dialog(cluster, a, b)
    async with inbox(cluster, a) as to_a, inbox(cluster, b) as to_b, inbox(cluster, c) as to_c:
        await cluster.worker_bus.request(wire.Typing(conversation_id=conversation.id), actor=a)
        typing = await asyncio.wait_for(to_b.get(), 2)
        assert typing == {
            "type": "typing",
            "conversation_id": conversation.id,
            "user_id": a.user_id,
            "typing": True,
        }
        stored = await send(cluster, a, conversation.id, "hello")
        for queue in (to_a, to_b):  # the sender's other devices too
            delivered = await asyncio.wait_for(queue.get(), 2)
            assert delivered["type"] == "message" and delivered["conversation_kind"] == "ad_dialog"
            assert delivered["message"]["id"] == stored.message.id
        await cluster.worker_bus.request(wire.MarkRead(conversation_id=conversation.id), actor=b)
        receipt = await asyncio.wait_for(to_a.get(), 2)
        assert receipt["type"] == "read" and receipt["state"]["user_id"] == b.user_id
        await asyncio.sleep(0.1)
        assert to_c.empty()
    history = await cluster.worker_bus.request(wire.ListMessages(conversation_id=conversation.id), actor=b)
    assert history.total == 1


async def test_unread_counts_and_read_state_never_go_backwards(cluster: Cluster) -> None:
    a, b = await new_user(cluster, "alice"), await new_user(cluster, "bob")
    conversation = await dialog(cluster, a, b)
    for n in range(4):
        await send(cluster, a, conversation.id, f"m{n}")
    counts = await cluster.worker_bus.request(wire.GetUnreadCounts(), actor=b)
    assert counts.by_conversation == {conversation.id: 4} and counts.total == 4
    assert (await cluster.worker_bus.request(wire.GetUnreadCounts(), actor=a)).total == 0  # own messages
    state = await cluster.worker_bus.request(
        wire.MarkRead(conversation_id=conversation.id, up_to_seq=3), actor=b
    )
    assert (state.read_seq, state.unread_count) == (3, 1)
    back = await cluster.worker_bus.request(
        wire.MarkRead(conversation_id=conversation.id, up_to_seq=1), actor=b
    )
    assert back.read_seq == 3
    seen = await cluster.worker_bus.request(wire.GetConversation(conversation_id=conversation.id), actor=a)
    assert seen.reads[b.user_id] == 3 and seen.last_message is not None and seen.last_message.seq == 4
    assert seen.unread_count == 0
    await cluster.worker_bus.request(wire.MarkRead(conversation_id=conversation.id), actor=b)
    assert (await cluster.worker_bus.request(wire.GetUnreadCounts(), actor=b)).total == 0


async def test_a_blocked_user_cannot_send(cluster: Cluster) -> None:
    a, b = await new_user(cluster, "alice"), await new_user(cluster, "bob")
    conversation = await dialog(cluster, a, b)
    blocked = await cluster.worker_bus.request(
        wire.SetBlocked(conversation_id=conversation.id, blocked=True), actor=b
    )
    assert blocked.blocked_by_me
    assert (await refused(cluster, wire.SendMessage(conversation_id=conversation.id, body="hi"), a)).code is (
        ErrorCode.FORBIDDEN
    )
    seen = await cluster.worker_bus.request(wire.GetConversation(conversation_id=conversation.id), actor=a)
    assert seen.blocked_me
    await cluster.worker_bus.request(wire.SetBlocked(conversation_id=conversation.id, blocked=False), actor=b)
    assert (await send(cluster, a, conversation.id, "hi")).message.seq == 1


async def test_catching_up_after_a_reconnect(cluster: Cluster) -> None:
    a, b = await new_user(cluster, "alice"), await new_user(cluster, "bob")
    near, far = await dialog(cluster, a, b, "ad-near"), await dialog(cluster, a, b, "ad-far")
    for n in range(5):
        await send(cluster, a, near.id, f"near{n}")
    await asyncio.gather(*(send(cluster, a, far.id, f"far{n}") for n in range(wire.CATCH_UP_MAX + 2)))
    caught = await cluster.worker_bus.request(
        wire.CatchUp(positions={near.id: 2, far.id: 0, 12345: 0}), actor=b
    )
    assert [m.seq for m in caught.messages] == [3, 4, 5] and caught.resync == [far.id]


async def test_hiding_renaming_and_staff_listing(cluster: Cluster) -> None:
    user, manager = await new_user(cluster, "client"), await new_user(cluster, "boss", Role.MANAGER)
    chat = wire.OpenConversation(kind=wire.ConversationKind.ADVISOR, title="Family car", reuse=False)
    first = await cluster.worker_bus.request(chat, actor=user)
    second = await cluster.worker_bus.request(chat, actor=user)
    assert first.id != second.id and first.participants == [user.user_id]
    renamed = await cluster.worker_bus.request(
        wire.RenameConversation(conversation_id=first.id, title="SUV"), actor=user
    )
    assert renamed.title == "SUV"
    search = wire.ListConversations(kind=wire.ConversationKind.ADVISOR, search="su")
    assert [c.id for c in (await cluster.worker_bus.request(search, actor=user)).items] == [first.id]
    await cluster.worker_bus.request(wire.HideConversation(conversation_id=first.id), actor=user)
    gone = wire.GetConversation(conversation_id=first.id)
    assert (await refused(cluster, gone, user)).code is ErrorCode.NOT_FOUND
    support = wire.OpenConversation(kind=wire.ConversationKind.SUPPORT, title="Brakes")
    thread = await cluster.worker_bus.request(support, actor=user)
    theirs = wire.ListConversations(user_id=user.user_id)
    assert [c.id for c in (await cluster.worker_bus.request(theirs, actor=manager)).items] == [second.id]
    # A manager reads a user's advisor chats only; an admin every kind.
    other_kind = wire.ListConversations(user_id=user.user_id, kind=wire.ConversationKind.SUPPORT)
    assert (await cluster.worker_bus.request(other_kind, actor=manager)).total == 0
    admin = await new_user(cluster, "root", Role.ADMIN)
    assert [c.id for c in (await cluster.worker_bus.request(other_kind, actor=admin)).items] == [thread.id]
    assert (await refused(cluster, theirs, await new_user(cluster, "nosy"))).code is ErrorCode.FORBIDDEN
    answer = wire.PostAssistantMessage(conversation_id=second.id, body="Consider a Toyota RAV4.")
    assert (await refused(cluster, answer, user)).code is ErrorCode.FORBIDDEN
    stored = await cluster.worker_bus.request(answer, actor=Actor.system())
    assert stored.message.author is wire.Author.ASSISTANT and stored.message.sender_id is None


async def test_opening_the_same_dialog_concurrently_makes_one(cluster: Cluster) -> None:
    a, b = await new_user(cluster, "alice"), await new_user(cluster, "bob")
    opened = await asyncio.gather(
        *(dialog(cluster, (a, b)[n % 2], (b, a)[n % 2], "ad-race") for n in range(8))
    )
    assert len({c.id for c in opened}) == 1


async def test_participants_keep_the_parts_they_were_given(cluster: Cluster) -> None:
    seller, buyer = await new_user(cluster, "seller"), await new_user(cluster, "buyer")
    roles = {buyer.user_id: "buyer", seller.user_id: "seller"}
    cmd = wire.OpenConversation(
        kind=wire.ConversationKind.PROPERTY, topic_id="flat-9", with_users=[buyer.user_id], roles=roles
    )
    opened = await cluster.worker_bus.request(cmd, actor=seller)  # the seller starts it
    assert opened.created and opened.roles == roles
    again = await cluster.worker_bus.request(cmd, actor=seller)
    assert not again.created and again.id == opened.id
    seen = await cluster.worker_bus.request(wire.GetConversation(conversation_id=opened.id), actor=buyer)
    assert seen.roles == roles
    stray = cmd.model_copy(update={"roles": {12345: "buyer"}, "topic_id": "flat-10"})
    assert (await refused(cluster, stray, seller)).code is ErrorCode.VALIDATION
    other_kind = wire.GetConversation(
        conversation_id=opened.id, conversation_kind=wire.ConversationKind.ADVISOR
    )
    assert (await refused(cluster, other_kind, buyer)).code is ErrorCode.NOT_FOUND


async def test_a_send_waits_out_another_connection_holding_sqlites_write_lock(cluster: Cluster) -> None:
    database_url = cluster.settings.database.url
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's file lock: PostgreSQL locks rows, not the database")
    a, b = await new_user(cluster, "ann"), await new_user(cluster, "bob")
    conversation = await dialog(cluster, a, b)
    # Another process writing the same file, for longer than SQLite's busy timeout (5 s).
    database = make_url(database_url).database
    assert database is not None
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    sending = asyncio.create_task(
        cluster.worker_bus.request(
            wire.SendMessage(conversation_id=conversation.id, body="patience", client_msg_id="m-1"),
            actor=a,
            timeout=30,
        )
    )
    await asyncio.sleep(6)
    assert not sending.done()
    holder.execute("COMMIT")
    holder.close()
    stored = await asyncio.wait_for(sending, 20)
    assert stored.message.body == "patience" and not stored.duplicate
    page = await cluster.worker_bus.request(wire.ListMessages(conversation_id=conversation.id), actor=b)
    assert [m.body for m in page.items] == ["patience"]
