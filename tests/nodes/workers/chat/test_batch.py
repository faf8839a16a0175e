"""The batch transaction through SQLite's own driver (the chat writer's path on SQLite) stores exactly
what SQLAlchemy Core stores, answers the same, and refuses a stored client id as Core does."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, insert
from sqlalchemy.exc import IntegrityError

from nodes.workers.chat import batch
from nodes.workers.chat.batch import Send, Statements, store_batch
from nodes.workers.chat.statements import CoreStatements, SqliteBinds, SqliteStatements
from protocols import chat as wire
from storage.engine import create_sqlite_thread_engine
from storage.migrate import upgrade_sync
from storage.models.chat import Conversation, Participant
from storage.models.identity import User

NOW = datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=UTC)
USER, TEXT = wire.Author.USER, wire.MessageKind.TEXT
SENDS = [
    Send(1, 1, USER, TEXT, "héllo 😀", ["a.jpg", "б.png"], "c-1", wire.ConversationKind.AD_DIALOG),
    Send(1, 2, USER, wire.MessageKind.IMAGE, "", ["x"], None),
    Send(1, 1, USER, TEXT, "the same retry", [], "c-1"),
    Send(1, 1, USER, TEXT, "another kind", [], None, wire.ConversationKind.EXCHANGE),
    Send(1, 3, USER, TEXT, "not a member", [], None),
    Send(2, None, wire.Author.ASSISTANT, TEXT, "answer", [], None),
]


class _Frozen(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> _Frozen:
        return cls.fromtimestamp(NOW.timestamp(), tz)


def _database(path: Path) -> Engine:
    url = f"sqlite:///{path}"
    upgrade_sync(url)
    engine = create_sqlite_thread_engine(url)
    with engine.begin() as conn:
        times = {"created_at": NOW, "updated_at": NOW}
        conn.execute(insert(User), [{"username": f"u{i}", **times} for i in range(3)])
        conn.execute(insert(Conversation), [
            {"kind": kind, "created_by": 1, "participant_key": key, **times}
            for kind, key in (("ad_dialog", "1,2"), ("advisor", "1"))
        ])  # fmt: skip
        ms = ((1, 1), (1, 2), (2, 1))
        conn.execute(
            insert(Participant), [{"conversation_id": c, "user_id": u, "joined_at": NOW} for c, u in ms]
        )
    return engine


def _replies(outcomes: list[batch.Outcome]) -> list[object]:
    replies: list[object] = []
    for outcome in outcomes:
        if outcome.stored is not None:  # as validated from the same values: equal, and dumped the same
            validated = wire.MessageStored.model_validate(outcome.stored.model_dump())
            assert (
                outcome.stored == validated
                and outcome.stored.model_dump_json() == validated.model_dump_json()
            )
            new = {"conversation_kind", "topic_id"} if not outcome.stored.duplicate else set()
            assert outcome.stored.model_fields_set == {"message"} | new | (
                {"duplicate"} if outcome.stored.duplicate else set()
            )
        stored = outcome.stored and outcome.stored.model_dump(mode="json")
        refused = outcome.refused and outcome.refused.code
        replies.append((stored, refused, outcome.same_as, outcome.people, outcome.recipients))
    return replies


def test_sqlite_statements_store_what_core_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "datetime", _Frozen)  # one `now` for both runs
    results = []
    for name in ("core", "sqlite"):
        engine = _database(tmp_path / f"{name}.db")
        binds = SqliteBinds.of(engine.dialect)
        on: Callable[[Connection], Statements] = (
            CoreStatements if name == "core" else functools.partial(SqliteStatements, binds=binds)
        )
        with engine.begin() as conn:
            replies = _replies(store_batch(on(conn), SENDS, look_up_retries=False))
        with pytest.raises(IntegrityError), engine.begin() as conn:  # the writer's cue to look retries up
            store_batch(on(conn), SENDS[:1], look_up_retries=False)
        with engine.begin() as conn:
            replies += _replies(store_batch(on(conn), SENDS[:2], look_up_retries=True))
            tables = ("chat_messages", "chat_conversations", "chat_participants")
            rows = [conn.exec_driver_sql(f"SELECT * FROM {t} ORDER BY rowid").all() for t in tables]  # raw
        engine.dispose()
        results.append((replies, rows))
    assert results[0] == results[1]
