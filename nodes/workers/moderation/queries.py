"""The moderation tables' SQL. Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from protocols.moderation import CLOSED_STATUSES, OPEN_STATUSES, ReportStatus
from storage.models.moderation import LogEntry, Report

OPEN = [status.value for status in OPEN_STATUSES]
CLOSED = [status.value for status in CLOSED_STATUSES]
DISMISSED = ReportStatus.DISMISSED.value


async def insert_report(db: AsyncSession, values: dict[str, Any]) -> int:
    report_id: int = (await db.execute(insert(Report).values(**values).returning(Report.id))).scalar_one()
    return report_id


async def report(db: AsyncSession, report_id: int) -> Report | None:
    return (
        await db.execute(
            select(Report).where(Report.id == report_id).execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def set_report_status(
    db: AsyncSession, report_id: int, status: str, handled_by: int | None, now: datetime
) -> None:
    """A status alone: a resolution given before no longer describes the report; a closing status
    dates its closing."""
    closed = status in CLOSED
    await db.execute(
        update(Report)
        .where(Report.id == report_id)
        .values(status=status, handled_by=handled_by, updated_at=now, resolution=None,
                resolved_at=now if closed else None)
    )  # fmt: skip


async def close_report(db: AsyncSession, report_id: int, values: dict[str, Any]) -> bool:
    """Whether this call closed the open report (of two closing it at once, one does)."""
    closed = await db.execute(
        update(Report).where(Report.id == report_id, Report.status.in_(OPEN)).values(**values)
    )
    return getattr(closed, "rowcount", 0) == 1


@dataclass(frozen=True)
class ReportFilters:
    """What a page of reports is narrowed to (None: any); `contract` "" is the canonical words."""

    statuses: list[str] | None = None
    report_type: str | None = None
    reason: str | None = None
    contract: str | None = None
    oldest_first: bool = False

    def where(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [] if self.statuses is None else [Report.status.in_(self.statuses)]
        if self.report_type is not None:
            where.append(Report.target_type == self.report_type)
        if self.reason is not None:
            where.append(Report.reason == self.reason)
        if self.contract is not None:
            where.append(
                Report.contract.is_(None) if self.contract == "" else Report.contract == self.contract
            )
        return where


async def report_records(
    db: AsyncSession, filters: ReportFilters, offset: int, limit: int
) -> tuple[list[Report], int]:
    """Reports as `filters` narrow them, newest (or oldest) first, then by id so that pages never
    overlap; and how many match."""
    where = filters.where()
    order = (
        (Report.created_at.asc(), Report.id.asc())
        if filters.oldest_first
        else (Report.created_at.desc(), Report.id.desc())
    )
    total = (await db.execute(select(func.count()).select_from(Report).where(*where))).scalar_one()
    rows = (
        await db.execute(select(Report).where(*where).order_by(*order).offset(offset).limit(limit))
    ).scalars()
    return list(rows), total


async def count_received(db: AsyncSession, user_ids: list[int]) -> dict[int, int]:
    """Reports about each of these users or their ads, the dismissed ones left out; users with none
    are absent."""
    rows = await db.execute(
        select(Report.subject_user_id, func.count())
        .where(Report.subject_user_id.in_(user_ids), Report.status != DISMISSED)
        .group_by(Report.subject_user_id)
    )
    return {user_id: count for user_id, count in rows.tuples() if user_id is not None}


async def count_in_status(db: AsyncSession, status: str) -> int:
    return (
        await db.execute(select(func.count()).select_from(Report).where(Report.status == status))
    ).scalar_one()


async def count_closed_since(db: AsyncSession, since: datetime) -> int:
    closed = (
        select(func.count()).select_from(Report).where(Report.status.in_(CLOSED), Report.resolved_at >= since)
    )
    return (await db.execute(closed)).scalar_one()


async def reason_words(db: AsyncSession) -> list[tuple[str, str | None, str | None, int]]:
    """Reports counted by reason as filed: (reason, contract, contract_reason, how many)."""
    words = (Report.reason, Report.contract, Report.contract_reason)
    rows = await db.execute(select(*words, func.count()).group_by(*words))
    return [row.tuple() for row in rows]


async def reports(db: AsyncSession, status: str | None, offset: int, limit: int) -> tuple[list[Report], int]:
    """Reports in `status` (or all), newest first (then by id, so that pages never overlap), and how
    many match."""
    where = [] if status is None else [Report.status == status]
    total = (await db.execute(select(func.count()).select_from(Report).where(*where))).scalar_one()
    rows = (
        await db.execute(
            select(Report).where(*where).order_by(Report.created_at.desc(), Report.id.desc())
            .offset(offset).limit(limit)
        )
    ).scalars()  # fmt: skip
    return list(rows), total


async def log(
    db: AsyncSession,
    moderator_id: int | None,
    action: str,
    target: tuple[str, int],
    details: dict[str, Any],
    record_id: str | None = None,
) -> LogEntry:
    """A new entry, as stored."""
    target_type, target_id = target
    return (
        await db.execute(
            insert(LogEntry).values(
                moderator_id=moderator_id, action=action, target_type=target_type, target_id=target_id,
                details=json.dumps(details), record_id=record_id,
            ).returning(LogEntry)
        )
    ).scalar_one()  # fmt: skip


async def recorded(db: AsyncSession, record_id: str) -> LogEntry | None:
    """The entry the console recorded under `record_id`, if any."""
    return (await db.execute(select(LogEntry).where(LogEntry.record_id == record_id))).scalar_one_or_none()


async def log_page(
    db: AsyncSession, offset: int, limit: int, action: str | None = None
) -> tuple[list[LogEntry], int]:
    """The log (of one action, if given), newest first, and its length."""
    where = [LogEntry.action == action] if action is not None else []
    total = (await db.execute(select(func.count()).select_from(LogEntry).where(*where))).scalar_one()
    rows = (
        await db.execute(
            select(LogEntry)
            .where(*where)
            .order_by(LogEntry.created_at.desc(), LogEntry.id.desc())
            .offset(offset)
            .limit(limit)
        )
    ).scalars()
    return list(rows), total


async def report_counts(db: AsyncSession, column: str) -> dict[str, int]:
    """How many reports have each value of `column` ("status" or "reason")."""
    grouped = getattr(Report, column)
    rows = await db.execute(select(grouped, func.count()).group_by(grouped))
    return {value: count for value, count in rows.tuples()}


async def action_counts(db: AsyncSession) -> dict[str, int]:
    rows = await db.execute(select(LogEntry.action, func.count()).group_by(LogEntry.action))
    return {action: count for action, count in rows.tuples()}
