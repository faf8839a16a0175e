"""Notify handlers: the only writers of the notifications table."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from nodes.runtime.deliveries import deliver
from nodes.runtime.worker import Handlers
from protocols import notify as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from storage.models.notify import Notification

from .deps import NotifyDeps

handlers: Handlers[NotifyDeps] = Handlers(wire.DOMAIN)


def view(row: Notification) -> wire.Notification:
    return wire.Notification(
        id=row.id, user_id=row.user_id, type=row.type, title=row.title, message=row.message,
        payload=dict(row.payload or {}), read=row.read_at is not None, created_at=row.created_at,
    )  # fmt: skip



@handlers.on(wire.Notify)
async def notify(cmd: wire.Notify, actor: Actor, deps: NotifyDeps) -> wire.Notified:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "workers only")
    now = datetime.now(UTC)
    rows = [
        {"user_id": user_id, "type": cmd.type, "title": cmd.title, "message": cmd.message, "payload": cmd.payload,
         "created_at": now}
        for user_id in dict.fromkeys(cmd.user_ids)
    ]  # fmt: skip
    async with deps.db() as db:
        try:
            stored = await db.scalars(
                insert(Notification).returning(Notification, sort_by_parameter_order=True), rows
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
    where: list[ColumnElement[bool]] = [Notification.user_id == actor.require_user()]
    if cmd.status is wire.NotificationStatus.PENDING:
        where.append(Notification.read_at.is_(None))
    elif cmd.status is wire.NotificationStatus.READ:
        where.append(Notification.read_at.is_not(None))
    if cmd.after_id is not None:
        where.append(Notification.id > cmd.after_id)
    order = Notification.id.asc() if cmd.after_id is not None else Notification.id.desc()
    async with deps.db() as db:
        total = await db.scalar(select(func.count()).select_from(Notification).where(*where)) or 0
        rows = await db.scalars(
            select(Notification).where(*where).order_by(order).offset(cmd.offset).limit(cmd.limit)
        )
        return wire.NotificationPage(items=[view(row) for row in rows], total=total)


@handlers.on(wire.MarkNotificationRead)
async def mark_read(cmd: wire.MarkNotificationRead, actor: Actor, deps: NotifyDeps) -> wire.Notification:
    mine = (Notification.id == cmd.notification_id, Notification.user_id == actor.require_user())
    async with deps.db() as db:
        await db.execute(
            update(Notification)
            .where(*mine, Notification.read_at.is_(None))
            .values(read_at=datetime.now(UTC))
        )
        row = await db.scalar(select(Notification).where(*mine))
        if row is None:  # someone else's answers like a missing one
            raise DomainError(ErrorCode.NOT_FOUND, "Notification not found")
        await db.commit()
        return view(row)
