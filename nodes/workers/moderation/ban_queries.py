"""The bans' record (`moderation_bans`). Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, not_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.moderation import Ban


def in_force(now: datetime) -> ColumnElement[bool]:
    return and_(Ban.ended_at.is_(None), Ban.banned_until > now)


async def end_bans_of(db: AsyncSession, user_id: int, now: datetime, ended_by: int | None) -> list[int]:
    """End the user's bans in force (lifted, or replaced by a new one); their ids."""
    ended = await db.execute(
        update(Ban)
        .where(Ban.user_id == user_id, in_force(now))
        .values(ended_at=now, ended_by=ended_by)
        .returning(Ban.id)
    )
    return list(ended.scalars())


async def insert_ban(db: AsyncSession, values: dict[str, Any]) -> Ban:
    return (await db.execute(insert(Ban).values(**values).returning(Ban))).scalar_one()


async def ban(db: AsyncSession, ban_id: int) -> Ban | None:
    return (
        await db.execute(select(Ban).where(Ban.id == ban_id).execution_options(populate_existing=True))
    ).scalar_one_or_none()


async def bans(
    db: AsyncSession, active: bool, now: datetime, offset: int, limit: int
) -> tuple[list[Ban], int]:
    """The bans in force, newest first, or the ended ones, the latest ended first (then by id, so that
    pages never overlap); and how many match."""
    where = in_force(now) if active else not_(in_force(now))
    ended = func.coalesce(Ban.ended_at, Ban.banned_until)
    order = (Ban.banned_at.desc(), Ban.id.desc()) if active else (ended.desc(), Ban.id.desc())
    total = (await db.execute(select(func.count()).select_from(Ban).where(where))).scalar_one()
    rows = (await db.execute(select(Ban).where(where).order_by(*order).offset(offset).limit(limit))).scalars()
    return list(rows), total
