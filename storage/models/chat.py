"""The chat domain's tables; the chat worker is their only writer.

Every kind of conversation (ad dialog, exchange chat, property chat, support thread, advisor chat)
is one row here, its messages numbered 1, 2, 3… within it, its read state one row per participant.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Conversation(Base):
    __tablename__ = "chat_conversations"
    __table_args__ = (
        Index("ix_chat_conversations_kind_topic", "kind", "topic_id"),
        # One conversation per kind, topic and set of people: two "open" racing cannot make two.
        Index(
            "uq_chat_conversations_topic_people",
            "kind",
            "topic_id",
            "participant_key",
            unique=True,
            sqlite_where=text("topic_id IS NOT NULL"),
            postgresql_where=text("topic_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    topic_id: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The sorted participant ids, so "this kind, this topic, these people" is one indexed lookup.
    participant_key: Mapped[str] = mapped_column(String(512))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Participant(Base):
    __tablename__ = "chat_participants"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    read_seq: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str | None] = mapped_column(String(16))  # the part a contract gives it: buyer, seller…
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)  # this participant blocks the others
    hidden_at: Mapped[datetime | None] = mapped_column()  # removed from this participant's view
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatMessage(Base):
    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        # A retried send carries the same client id: the second insert is refused, not stored twice.
        UniqueConstraint("conversation_id", "sender_id", "client_msg_id", name="uq_chat_messages_client_msg"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("chat_conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    client_msg_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # the dashboard's messages
