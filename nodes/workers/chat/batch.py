"""One batch of sends as one transaction, written once as plain synchronous Core SQL.

The same function runs in two ways (see `runners.py`): on SQLite in a thread of its own with a
synchronous connection, so that a batch costs one hand-off between threads instead of one per
statement; on PostgreSQL through the async engine's `run_sync`. It touches no event loop object:
it answers with an `Outcome` per send, and the writer settles the futures.

Sequence numbers come from the conversation row, locked for the batch (`FOR UPDATE` on PostgreSQL,
`BEGIN IMMEDIATE` on SQLite), so several worker replicas never hand out the same number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update

from protocols import chat as wire
from protocols.envelope import DomainError, ErrorCode
from storage.models.chat import ChatMessage, Conversation, Participant

from .views import NOT_FOUND, matching_rows, message_view

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

DedupeKey = tuple[int, int, str]


@dataclass(frozen=True)
class Send:
    """What a send asks to store, as the batch transaction reads it."""

    conversation_id: int
    sender_id: int | None  # None: the assistant or the system, which skip the membership check
    author: wire.Author
    kind: wire.MessageKind
    body: str
    attachments: list[str]
    client_msg_id: str | None
    conversation_kind: wire.ConversationKind | None = None  # given: a conversation of another kind is not there

    @property
    def dedupe_key(self) -> DedupeKey | None:
        if self.client_msg_id is None or self.sender_id is None:
            return None
        return (self.conversation_id, self.sender_id, self.client_msg_id)


@dataclass(frozen=True)
class Outcome:
    """One send's answer: stored (new, or found stored by an earlier attempt), refused, or the same
    retry as an earlier send of the batch (`same_as`, its index), which answers for both."""

    stored: wire.MessageStored | None = None
    refused: DomainError | None = None
    same_as: int | None = None
    people: tuple[int, ...] = ()  # for a new message: who receives it
    conversation_kind: str = ""
    topic_id: str | None = None

    @property
    def is_new(self) -> bool:
        return self.stored is not None and not self.stored.duplicate


def store_batch(conn: Connection, batch: list[Send], look_up_retries: bool) -> list[Outcome]:
    """Store the sends that may be stored, in the open transaction of `conn`; one outcome each.

    Without `look_up_retries` no client id is looked up: retries are rare, and the unique key on
    (conversation, sender, client id) refuses one with an IntegrityError, after which the writer
    comes back with the lookup on. Building and running that lookup for every batch was a tenth of
    the worker's time.
    """
    now = datetime.now(UTC)
    ids = sorted({s.conversation_id for s in batch})
    conversations: dict[int, Any] = {
        row.id: row
        for row in conn.execute(
            select(CONVERSATIONS.c.id, CONVERSATIONS.c.kind, CONVERSATIONS.c.topic_id, CONVERSATIONS.c.last_seq)
            .where(CONVERSATIONS.c.id.in_(ids))
            .order_by(CONVERSATIONS.c.id)
            .with_for_update()
        )
    }
    members: dict[int, dict[int, Any]] = {i: {} for i in ids}
    for row in conn.execute(
        select(PARTICIPANTS.c.conversation_id, PARTICIPANTS.c.user_id, PARTICIPANTS.c.blocked,
               PARTICIPANTS.c.hidden_at).where(PARTICIPANTS.c.conversation_id.in_(ids))
    ):  # fmt: skip
        members[row.conversation_id][row.user_id] = row
    existing = _stored_retries(conn, batch) if look_up_retries else {}
    outcomes: list[Outcome | None] = [None] * len(batch)
    fresh: list[int] = []
    first_of_key: dict[DedupeKey, int] = {}
    for index, send in enumerate(batch):
        refusal = _refusal(send, conversations.get(send.conversation_id), members.get(send.conversation_id, {}))
        key = send.dedupe_key
        if refusal is not None:
            outcomes[index] = Outcome(refused=refusal)
        elif key is not None and key in existing:
            outcomes[index] = Outcome(stored=wire.MessageStored(message=existing[key], duplicate=True))
        elif key is not None and key in first_of_key:
            outcomes[index] = Outcome(same_as=first_of_key[key])
        else:
            if key is not None:
                first_of_key[key] = index
            fresh.append(index)
    if not fresh:
        return cast(list[Outcome], outcomes)
    last_seq = {i: row.last_seq for i, row in conversations.items()}
    rows: list[dict[str, Any]] = []
    reads: dict[tuple[int, int], int] = {}
    for index in fresh:
        send = batch[index]
        seq = last_seq[send.conversation_id] = last_seq[send.conversation_id] + 1
        rows.append(
            {
                "conversation_id": send.conversation_id, "seq": seq, "sender_id": send.sender_id,
                "author": send.author.value, "kind": send.kind.value, "body": send.body,
                "attachments": send.attachments, "client_msg_id": send.client_msg_id, "created_at": now,
            }
        )  # fmt: skip
        if send.sender_id is not None:  # your own message: read up to it
            reads[(send.conversation_id, send.sender_id)] = seq
    inserted = conn.execute(insert(MESSAGES).returning(MESSAGES.c.id, sort_by_parameter_order=True), rows)
    message_ids = list(inserted.scalars())
    bumps = [{"b_id": i, "b_seq": seq, "b_now": now} for i, seq in last_seq.items() if seq > conversations[i].last_seq]
    conn.execute(BUMP_CONVERSATION, bumps)
    if reads:
        conn.execute(READ_OWN, [{"b_conversation": c, "b_user": u, "b_seq": seq} for (c, u), seq in reads.items()])
    for index, values, message_id in zip(fresh, rows, message_ids, strict=True):
        send = batch[index]
        message = wire.ChatMessage(
            id=message_id, conversation_id=send.conversation_id, seq=values["seq"], sender_id=send.sender_id,
            author=send.author, kind=send.kind, body=send.body, attachments=send.attachments,
            client_msg_id=send.client_msg_id, created_at=now,
        )  # fmt: skip
        conversation = conversations[send.conversation_id]
        outcomes[index] = Outcome(
            stored=wire.MessageStored(message=message), people=tuple(members[conversation.id]),
            conversation_kind=conversation.kind, topic_id=conversation.topic_id,
        )  # fmt: skip
    return cast(list[Outcome], outcomes)


def _refusal(send: Send, conversation: Any, people: dict[int, Any]) -> DomainError | None:
    """Why a send may not go into this conversation: not there, not a member, or blocked."""
    wanted = send.conversation_kind
    if conversation is None or (wanted is not None and conversation.kind != wanted.value):
        return DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    if send.sender_id is None:
        return None
    me = people.get(send.sender_id)
    if me is None or me.hidden_at is not None:
        return DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    if me.blocked or any(p.blocked for uid, p in people.items() if uid != send.sender_id):
        return DomainError(ErrorCode.FORBIDDEN, "Messages in this conversation are blocked")
    return None


def _stored_retries(conn: Connection, batch: list[Send]) -> dict[DedupeKey, wire.ChatMessage]:
    """The messages that earlier attempts of this batch's sends already stored, by client id."""
    keys = [k for k in (s.dedupe_key for s in batch) if k is not None]
    if not keys:
        return {}
    key_columns = (MESSAGES.c.conversation_id, MESSAGES.c.sender_id, MESSAGES.c.client_msg_id)
    found: dict[DedupeKey, wire.ChatMessage] = {}
    for row in conn.execute(select(MESSAGES).where(matching_rows(key_columns, keys))):
        found[(row.conversation_id, row.sender_id or 0, row.client_msg_id or "")] = message_view(row)
    return found
