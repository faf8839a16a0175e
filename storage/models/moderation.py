"""The moderation domain's tables: users' reports about ads, users and messages
(`moderation_reports`) and the log of every moderator's action (`moderation_log`: who, what, when).
The moderation worker is their only writer.

A report's status moves from `pending` (as filed) to `reviewed` (a moderator has looked at it), and
ends `resolved` (acted on) or `dismissed` (no action needed). Its `reason` is canonical; a contract
with words of its own keeps them beside it (`contract`, `contract_reason`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

OPEN_ONCE = "unique_open AND status IN ('pending', 'reviewed')"


class Report(Base):
    __tablename__ = "moderation_reports"
    __table_args__ = (
        # The moderators' queue: reports of a status, oldest or newest first.
        Index("ix_moderation_reports_status_created_at", "status", "created_at"),
        Index("ix_moderation_reports_target_type_target_id", "target_type", "target_id"),
        # Reports received, counted by user (trust scores).
        Index("ix_moderation_reports_subject_user_id_status", "subject_user_id", "status"),
        # One open report per reporter and target, among those filed asking for it (`unique_open`):
        # the database decides between two sent at once.
        Index(
            "ux_moderation_reports_open_once",
            "reporter_id",
            "target_type",
            "target_id",
            unique=True,
            sqlite_where=text(OPEN_ONCE),
            postgresql_where=text(OPEN_ONCE),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    target_type: Mapped[str] = mapped_column(String(16))  # ad | user | message
    target_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The moderator who last changed the status; kept as history if that account goes.
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contract: Mapped[str | None] = mapped_column(String(16))
    contract_reason: Mapped[str | None] = mapped_column(String(32))
    # Whom the report is about: the reported user, or the reported ad's owner as it was filed. No
    # foreign key: counts kept for an account that is gone harm nothing.
    subject_user_id: Mapped[int | None] = mapped_column(Integer)
    evidence_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    unique_open: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    admin_notes: Mapped[str | None] = mapped_column(Text)


class LogEntry(Base):
    """One moderation action: who did what to which target, and when."""

    __tablename__ = "moderation_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
    details: Mapped[str | None] = mapped_column(Text)  # JSON text
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The console's own id for a staff action's record (a UUID): a copy sent again stores nothing more.
    record_id: Mapped[str | None] = mapped_column(String(36), index=True, unique=True)


class Ban(Base):
    """A ban given through moderation (identity enforces it on the account): in force while `ended_at`
    is NULL and `banned_until` is ahead; ended early by a lift or by a ban that replaced it."""

    __tablename__ = "moderation_bans"
    __table_args__ = (
        # The bans in force, newest first; a user's ban in force (to replace or lift it).
        Index("ix_moderation_bans_ended_at_banned_until", "ended_at", "banned_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(100))
    admin_notes: Mapped[str | None] = mapped_column(Text)
    report_id: Mapped[int | None] = mapped_column(Integer)  # no key: the record outlives nothing it needs
    banned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    banned_at: Mapped[datetime] = mapped_column(default=utcnow)
    banned_until: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
