"""The moderation tables' SQL. Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.moderation import LogEntry, Report


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
    await db.execute(
        update(Report)
        .where(Report.id == report_id)
        .values(status=status, handled_by=handled_by, updated_at=now)
    )


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
    db: AsyncSession, moderator_id: int | None, action: str, target: tuple[str, int], details: dict[str, Any]
) -> None:
    target_type, target_id = target
    await db.execute(
        insert(LogEntry).values(
            moderator_id=moderator_id, action=action, target_type=target_type, target_id=target_id,
            details=json.dumps(details),
        )
    )  # fmt: skip


async def log_page(db: AsyncSession, offset: int, limit: int) -> tuple[list[LogEntry], int]:
    """The log, newest first, and its length."""
    total = (await db.execute(select(func.count()).select_from(LogEntry))).scalar_one()
    rows = (
        await db.execute(
            select(LogEntry)
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
