"""Notifications: stored for users and pushed to their live connections, listed, marked read."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nodes.runtime.deliveries import deliver
from protocols import notify as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from storage.models.notify import Notification

from . import queries
from .deps import NotifyDeps
from .handlers import handlers


def view(row: Notification) -> wire.Notification:
    return wire.Notification(
        id=row.id, user_id=row.user_id, type=row.type, title=row.title, message=row.message,
        payload=dict(row.payload or {}), read=row.read_at is not None, created_at=row.created_at,
    )  # fmt: skip


@handlers.on(wire.Notify)
async def notify(cmd: wire.Notify, actor: Actor, deps: NotifyDeps) -> wire.Notified:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "workers only")
    user_ids = list(dict.fromkeys(cmd.user_ids))
    async with deps.db() as db:
        had = await _given(db, user_ids, cmd.dedupe_key)
        try:
            stored = await queries.insert_notifications(
                db, [u for u in user_ids if u not in had], cmd.type, cmd.title, cmd.message, cmd.payload,
                datetime.now(UTC), cmd.dedupe_key,
            )  # fmt: skip
            items = [view(row) for row in stored]
            await db.commit()
        except IntegrityError:
            await db.rollback()
            # The same notification, sent again at once, was given meanwhile; else a user is missing.
            had = await _given(db, user_ids, cmd.dedupe_key)
            if len(had) < len(user_ids):
                raise DomainError(ErrorCode.NOT_FOUND, "User not found") from None
            items = []
    if deps.bus is not None:
        for item in items:  # only the new ones: a user is pushed a notification once
            await deliver(deps.bus, [item.user_id], wire.NotificationDelivery(notification=item))
    everyone = sorted([*items, *had.values()], key=lambda n: user_ids.index(n.user_id))
    return wire.Notified(items=everyone, given_before=len(had))


async def _given(
    db: AsyncSession, user_ids: list[int], dedupe_key: str | None
) -> dict[int, wire.Notification]:
    """By user, the notifications of `dedupe_key` they have already (none without a key)."""
    if dedupe_key is None:
        return {}
    return {row.user_id: view(row) for row in await queries.given(db, user_ids, dedupe_key)}


@handlers.on(wire.ListNotifications)
async def list_notifications(
    cmd: wire.ListNotifications, actor: Actor, deps: NotifyDeps
) -> wire.NotificationPage:
    async with deps.read_db() as db:
        rows, total = await queries.notification_page(
            db, actor.require_user(), cmd.status, cmd.after_id, cmd.offset, cmd.limit
        )
        return wire.NotificationPage(items=[view(row) for row in rows], total=total)


@handlers.on(wire.MarkNotificationRead)
async def mark_read(cmd: wire.MarkNotificationRead, actor: Actor, deps: NotifyDeps) -> wire.Notification:
    async with deps.db() as db:
        row = await queries.mark_read(db, cmd.notification_id, actor.require_user(), datetime.now(UTC))
        if row is None:  # someone else's answers like a missing one
            raise DomainError(ErrorCode.NOT_FOUND, "Notification not found")
        await db.commit()
        return view(row)
