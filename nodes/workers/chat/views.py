"""Rows as the chat protocol describes them, assembled for a page of conversations in a few queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from protocols import chat as wire
from storage.models.chat import ChatMessage, Conversation, Participant

from . import queries

NOT_FOUND = "Conversation not found"  # a foreign conversation answers like a missing one


def message_view(row: ChatMessage | Row[Any]) -> wire.ChatMessage:
    """From an ORM object or a Core row of chat_messages."""
    return wire.ChatMessage(
        id=row.id, conversation_id=row.conversation_id, seq=row.seq, sender_id=row.sender_id,
        author=wire.Author(row.author), kind=wire.MessageKind(row.kind), body=row.body,
        attachments=list(row.attachments or []), client_msg_id=row.client_msg_id, created_at=row.created_at,
    )  # fmt: skip


async def members_of(db: AsyncSession, conversations: Sequence[Conversation]) -> dict[int, list[Participant]]:
    """Each conversation's participants, by conversation id."""
    members: dict[int, list[Participant]] = {c.id: [] for c in conversations}
    if members:
        for participant in await queries.participants_in(db, list(members)):
            members[participant.conversation_id].append(participant)
    return members


def head_of(conversation: Conversation, members: Sequence[Participant]) -> wire.ConversationHead:
    c = conversation
    return wire.ConversationHead(
        id=c.id, kind=wire.ConversationKind(c.kind), topic_id=c.topic_id, title=c.title,
        created_by=c.created_by, participants=sorted(p.user_id for p in members), created_at=c.created_at,
        updated_at=c.updated_at,
    )  # fmt: skip


async def conversation_views(
    db: AsyncSession, user_id: int, conversations: Sequence[Conversation]
) -> list[wire.Conversation]:
    """Each conversation as `user_id` sees it: last message, read positions, unread count, blocks."""
    ids = [c.id for c in conversations]
    if not ids:
        return []
    members = await members_of(db, conversations)
    with_messages = [(c.id, c.last_seq) for c in conversations if c.last_seq > 0]
    last: dict[int, wire.ChatMessage] = {}
    if with_messages:
        last = {
            row.conversation_id: message_view(row) for row in await queries.messages_at(db, with_messages)
        }
    unread = await queries.unread_counts(db, user_id, ids)
    views = []
    for c in conversations:
        mine = next((p for p in members[c.id] if p.user_id == user_id), None)
        others = [p for p in members[c.id] if p.user_id != user_id]
        views.append(
            wire.Conversation(
                **dict(head_of(c, members[c.id])),
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
