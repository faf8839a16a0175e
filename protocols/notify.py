"""The notify domain: notifications stored per user with read state, and pushed live as they happen.

Other workers (matching, barter, chat…) create them with `Notify` as the system; users list them and
mark them read. One user never sees another's: a foreign id answers `not_found`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import Field

from . import subjects
from .envelope import Command, Message
from .fields import (
    DedupeKey,
    Int32,
    NotificationText,
    NotificationType,
    Offset,
    PageSize,
    Recipients,
    Title,
)

DOMAIN = "notify"


class Notification(Message):
    id: Int32
    user_id: Int32
    type: str  # what happened, e.g. "bilateral_match"
    title: str
    message: str
    payload: dict[str, Any] = Field(default_factory=dict)
    read: bool
    created_at: datetime


class NotificationStatus(StrEnum):
    PENDING = "pending"  # not read yet
    READ = "read"
    ALL = "all"


class NotificationPage(Message):
    items: list[Notification]  # newest first
    total: int


class Notified(Message):
    items: list[Notification]
    given_before: int = 0  # of `items`, those a `dedupe_key` found given already (not pushed again)


class Notify(Command[Notified]):
    """Store one notification for each of `user_ids` and push it to their live connections. With a
    `dedupe_key`, a user who has the notification of that key already is not given it again (nor
    pushed it): a sender may send until it hears an answer, and the user is told once."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "notify")
    user_ids: Recipients
    type: NotificationType
    title: Title = ""
    message: NotificationText = ""
    payload: dict[str, Any] = Field(default_factory=dict)
    dedupe_key: DedupeKey | None = None


class ListNotifications(Command[NotificationPage]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_notifications")
    idempotent: ClassVar[bool] = True
    status: NotificationStatus = NotificationStatus.ALL
    after_id: Int32 | None = Field(default=None, ge=0)  # for catching up: only newer ones, oldest first
    offset: Offset = 0
    limit: PageSize = 50


class MarkNotificationRead(Command[Notification]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "mark_notification_read")
    notification_id: Int32


class NotificationDelivery(Message):
    """On rt.user.<id>, as a notification is stored."""

    type: Literal["notification"] = "notification"
    notification: Notification
