"""Notifications: stored for users and pushed to their live connections, listed, marked read."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

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
        try:
            stored = await queries.insert_notifications(
                db, user_ids, cmd.type, cmd.title, cmd.message, cmd.payload, datetime.now(UTC)
            )
            items = [view(row) for row in stored]
            await db.commit()
        except IntegrityError:
            raise DomainError(ErrorCode.NOT_FOUND, "User not found") from None
    if deps.bus is not None:
        for item in items:
            await deliver(deps.bus, [item.user_id], wire.NotificationDelivery(notification=item))
    return wire.Notified(items=items)


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
