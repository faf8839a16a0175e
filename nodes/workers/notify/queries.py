"""The notifications table's SQL. Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from protocols import notify as wire
from storage.models.notify import Notification


async def insert_notifications(
    db: AsyncSession,
    user_ids: Sequence[int],
    type_: str,
    title: str,
    message: str,
    payload: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
) -> list[Notification]:
    """One notification for each user, in the order of `user_ids`."""
    rows = [
        {
            "user_id": user_id,
            "type": type_,
            "title": title,
            "message": message,
            "payload": payload,
            "created_at": now,
            "dedupe_key": dedupe_key,
        }
        for user_id in user_ids
    ]
    stored = await db.scalars(
        insert(Notification).returning(Notification, sort_by_parameter_order=True), rows
    )
    return list(stored)


async def given(db: AsyncSession, user_ids: Sequence[int], dedupe_key: str) -> list[Notification]:
    """The notifications of `dedupe_key` these users have already."""
    query = select(Notification).where(
        Notification.user_id.in_(user_ids), Notification.dedupe_key == dedupe_key
    )
    return list(await db.scalars(query.execution_options(populate_existing=True)))


async def notification_page(
    db: AsyncSession,
    user_id: int,
    status: wire.NotificationStatus,
    after_id: int | None,
    offset: int,
    limit: int,
) -> tuple[list[Notification], int]:
    """A page of the user's notifications in `status`, and how many there are in all: the newest first,
    or with `after_id` only those after it, the oldest first (for catching up)."""
    where: list[ColumnElement[bool]] = [Notification.user_id == user_id]
    if status is wire.NotificationStatus.PENDING:
        where.append(Notification.read_at.is_(None))
    elif status is wire.NotificationStatus.READ:
        where.append(Notification.read_at.is_not(None))
    if after_id is not None:
        where.append(Notification.id > after_id)
    order = Notification.id.asc() if after_id is not None else Notification.id.desc()
    total = await db.scalar(select(func.count()).select_from(Notification).where(*where)) or 0
    rows = await db.scalars(select(Notification).where(*where).order_by(order).offset(offset).limit(limit))
    return list(rows), total


async def mark_read(
    db: AsyncSession, notification_id: int, user_id: int, now: datetime
) -> Notification | None:
    """The user's notification, read from `now` unless it was already; None if the user has no such."""
    mine = (Notification.id == notification_id, Notification.user_id == user_id)
    await db.execute(update(Notification).where(*mine, Notification.read_at.is_(None)).values(read_at=now))
    return await db.scalar(select(Notification).where(*mine))
