"""The chat tables' SQL for the handlers: conversations and their participants, pages of messages,
read positions. Each function runs on the caller's session; the caller commits.

The batch writer's statements are apart, in `statements`: they run in the writer's transaction,
through Core or the sqlite3 cursor, and are tuned for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from protocols import chat as wire
from storage.models.chat import ChatMessage, Conversation, Participant
from storage.search import LIKE_ESCAPE, contains_pattern


def matching_rows(columns: Sequence[Any], rows: Sequence[Sequence[Any]]) -> ColumnElement[bool]:
    """`(a, b) IN ((1, 2), (3, 4))` spelled as ORs of equalities: SQLite scans the whole table for a
    row-value IN, but looks each OR term up in the index."""
    return or_(
        *(and_(*(column == value for column, value in zip(columns, row, strict=True))) for row in rows)
    )


# Conversations and participants


def _visible_to(user_id: int) -> tuple[ColumnElement[bool], ...]:
    """Conversations joined with the user's participant row, those the user has not hidden."""
    return Participant.user_id == user_id, Participant.hidden_at.is_(None)


def _with_participant() -> Select[Conversation]:
    return select(Conversation).join(Participant, Participant.conversation_id == Conversation.id)


async def membership(
    db: AsyncSession, user_id: int, conversation_id: int, kind: wire.ConversationKind | None
) -> tuple[Conversation, Participant] | None:
    """The conversation (of `kind`, if given) and the user's place in it, unless the user hid it."""
    row = (
        await db.execute(
            select(Conversation, Participant)
            .join(Participant, Participant.conversation_id == Conversation.id)
            .where(
                Conversation.id == conversation_id,
                *_visible_to(user_id),
                *([Conversation.kind == kind.value] if kind is not None else []),
            )
        )
    ).one_or_none()
    return None if row is None else row.tuple()


def _same_topic(topic_id: str | None) -> ColumnElement[bool]:
    return Conversation.topic_id.is_(None) if topic_id is None else Conversation.topic_id == topic_id


async def same_conversation(
    db: AsyncSession, kind: wire.ConversationKind, participant_key: str, topic_id: str | None
) -> Conversation | None:
    """The first conversation of `kind` about `topic_id` between exactly these participants."""
    return await db.scalar(
        select(Conversation)
        .where(Conversation.kind == kind.value, Conversation.participant_key == participant_key,
               _same_topic(topic_id))
        .order_by(Conversation.id)
        .limit(1)
    )  # fmt: skip


async def first_about(
    db: AsyncSession, user_id: int, kind: wire.ConversationKind, topic_id: str
) -> Conversation | None:
    """The user's first conversation of `kind` about `topic_id`."""
    return await db.scalar(
        _with_participant()
        .where(Conversation.kind == kind.value, Conversation.topic_id == topic_id, *_visible_to(user_id))
        .order_by(Conversation.id)
        .limit(1)
    )


async def conversation_page(
    db: AsyncSession,
    user_id: int,
    kind: wire.ConversationKind | None,
    topic_id: str | None,
    search: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Conversation], int]:
    """A page of the user's conversations, the latest updated first, and how many there are in all."""
    where: list[ColumnElement[bool]] = list(_visible_to(user_id))
    if kind is not None:
        where.append(Conversation.kind == kind.value)
    if topic_id is not None:
        where.append(Conversation.topic_id == topic_id)
    if search:
        pattern = contains_pattern(search)
        where.append(func.lower(Conversation.title).like(pattern, escape=LIKE_ESCAPE))
    query = _with_participant().where(*where)
    total = await db.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = await db.scalars(
        query.order_by(Conversation.updated_at.desc(), Conversation.id.desc()).offset(offset).limit(limit)
    )
    return list(page), total


async def conversation_ids(db: AsyncSession, user_id: int, kind: wire.ConversationKind | None) -> list[int]:
    """The user's conversations (of `kind`, if given)."""
    where: list[ColumnElement[bool]] = list(_visible_to(user_id))
    if kind is not None:
        where.append(Conversation.kind == kind.value)
    rows = await db.scalars(
        select(Conversation.id)
        .join(Participant, Participant.conversation_id == Conversation.id)
        .where(*where)
    )
    return list(rows)


async def participants_in(db: AsyncSession, conversation_ids: Sequence[int]) -> list[Participant]:
    return list(
        await db.scalars(select(Participant).where(Participant.conversation_id.in_(conversation_ids)))
    )


async def participant_ids(db: AsyncSession, conversation_id: int) -> tuple[int, ...]:
    rows = await db.scalars(
        select(Participant.user_id)
        .where(Participant.conversation_id == conversation_id)
        .order_by(Participant.user_id)
    )
    return tuple(rows)


async def contacts(db: AsyncSession, user_id: int) -> list[int]:
    """Everyone who shares a conversation with the user, hidden ones included."""
    mine = select(Participant.conversation_id).where(Participant.user_id == user_id)
    others = await db.scalars(
        select(Participant.user_id)
        .where(Participant.conversation_id.in_(mine), Participant.user_id != user_id)
        .distinct()
        .order_by(Participant.user_id)
    )
    return list(others)


# Messages and read positions


def unread_clause(user_id: int) -> object:
    """Messages that count as unread for `user_id`: after its read position, not its own."""
    return and_(
        ChatMessage.conversation_id == Participant.conversation_id,
        ChatMessage.seq > Participant.read_seq,
        or_(ChatMessage.sender_id.is_(None), ChatMessage.sender_id != user_id),
    )


async def unread_counts(db: AsyncSession, user_id: int, conversation_ids: Sequence[int]) -> dict[int, int]:
    if not conversation_ids:
        return {}
    rows = await db.execute(
        select(Participant.conversation_id, func.count(ChatMessage.id))
        .join(ChatMessage, unread_clause(user_id))  # type: ignore[arg-type]
        .where(Participant.user_id == user_id, Participant.conversation_id.in_(conversation_ids))
        .group_by(Participant.conversation_id)
    )
    return {conversation_id: count for conversation_id, count in rows.tuples()}


async def unread_count(db: AsyncSession, user_id: int, conversation_id: int) -> int:
    unread = await db.scalar(
        select(func.count(ChatMessage.id))
        .select_from(Participant)
        .join(ChatMessage, unread_clause(user_id))  # type: ignore[arg-type]
        .where(Participant.conversation_id == conversation_id, Participant.user_id == user_id)
    )
    return unread or 0


async def move_read_position(db: AsyncSession, conversation_id: int, user_id: int, seq: int) -> None:
    """The participant's read position becomes `seq` if it was before it."""
    await db.execute(
        update(Participant)
        .where(Participant.conversation_id == conversation_id, Participant.user_id == user_id,
               Participant.read_seq < seq)
        .values(read_seq=seq)
    )  # fmt: skip


async def messages_at(db: AsyncSession, positions: Sequence[tuple[int, int]]) -> list[ChatMessage]:
    """The messages at these (conversation id, seq) positions."""
    rows = await db.scalars(
        select(ChatMessage).where(matching_rows((ChatMessage.conversation_id, ChatMessage.seq), positions))
    )
    return list(rows)


async def message_seq(db: AsyncSession, conversation_id: int, message_id: int) -> int | None:
    """Where the message stands in the conversation; None if it is not one of the conversation's."""
    return await db.scalar(
        select(ChatMessage.seq).where(
            ChatMessage.id == message_id, ChatMessage.conversation_id == conversation_id
        )
    )


async def message_page(
    db: AsyncSession,
    conversation_id: int,
    *,
    after_seq: int | None,
    since: datetime | None,
    before_seq: int | None,
    newest_first: bool,
    offset: int,
    limit: int,
) -> list[ChatMessage]:
    """The conversation's messages between the bounds given, in the order asked for."""
    query = select(ChatMessage).where(ChatMessage.conversation_id == conversation_id)
    if after_seq is not None:
        query = query.where(ChatMessage.seq > after_seq)
    if since is not None:
        query = query.where(ChatMessage.created_at > since)
    if before_seq is not None:
        query = query.where(ChatMessage.seq < before_seq)
    order = ChatMessage.seq.desc() if newest_first else ChatMessage.seq.asc()
    return list(await db.scalars(query.order_by(order).offset(offset).limit(limit)))


async def messages_after(db: AsyncSession, conversation_id: int, seq: int) -> list[ChatMessage]:
    rows = await db.scalars(
        select(ChatMessage)
        .where(ChatMessage.conversation_id == conversation_id, ChatMessage.seq > seq)
        .order_by(ChatMessage.seq)
    )
    return list(rows)


async def heads(
    db: AsyncSession, user_id: int, conversation_ids: Sequence[int]
) -> list[tuple[int, int, str, str | None]]:
    """Of these conversations, the user's (not hidden) ones by id: id, last seq, kind, topic id."""
    rows = await db.execute(
        select(Conversation.id, Conversation.last_seq, Conversation.kind, Conversation.topic_id)
        .join(Participant, Participant.conversation_id == Conversation.id)
        .where(Conversation.id.in_(list(conversation_ids)), *_visible_to(user_id))
        .order_by(Conversation.id)
    )
    return list(rows.tuples())


# Staff: any conversation, whoever is in it


async def any_conversation_page(
    db: AsyncSession,
    user_id: int | None,
    kinds: Sequence[wire.ConversationKind],
    offset: int,
    limit: int,
) -> tuple[list[Conversation], int]:
    """A page of every conversation of these `kinds` (all, if none), those `user_id` is in if given
    (hidden ones included), the latest updated first, and how many there are in all."""
    query = select(Conversation)
    if kinds:
        query = query.where(Conversation.kind.in_([kind.value for kind in kinds]))
    if user_id is not None:
        theirs = select(Participant.conversation_id).where(Participant.user_id == user_id)
        query = query.where(Conversation.id.in_(theirs))
    total = await db.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = await db.scalars(
        query.order_by(Conversation.updated_at.desc(), Conversation.id.desc()).offset(offset).limit(limit)
    )
    return list(page), total
