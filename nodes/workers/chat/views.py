"""Rows as the chat protocol describes them, assembled for a page of conversations in a few queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from protocols import chat as wire
from storage.models.chat import ChatMessage, Conversation, Participant

NOT_FOUND = "Conversation not found"  # a foreign conversation answers like a missing one


def matching_rows(columns: Sequence[Any], rows: Sequence[Sequence[Any]]) -> ColumnElement[bool]:
    """`(a, b) IN ((1, 2), (3, 4))` spelled as ORs of equalities: SQLite scans the whole table for a
    row-value IN, but looks each OR term up in the index."""
    return or_(*(and_(*(column == value for column, value in zip(columns, row, strict=True))) for row in rows))


def message_view(row: ChatMessage | Row[Any]) -> wire.ChatMessage:
    """From an ORM object or a Core row of chat_messages."""
    return wire.ChatMessage(
        id=row.id, conversation_id=row.conversation_id, seq=row.seq, sender_id=row.sender_id,
        author=wire.Author(row.author), kind=wire.MessageKind(row.kind), body=row.body,
        attachments=list(row.attachments or []), client_msg_id=row.client_msg_id, created_at=row.created_at,
    )  # fmt: skip


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


async def conversation_views(
    db: AsyncSession, user_id: int, conversations: Sequence[Conversation]
) -> list[wire.Conversation]:
    """Each conversation as `user_id` sees it: last message, read positions, unread count, blocks."""
    ids = [c.id for c in conversations]
    if not ids:
        return []
    members: dict[int, list[Participant]] = {i: [] for i in ids}
    for participant in await db.scalars(select(Participant).where(Participant.conversation_id.in_(ids))):
        members[participant.conversation_id].append(participant)
    with_messages = [(c.id, c.last_seq) for c in conversations if c.last_seq > 0]
    last: dict[int, wire.ChatMessage] = {}
    if with_messages:
        rows = await db.scalars(
            select(ChatMessage).where(matching_rows((ChatMessage.conversation_id, ChatMessage.seq), with_messages))
        )
        last = {row.conversation_id: message_view(row) for row in rows}
    unread = await unread_counts(db, user_id, ids)
    views = []
    for c in conversations:
        mine = next((p for p in members[c.id] if p.user_id == user_id), None)
        others = [p for p in members[c.id] if p.user_id != user_id]
        views.append(
            wire.Conversation(
                id=c.id,
                kind=wire.ConversationKind(c.kind),
                topic_id=c.topic_id,
                title=c.title,
                created_by=c.created_by,
                participants=sorted(p.user_id for p in members[c.id]),
                created_at=c.created_at,
                updated_at=c.updated_at,
                last_seq=c.last_seq,
                last_message=last.get(c.id),
                read_seq=mine.read_seq if mine else 0,
                unread_count=unread.get(c.id, 0),
                reads={p.user_id: p.read_seq for p in members[c.id]},
                blocked_by_me=bool(mine and mine.blocked),
                blocked_me=any(p.blocked for p in others),
                roles={p.user_id: p.role for p in members[c.id] if p.role},
            )
        )
    return views
