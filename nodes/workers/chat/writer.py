"""Storing messages in batches: every send waiting while a transaction runs goes into the next one.

A chat worker's throughput is bounded by transactions, not messages: one transaction stores a
batch (checks, sequence numbers, inserts, the sender's read position) and then every message of it
is delivered. Under light load a batch is one message and nothing waits; under heavy load batches
grow and the cost per message falls (group commit).

Sequence numbers come from the conversation row, locked for the batch (`FOR UPDATE` on PostgreSQL,
`BEGIN IMMEDIATE` on SQLite), so several worker replicas never hand out the same number. A
`client_msg_id` already stored for that sender and conversation answers with the stored message.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.deliveries import deliver
from protocols import chat as wire
from protocols.envelope import DomainError, ErrorCode
from storage.models.chat import ChatMessage, Conversation, Participant

from .participants import ParticipantCache
from .views import matching_rows, message_view

log = logging.getLogger(__name__)

MAX_BATCH = 512
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
# What a stored batch hands on for delivery: the reply, the participants, the kind and the topic.
Stored = tuple[wire.MessageStored, tuple[int, ...], str, "str | None"]
NOT_FOUND = "Conversation not found"


@dataclass
class PendingSend:
    conversation_id: int
    sender_id: int | None  # None: the assistant or the system, which skip the membership check
    author: wire.Author
    kind: wire.MessageKind
    body: str
    attachments: list[str]
    client_msg_id: str | None
    conversation_kind: wire.ConversationKind | None = (
        None  # given: a conversation of another kind is not there
    )
    result: asyncio.Future[wire.MessageStored] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    @property
    def dedupe_key(self) -> tuple[int, int, str] | None:
        if self.client_msg_id is None or self.sender_id is None:
            return None
        return (self.conversation_id, self.sender_id, self.client_msg_id)


class MessageWriter:
    def __init__(
        self, db: async_sessionmaker[AsyncSession], bus: Bus | None, participants: ParticipantCache
    ) -> None:
        self._db = db
        self._bus = bus
        self._participants = participants
        self._queue: asyncio.Queue[PendingSend] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="chat-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def store(self, pending: PendingSend) -> wire.MessageStored:
        await self._queue.put(pending)
        return await pending.result

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                try:
                    stored = await self._store_batch(batch, look_up_retries=False)
                except IntegrityError:
                    # A client id already stored: a retried send. Again, answering retries from the
                    # database; a replica storing the same id meanwhile leaves only one by one.
                    batch = [p for p in batch if not p.result.done()]  # refusals are answered
                    try:
                        stored = await self._store_batch(batch, look_up_retries=True)
                    except IntegrityError:
                        stored = []
                        for pending in batch:
                            if not pending.result.done():
                                stored += await self._store_batch([pending], look_up_retries=True)
            except Exception as exc:
                log.exception("storing %d messages failed", len(batch))
                for pending in batch:
                    if not pending.result.done():
                        pending.result.set_exception(exc)
                continue
            await self._deliver(stored)

    async def _store_batch(self, batch: list[PendingSend], *, look_up_retries: bool) -> list[Stored]:
        """Store what the batch may store; answer the rest on their futures.

        Without `look_up_retries` no client id is looked up: retries are rare, and the unique key on
        (conversation, sender, client id) refuses one (IntegrityError) so that the caller comes back
        with the lookup on. Building and running that lookup for every batch was a tenth of the
        worker's time.
        """
        # Core statements, not ORM objects: loading and flushing entities was most of the cost.
        now = datetime.now(UTC)
        ids = sorted({p.conversation_id for p in batch})
        async with self._db() as db:
            conversations: dict[int, Any] = {
                row.id: row
                for row in await db.execute(
                    select(
                        CONVERSATIONS.c.id,
                        CONVERSATIONS.c.kind,
                        CONVERSATIONS.c.topic_id,
                        CONVERSATIONS.c.last_seq,
                    )
                    .where(CONVERSATIONS.c.id.in_(ids))
                    .order_by(CONVERSATIONS.c.id)
                    .with_for_update()
                )
            }
            members: dict[int, dict[int, Any]] = {i: {} for i in ids}
            for row in await db.execute(
                select(PARTICIPANTS.c.conversation_id, PARTICIPANTS.c.user_id, PARTICIPANTS.c.blocked,
                       PARTICIPANTS.c.hidden_at).where(PARTICIPANTS.c.conversation_id.in_(ids))
            ):  # fmt: skip
                members[row.conversation_id][row.user_id] = row
            accepted = [p for p in batch if self._admit(p, conversations, members)]
            accepted = await self._drop_duplicates(db, accepted, look_up_retries)
            if not accepted:
                await db.rollback()
                return []
            last_seq = {i: row.last_seq for i, row in conversations.items()}
            rows: list[dict[str, Any]] = []
            reads: dict[tuple[int, int], int] = {}
            for pending in accepted:
                seq = last_seq[pending.conversation_id] = last_seq[pending.conversation_id] + 1
                rows.append(
                    {
                        "conversation_id": pending.conversation_id, "seq": seq, "sender_id": pending.sender_id,
                        "author": pending.author.value, "kind": pending.kind.value, "body": pending.body,
                        "attachments": pending.attachments, "client_msg_id": pending.client_msg_id, "created_at": now,
                    }
                )  # fmt: skip
                if pending.sender_id is not None:  # your own message: read up to it
                    reads[(pending.conversation_id, pending.sender_id)] = seq
            inserted = await db.execute(
                insert(MESSAGES).returning(MESSAGES.c.id, sort_by_parameter_order=True), rows
            )
            message_ids = list(inserted.scalars())
            await db.execute(
                BUMP_CONVERSATION,
                [
                    {"b_id": i, "b_seq": seq, "b_now": now}
                    for i, seq in last_seq.items()
                    if seq > conversations[i].last_seq
                ],
            )
            if reads:
                await db.execute(
                    READ_OWN,
                    [{"b_conversation": c, "b_user": u, "b_seq": seq} for (c, u), seq in reads.items()],
                )
            await db.commit()
        stored = []
        for pending, values, message_id in zip(accepted, rows, message_ids, strict=True):
            message = wire.ChatMessage(
                id=message_id, conversation_id=pending.conversation_id, seq=values["seq"], sender_id=pending.sender_id,
                author=pending.author, kind=pending.kind, body=pending.body, attachments=pending.attachments,
                client_msg_id=pending.client_msg_id, created_at=now,
            )  # fmt: skip
            result = wire.MessageStored(message=message)
            pending.result.set_result(result)
            conversation = conversations[pending.conversation_id]
            stored.append((result, tuple(members[conversation.id]), conversation.kind, conversation.topic_id))
        return stored

    @staticmethod
    def _admit(
        pending: PendingSend,
        conversations: dict[int, Any],
        members: dict[int, dict[int, Any]],
    ) -> bool:
        """Refuse (on its future) a send to a conversation the sender is not in or is blocked in."""
        people = members.get(pending.conversation_id, {})
        error = None
        conversation = conversations.get(pending.conversation_id)
        wanted = pending.conversation_kind
        if conversation is None or (wanted is not None and conversation.kind != wanted.value):
            error = DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        elif pending.sender_id is not None:
            me = people.get(pending.sender_id)
            if me is None or me.hidden_at is not None:
                error = DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
            elif me.blocked or any(p.blocked for uid, p in people.items() if uid != pending.sender_id):
                error = DomainError(ErrorCode.FORBIDDEN, "Messages in this conversation are blocked")
        if error is not None:
            pending.result.set_exception(error)
            return False
        return True

    @staticmethod
    async def _drop_duplicates(
        db: AsyncSession, batch: list[PendingSend], look_up_retries: bool
    ) -> list[PendingSend]:
        """Answer retried sends with the message an earlier attempt stored; keep the rest."""
        keys = [k for k in (p.dedupe_key for p in batch) if k is not None]
        existing: dict[tuple[int, int, str], wire.ChatMessage] = {}
        if keys and look_up_retries:
            key_columns = (ChatMessage.conversation_id, ChatMessage.sender_id, ChatMessage.client_msg_id)
            for row in await db.scalars(select(ChatMessage).where(matching_rows(key_columns, keys))):
                existing[(row.conversation_id, row.sender_id or 0, row.client_msg_id or "")] = message_view(
                    row
                )
        fresh: list[PendingSend] = []
        first_in_batch: dict[tuple[int, int, str], PendingSend] = {}
        for pending in batch:
            key = pending.dedupe_key
            if key is not None and key in existing:
                pending.result.set_result(wire.MessageStored(message=existing[key], duplicate=True))
            elif key is not None and key in first_in_batch:
                _follow(first_in_batch[key], pending)  # the same retry twice in one batch
            else:
                if key is not None:
                    first_in_batch[key] = pending
                fresh.append(pending)
        return fresh

    async def _deliver(self, stored: list[Stored]) -> None:
        if self._bus is None:
            return
        for result, people, kind, topic_id in stored:
            self._participants.remember(result.message.conversation_id, people)
            delivery = wire.MessageDelivery(
                message=result.message, conversation_kind=wire.ConversationKind(kind), topic_id=topic_id
            )
            try:
                await deliver(self._bus, people, delivery)
            except Exception:  # stored is what counts; a client catches up by sequence number
                log.warning("could not deliver message %s", result.message.id)


def _follow(first: PendingSend, duplicate: PendingSend) -> None:
    def copy(done: asyncio.Future[wire.MessageStored]) -> None:
        if duplicate.result.done():
            return
        if done.exception() is not None:
            duplicate.result.set_exception(done.exception())  # type: ignore[arg-type]
        else:
            duplicate.result.set_result(wire.MessageStored(message=done.result().message, duplicate=True))

    first.result.add_done_callback(copy)
