"""The advisor domain's tables: the assistant's answers in Car advisor's chats. The advisor worker is
their only writer.

An answer is keyed by the user's message it answers (unique: started once). `text` is what was
written so far, stored chunk by chunk before each chunk is sent, so a stream that resumes from the row
never misses one. A worker holds the answer it writes by a lease (`lease_owner` until `lease_until`);
an answer whose lease ran out and that is not yet stored in the chat (`assistant_message_id` NULL)
is taken over by another worker.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Answer(Base):
    __tablename__ = "advisor_answers"
    __table_args__ = (
        # The answers a worker may have to take over: those not stored in the chat yet, by lease.
        Index(
            "ix_advisor_answers_unstored_lease",
            "lease_until",
            postgresql_where=text("assistant_message_id IS NULL"),
            sqlite_where=text("assistant_message_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(Integer, unique=True)  # the user's message (the chat's)
    conversation_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(Integer)
    message_seq: Mapped[int] = mapped_column(Integer)  # the user's message's seq in the chat
    state: Mapped[str] = mapped_column(String(16))  # protocols.advisor.AnswerState
    text: Mapped[str] = mapped_column(Text, default="")
    cars: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # protocols.advisor_cars.Car's
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime] = mapped_column()
    assistant_message_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
