"""A send the database refuses fails alone: the sends batched with it are stored and answered."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from protocols import chat as wire
from protocols.envelope import Actor, DomainError, ErrorCode
from storage.engine import create_engine, is_sqlite
from tests.conftest import Cluster
from tests.nodes.workers.chat.test_chat import dialog, new_user, send

pytestmark = pytest.mark.domains("identity", "chat")

POISON = "refused by the database"

# A real refusal by the database itself, as a value no check in front of it caught would meet; not
# a constraint violation (those the writer already takes for a retried send and redoes one by one):
# SQLite fails the statement on an integer overflow, PostgreSQL on a raised exception.
SQLITE_TRIGGER = f"""
CREATE TRIGGER refuse_poison BEFORE INSERT ON chat_messages WHEN NEW.body = '{POISON}'
BEGIN SELECT abs(-9223372036854775808); END
"""
POSTGRES_TRIGGER = (
    f"""CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN
        IF NEW.body = '{POISON}' THEN RAISE EXCEPTION 'poison'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER refuse_poison BEFORE INSERT ON chat_messages FOR EACH ROW EXECUTE FUNCTION refuse_poison()",
)


async def _refuse_poison(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        for statement in (SQLITE_TRIGGER,) if is_sqlite(database_url) else POSTGRES_TRIGGER:
            await conn.execute(text(statement))
    await engine.dispose()


@pytest.mark.logs_errors("handler for svc.chat.send_message failed")
async def test_one_users_refused_sends_fail_alone(cluster: Cluster, caplog: pytest.LogCaptureFixture) -> None:
    await _refuse_poison(cluster.settings.database.url)
    host = await new_user(cluster, "host")
    senders = [await new_user(cluster, f"sender{i}") for i in range(10)]
    spoiler = await new_user(cluster, "spoiler")
    rooms = {s.user_id: (await dialog(cluster, s, host, topic=f"ad-{s.user_id}")).id for s in senders}
    spoiled = (await dialog(cluster, spoiler, host, topic="ad-spoiled")).id

    async def good(sender: Actor, n: int) -> wire.MessageStored:
        return await send(cluster, sender, rooms[sender.user_id], f"m{n}", client_msg_id=f"c{n}")

    async def bad(n: int) -> DomainError:
        with pytest.raises(DomainError) as refused:
            await send(cluster, spoiler, spoiled, POISON, client_msg_id=f"p{n}")
        return refused.value

    # Interleaved and concurrent, so the writer batches poison with everyone else's messages.
    rounds = 30
    stored, refusals = await asyncio.gather(
        asyncio.gather(*(good(s, n) for n in range(rounds) for s in senders)),
        asyncio.gather(*(bad(n) for n in range(rounds))),
    )

    assert all(isinstance(r, wire.MessageStored) and not r.duplicate for r in stored)
    assert {r.code for r in refusals} == {ErrorCode.INTERNAL}
    for sender in senders:
        history = await cluster.worker_bus.request(
            wire.ListMessages(conversation_id=rooms[sender.user_id], limit=100), actor=sender
        )
        assert sorted(m.body for m in history.items) == sorted(f"m{n}" for n in range(rounds))
        assert sorted(m.seq for m in history.items) == list(range(1, rounds + 1))
    nothing = await cluster.worker_bus.request(wire.ListMessages(conversation_id=spoiled), actor=spoiler)
    assert nothing.items == []
    # The failures are logged with their SQL, not with what people wrote.
    assert "handler for svc.chat.send_message failed" in caplog.text and POISON not in caplog.text
