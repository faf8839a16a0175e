"""The matching domain's reviews: what a participant of a completed exchange said of another one, once
per exchange and author. The matching worker is their only writer; a user's trust score is computed
from them (and from his exchanges) when asked, never stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

USER = "users.id"


class Review(Base):
    __tablename__ = "matching_reviews"
    __table_args__ = (
        UniqueConstraint("exchange_id", "author_id", name="uq_matching_reviews_exchange_id_author_id"),
        Index("ix_matching_reviews_target_id_created_at", "target_id", "created_at"),
        Index("ix_matching_reviews_author_id_created_at", "author_id", "created_at"),  # the hourly limit
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("matching_exchanges.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey(USER, ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey(USER, ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(SmallInteger)  # 1..5
    text: Mapped[str | None] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
