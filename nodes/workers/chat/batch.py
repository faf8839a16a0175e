"""One batch of sends as one transaction: the checks, sequence numbers and outcomes, written once.

The SQL is behind `Statements` (see `statements.py`): SQLAlchemy Core on PostgreSQL, through the
async engine's `run_sync`; the sqlite3 driver's cursor on SQLite, in a thread of its own (see
`runners.py`), where Core's work per statement cost more CPU than SQLite's own. This module touches
no event loop object: it answers with an `Outcome` per send, and the writer settles the futures.

Sequence numbers come from the conversation row, locked for the batch (`FOR UPDATE` on PostgreSQL,
`BEGIN IMMEDIATE` on SQLite), so several worker replicas never hand out the same number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol, TypeVar, cast

from pydantic import BaseModel

from protocols import chat as wire
from protocols.envelope import DomainError, ErrorCode

from .views import NOT_FOUND

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
    # Given: a conversation of another kind is not there.
    conversation_kind: wire.ConversationKind | None = None
    sender_copy: bool = True  # False: the sender's edge delivers the sender's own copy (SendMessage)

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
    people: tuple[int, ...] = ()  # for a new message: the conversation's participants
    recipients: tuple[int, ...] = ()  # and who of them the worker delivers it to

    @property
    def is_new(self) -> bool:
        return self.stored is not None and not self.stored.duplicate


class ConversationRow(NamedTuple):
    id: int
    kind: str
    topic_id: str | None
    last_seq: int


class MemberRow(NamedTuple):
    conversation_id: int
    user_id: int
    blocked: bool
    hidden: bool  # hidden_at is set


class NewMessage(NamedTuple):
    """A chat_messages row to insert, in the insert's column order (created_at is the batch's `now`)."""

    conversation_id: int
    seq: int
    sender_id: int | None
    author: str
    kind: str
    body: str
    attachments: list[str]
    client_msg_id: str | None


class Statements(Protocol):
    """The batch's SQL, in one open transaction."""

    def conversations(self, ids: list[int]) -> Iterable[ConversationRow]:
        """These conversations, locked until the transaction ends."""

    def members(self, ids: list[int]) -> Iterable[MemberRow]: ...

    def stored_retries(self, keys: list[DedupeKey]) -> dict[DedupeKey, wire.ChatMessage]:
        """The messages already stored under these client ids."""

    def insert_messages(self, rows: list[NewMessage], now: datetime) -> list[int]:
        """Their ids, in the order of `rows`."""

    def bump_conversations(self, last_seqs: list[tuple[int, int]], now: datetime) -> None:
        """(conversation id, its new last_seq) each; updated_at becomes `now`."""

    def read_own(self, reads: list[tuple[int, int, int]]) -> None:
        """(conversation id, user id, seq) each: that participant's read_seq moves up to seq, never back."""


def store_batch(sql: Statements, batch: list[Send], look_up_retries: bool) -> list[Outcome]:
    """Store the sends that may be stored, in the open transaction behind `sql`; one outcome each.

    Without `look_up_retries` no client id is looked up: retries are rare, and the unique key on
    (conversation, sender, client id) refuses one with an IntegrityError, after which the writer
    comes back with the lookup on. Building and running that lookup for every batch was a tenth of
    the worker's time.
    """
    now = datetime.now(UTC)
    ids = sorted({s.conversation_id for s in batch})
    conversations = {row.id: row for row in sql.conversations(ids)}
    members: dict[int, dict[int, MemberRow]] = {i: {} for i in ids}
    for member in sql.members(ids):
        members[member.conversation_id][member.user_id] = member
    keys = [k for k in (s.dedupe_key for s in batch) if k is not None] if look_up_retries else []
    existing = sql.stored_retries(keys) if keys else {}
    outcomes: list[Outcome | None] = [None] * len(batch)
    fresh: list[int] = []
    first_of_key: dict[DedupeKey, int] = {}
    for index, send in enumerate(batch):
        refusal = _refusal(
            send, conversations.get(send.conversation_id), members.get(send.conversation_id, {})
        )
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
    rows: list[NewMessage] = []
    reads: dict[tuple[int, int], int] = {}
    for index in fresh:
        send = batch[index]
        seq = last_seq[send.conversation_id] = last_seq[send.conversation_id] + 1
        rows.append(
            NewMessage(send.conversation_id, seq, send.sender_id, send.author.value, send.kind.value, send.body,
                       send.attachments, send.client_msg_id)
        )  # fmt: skip
        if send.sender_id is not None:  # your own message: read up to it
            reads[(send.conversation_id, send.sender_id)] = seq
    message_ids = sql.insert_messages(rows, now)
    sql.bump_conversations([(i, seq) for i, seq in last_seq.items() if seq > conversations[i].last_seq], now)
    if reads:
        sql.read_own([(c, u, seq) for (c, u), seq in reads.items()])
    for index, row, message_id in zip(fresh, rows, message_ids, strict=True):
        send = batch[index]
        message = _trusted(wire.ChatMessage, {
            "id": message_id, "conversation_id": send.conversation_id, "seq": row.seq, "sender_id": send.sender_id,
            "author": send.author, "kind": send.kind, "body": send.body, "attachments": send.attachments,
            "client_msg_id": send.client_msg_id, "created_at": now,
        })  # fmt: skip
        conversation = conversations[send.conversation_id]
        stored = _trusted(wire.MessageStored, {
            "message": message, "duplicate": False, "conversation_kind": wire.ConversationKind(conversation.kind),
            "topic_id": conversation.topic_id,
        }, given={"message", "conversation_kind", "topic_id"})  # fmt: skip
        people = tuple(members[conversation.id])
        recipients = people if send.sender_copy else tuple(p for p in people if p != send.sender_id)
        outcomes[index] = Outcome(stored=stored, people=people, recipients=recipients)
    return cast(list[Outcome], outcomes)


def _refusal(
    send: Send, conversation: ConversationRow | None, people: dict[int, MemberRow]
) -> DomainError | None:
    """Why a send may not go into this conversation: not there, not a member, or blocked."""
    wanted = send.conversation_kind
    if conversation is None or (wanted is not None and conversation.kind != wanted.value):
        return DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    if send.sender_id is None:
        return None
    me = people.get(send.sender_id)
    if me is None or me.hidden:
        return DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    if me.blocked or any(p.blocked for uid, p in people.items() if uid != send.sender_id):
        return DomainError(ErrorCode.FORBIDDEN, "Messages in this conversation are blocked")
    return None


M = TypeVar("M", bound=BaseModel)


def _trusted(model: type[M], values: dict[str, Any], given: set[str] | None = None) -> M:
    """`model(**values)` without validating values this module made itself: `values` holds every
    field, of its declared type. What `model_construct` does, minus its Python loop over the fields,
    which costs more than validating (pydantic 2.14); `given` is the fields set as the call passed them.
    """
    instance = model.__new__(model)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values) if given is None else given)
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance
