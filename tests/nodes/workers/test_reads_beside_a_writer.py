"""On SQLite, a worker's reads take no write lock (issue 14, "Storage"): while another process holds
the file's write lock, for longer than the request's deadline, reads of every data domain answer,
and a long read of another process holds up no write."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from protocols import chat as wire
from protocols.envelope import Actor, Role
from protocols.identity import GetMe, Register
from protocols.notify import ListNotifications
from storage.engine import open_database
from storage.models.identity import User
from tests.conftest import Cluster

pytestmark = pytest.mark.domains("identity", "chat", "notify")


async def new_user(cluster: Cluster, name: str) -> Actor:
    registered = await cluster.worker_bus.request(
        Register(username=name, password="password-123", sign_in=False)
    )
    return Actor(user_id=registered.user.id, role=Role.USER)


def sqlite_file(cluster: Cluster) -> str:
    url = cluster.settings.database.url
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's file lock: PostgreSQL readers never take one")
    database = make_url(url).database
    assert database is not None
    return database


@contextmanager
def write_lock_held(database: str) -> Iterator[None]:
    """Another process writing the same file, holding its write lock until the block ends."""
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("COMMIT")
        holder.close()


async def test_reads_answer_while_another_process_holds_the_write_lock(cluster: Cluster) -> None:
    database = sqlite_file(cluster)
    ann, bob = await new_user(cluster, "ann"), await new_user(cluster, "bob")
    opened = wire.OpenConversation(
        kind=wire.ConversationKind.AD_DIALOG, topic_id="ad-1", with_users=[bob.user_id]
    )
    conversation = await cluster.worker_bus.request(opened, actor=ann)
    with write_lock_held(database):
        # Each waited out the busy timeout (5 s, past the 3 s deadline) when reads began IMMEDIATE.
        me = await cluster.worker_bus.request(GetMe(), actor=ann)
        page = await cluster.worker_bus.request(wire.ListMessages(conversation_id=conversation.id), actor=bob)
        listed = await cluster.worker_bus.request(wire.ListConversations(), actor=bob)
        notifications = await cluster.worker_bus.request(ListNotifications(), actor=ann)
    assert me.id == ann.user_id and page.items == [] and [c.id for c in listed.items] == [conversation.id]
    assert notifications.items == []


async def test_a_long_read_holds_up_no_write(cluster: Cluster) -> None:
    sqlite_file(cluster)
    reader = open_database(cluster.settings.database.url)
    try:
        async with reader.read() as long_read:
            before = await long_read.scalar(select(func.count()).select_from(User))
            # The read's transaction is open: another process's write goes through beside it...
            await new_user(cluster, "carl")
            # ...and the read keeps the snapshot it began with.
            assert await long_read.scalar(select(func.count()).select_from(User)) == before
        async with reader.read() as later:
            assert await later.scalar(select(func.count()).select_from(User)) == (before or 0) + 1
    finally:
        await reader.dispose()
