"""The batch transaction's SQL (`batch.Statements`): SQLAlchemy Core, and the sqlite3 cursor on SQLite.

On SQLite, Core's work per statement (execution context, parameter processing, result set) was
several times SQLite's own, and the writer thread runs nothing else, so the hot statements go to the
driver as plain SQL. They write what Core would: the values pass through the columns' own bind
processors, and a driver error leaves as the SQLAlchemy exception Core would raise (the writer
catches `IntegrityError` to retry with the client id lookup). The rare retry lookup stays in Core.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Dialect, Table, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError

from protocols import chat as wire
from storage.models.chat import ChatMessage, Conversation, Participant

from .batch import ConversationRow, DedupeKey, MemberRow, NewMessage
from .queries import matching_rows
from .views import message_view

CONVERSATIONS = cast(Table, Conversation.__table__)
PARTICIPANTS = cast(Table, Participant.__table__)
MESSAGES = cast(Table, ChatMessage.__table__)
BUMP_CONVERSATION = (
    update(CONVERSATIONS)
    .where(CONVERSATIONS.c.id == bindparam("b_id"))
    .values(last_seq=bindparam("b_seq"), updated_at=bindparam("b_now"))
)
# Only forwards: a read position another request moved further stays where it is.
READ_OWN = (
    update(PARTICIPANTS)
    .where(PARTICIPANTS.c.conversation_id == bindparam("b_conversation"), PARTICIPANTS.c.user_id == bindparam("b_user"),
           PARTICIPANTS.c.read_seq < bindparam("b_seq"))
    .values(read_seq=bindparam("b_seq"))
)  # fmt: skip


class CoreStatements:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def conversations(self, ids: list[int]) -> Iterable[ConversationRow]:
        query = (
            select(
                CONVERSATIONS.c.id, CONVERSATIONS.c.kind, CONVERSATIONS.c.topic_id, CONVERSATIONS.c.last_seq
            )
            .where(CONVERSATIONS.c.id.in_(ids))
            .order_by(CONVERSATIONS.c.id)
            .with_for_update()
        )
        return [ConversationRow._make(row) for row in self._conn.execute(query)]

    def members(self, ids: list[int]) -> Iterable[MemberRow]:
        query = select(
            PARTICIPANTS.c.conversation_id,
            PARTICIPANTS.c.user_id,
            PARTICIPANTS.c.blocked,
            PARTICIPANTS.c.hidden_at,
        ).where(PARTICIPANTS.c.conversation_id.in_(ids))
        return [
            MemberRow(c, u, blocked, hidden_at is not None)
            for c, u, blocked, hidden_at in self._conn.execute(query)
        ]

    def stored_retries(self, keys: list[DedupeKey]) -> dict[DedupeKey, wire.ChatMessage]:
        key_columns = (MESSAGES.c.conversation_id, MESSAGES.c.sender_id, MESSAGES.c.client_msg_id)
        found: dict[DedupeKey, wire.ChatMessage] = {}
        for row in self._conn.execute(select(MESSAGES).where(matching_rows(key_columns, keys))):
            found[(row.conversation_id, row.sender_id or 0, row.client_msg_id or "")] = message_view(row)
        return found

    def insert_messages(self, rows: list[NewMessage], now: datetime) -> list[int]:
        inserted = self._conn.execute(
            insert(MESSAGES).returning(MESSAGES.c.id, sort_by_parameter_order=True),
            [{**row._asdict(), "created_at": now} for row in rows],
        )
        return list(inserted.scalars())

    def bump_conversations(self, last_seqs: list[tuple[int, int]], now: datetime) -> None:
        self._conn.execute(
            BUMP_CONVERSATION, [{"b_id": i, "b_seq": seq, "b_now": now} for i, seq in last_seqs]
        )

    def read_own(self, reads: list[tuple[int, int, int]]) -> None:
        self._conn.execute(
            READ_OWN, [{"b_conversation": c, "b_user": u, "b_seq": seq} for c, u, seq in reads]
        )


@dataclass(frozen=True)
class SqliteBinds:
    """How Core writes the batch's typed columns on SQLite: the DATETIME text of an aware datetime
    (created_at, updated_at: both `UTCDateTime`) and the JSON text of attachments. The columns' own
    bind processors, looked up once per engine."""

    timestamp: Callable[[datetime], str]
    json: Callable[[list[str]], str]

    @classmethod
    def of(cls, dialect: Dialect) -> SqliteBinds:
        def processor(column: Any) -> Any:
            process = column.type.dialect_impl(dialect).bind_processor(dialect)
            assert process is not None, f"{column} has no bind processor on {dialect.name}"
            return process

        return cls(timestamp=processor(MESSAGES.c.created_at), json=processor(MESSAGES.c.attachments))


INSERT_MESSAGE = (
    "INSERT INTO chat_messages (conversation_id, seq, sender_id, author, kind, body, attachments, client_msg_id,"
    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
SQLITE_BUMP_CONVERSATION = "UPDATE chat_conversations SET last_seq = ?, updated_at = ? WHERE id = ?"
SQLITE_READ_OWN = (
    "UPDATE chat_participants SET read_seq = ? WHERE conversation_id = ? AND user_id = ? AND read_seq < ?"
)


class SqliteStatements(CoreStatements):
    """The same statements through the connection's sqlite3 cursor, in the transaction Core began
    (BEGIN IMMEDIATE, see storage/engine.py) and will commit or roll back."""

    def __init__(self, conn: Connection, binds: SqliteBinds) -> None:
        super().__init__(conn)
        self._binds = binds
        self._dialect = conn.dialect
        self._cursor = cast(sqlite3.Connection, conn.connection.dbapi_connection).cursor()

    def conversations(self, ids: list[int]) -> Iterable[ConversationRow]:
        sql = f"SELECT id, kind, topic_id, last_seq FROM chat_conversations WHERE id IN ({_marks(ids)}) ORDER BY id"
        return [ConversationRow._make(row) for row in self._run(sql, ids)]

    def members(self, ids: list[int]) -> Iterable[MemberRow]:
        sql = (
            "SELECT conversation_id, user_id, blocked, hidden_at FROM chat_participants"
            f" WHERE conversation_id IN ({_marks(ids)})"
        )
        return [
            MemberRow(c, u, bool(blocked), hidden is not None)
            for c, u, blocked, hidden in self._run(sql, ids)
        ]

    def insert_messages(self, rows: list[NewMessage], now: datetime) -> list[int]:
        """Row by row, for `lastrowid` (id is the rowid): sqlite3's executemany returns no RETURNING rows."""
        created_at, json, ids = self._binds.timestamp(now), self._binds.json, []
        for c, seq, sender, author, kind, body, attachments, client_msg_id in rows:
            values = (c, seq, sender, author, kind, body, json(attachments), client_msg_id, created_at)
            ids.append(cast(int, self._run(INSERT_MESSAGE, values).lastrowid))
        return ids

    def bump_conversations(self, last_seqs: list[tuple[int, int]], now: datetime) -> None:
        updated_at = self._binds.timestamp(now)
        self._run(SQLITE_BUMP_CONVERSATION, [(seq, updated_at, i) for i, seq in last_seqs], many=True)

    def read_own(self, reads: list[tuple[int, int, int]]) -> None:
        self._run(SQLITE_READ_OWN, [(seq, c, u, seq) for c, u, seq in reads], many=True)

    def _run(self, sql: str, params: Any, many: bool = False) -> sqlite3.Cursor:
        try:
            return self._cursor.executemany(sql, params) if many else self._cursor.execute(sql, params)
        except sqlite3.Error as exc:
            # As Core raises it: sqlite3.IntegrityError -> sqlalchemy.exc.IntegrityError.
            raise DBAPIError.instance(
                sql, params, exc, sqlite3.Error, hide_parameters=True, dialect=self._dialect, ismulti=many
            ) from exc


def _marks(values: list[Any]) -> str:
    return ", ".join("?" * len(values))
