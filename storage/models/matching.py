"""The matching domain's tables: the runs of the matching engine, the exchanges it proposes (a
bilateral swap or a chain of three or more people), each participant's leg of one, and an exchange's
timeline. The matching worker is their only writer; the barter items themselves are the market's
listings (kind `barter`), named here by id only.

An exchange is `proposed` (a chain waiting for every participant to accept), `active` (agreed: a
bilateral swap is agreed as found; its participants chat and confirm), `completed` (everyone
confirmed; the items were archived) or `dissolved` (declined, or an item left the pool). Its items are
out of the matching pool while it is proposed or active."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

USER = "users.id"


class MatchingRun(Base):
    """One run of the engine: the scheduler's full run, a user's pipeline, a discovery, or the
    incremental re-match after a listing change; what it found."""

    __tablename__ = "matching_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trigger: Mapped[str] = mapped_column(String(16))  # scheduled | pipeline | discover | change
    # Whom an admin asked for, as asked: a log, so an id that names no account is kept as given.
    scope_user_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # running | success | failed
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column()
    bilateral_matches: Mapped[int] = mapped_column(Integer, default=0)
    chains_discovered: Mapped[int] = mapped_column(Integer, default=0)
    participants_notified: Mapped[int] = mapped_column(Integer, default=0)
    items_traded: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[str | None] = mapped_column(Text)  # JSON list of strings


class Exchange(Base):
    __tablename__ = "matching_exchanges"
    __table_args__ = (Index("ix_matching_exchanges_kind_status_created_at", "kind", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # What clients call it: `mutual_{user_a}_{user_b}_{item_a}_{item_b}` for a bilateral swap (the
    # contract's form), `chain_{id}` for a chain.
    public_id: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # mutual | chain
    status: Mapped[str] = mapped_column(String(16))  # proposed | active | completed | dissolved
    score: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1: how well values and wants fit
    run_id: Mapped[int | None] = mapped_column(ForeignKey("matching_runs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    agreed_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    dissolved_at: Mapped[datetime | None] = mapped_column()


class ExchangeLeg(Base):
    """One participant's part of an exchange: the item he gives and the one he receives, and what he
    has said (accepted, declined, confirmed)."""

    __tablename__ = "matching_exchange_legs"
    __table_args__ = (
        Index("ix_matching_exchange_legs_user_id_exchange_id", "user_id", "exchange_id"),
        Index("ix_matching_exchange_legs_gives_item_id", "gives_item_id"),
    )

    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("matching_exchanges.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # order in the ring, from 0
    user_id: Mapped[int] = mapped_column(ForeignKey(USER, ondelete="CASCADE"))
    gives_item_id: Mapped[int] = mapped_column(Integer)  # a market listing (barter offer)
    receives_item_id: Mapped[int] = mapped_column(Integer)  # the next leg's offer
    fills_want_id: Mapped[int | None] = mapped_column(Integer)  # the want it answers, where known
    accepted_at: Mapped[datetime | None] = mapped_column()
    declined_at: Mapped[datetime | None] = mapped_column()
    confirmed_at: Mapped[datetime | None] = mapped_column()


class ExchangeEvent(Base):
    """An exchange's timeline: created, accepted, declined, agreed, confirmed, completed, dissolved."""

    __tablename__ = "matching_exchange_events"
    __table_args__ = (Index("ix_matching_exchange_events_exchange_id_at", "exchange_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("matching_exchanges.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey(USER, ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    details: Mapped[str | None] = mapped_column(String(500))
    # When the participants were told of it (created, agreed, completed, dissolved); None: not yet, or
    # nothing to tell. Events not told yet are the outbox that every run sends again.
    told_at: Mapped[datetime | None] = mapped_column()


class ItemClaim(Base):
    """An item (an offer given, or the want it fills) of a proposed or active exchange: out of the
    pool. The primary key decides between two runs proposing one item at once: the second insert
    fails, and its exchange is not created."""

    __tablename__ = "matching_item_claims"

    item_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("matching_exchanges.id", ondelete="CASCADE"), index=True
    )
