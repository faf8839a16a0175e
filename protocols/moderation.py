"""The moderation domain: users' reports about ads, users and chat messages, moderators' handling of
them and of pending ads, and the log of every moderation action (who, what, when).

A report is `pending` as filed; a moderator marks it `reviewed` (looked at), and closes it `resolved`
(acted on) or `dismissed` (no action needed); any status may be set again. An ad is moderated by the
market (its `ModerateAd`), asked by this domain, which logs the decision.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from . import subjects
from .envelope import Command, Message
from .fields import Id, Offset, PageSize, RejectionReason, ReportComment
from .market import Ad, ModerationDecision

DOMAIN = "moderation"


class ReportType(StrEnum):
    AD = "ad"
    USER = "user"
    MESSAGE = "message"


class ReportReason(StrEnum):
    FRAUD = "fraud"
    SPAM = "spam"
    INAPPROPRIATE = "inappropriate"
    DUPLICATE = "duplicate"
    WRONG_CATEGORY = "wrong_category"
    OTHER = "other"


class ReportStatus(StrEnum):
    PENDING = "pending"
    REVIEWED = "reviewed"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class LogAction(StrEnum):
    UPDATE_REPORT = "update_report"
    APPROVE_AD = "approve_ad"
    REJECT_AD = "reject_ad"


class Report(Message):
    id: int
    reporter_id: int
    report_type: ReportType
    target_id: int
    reason: ReportReason
    comment: str | None
    status: ReportStatus
    created_at: datetime
    updated_at: datetime
    handled_by: int | None  # the moderator who last set its status


class ReportPage(Message):
    items: list[Report]
    total: int


class LogEntry(Message):
    id: int
    moderator_id: int | None  # None: the system, or an account since deleted
    action: LogAction
    target_type: str  # "report" or "ad"
    target_id: int
    details: dict[str, Any]
    created_at: datetime


class LogPage(Message):
    items: list[LogEntry]
    total: int


class ReportCounts(Message):
    total: int
    by_status: dict[ReportStatus, int]  # every status, 0 included
    by_reason: dict[ReportReason, int]


class AdDecisionCounts(Message):
    """Ads moderated, as the log counts them (the market keeps no counts by status)."""

    approved: int
    rejected: int


class Stats(Message):
    reports: ReportCounts
    ads: AdDecisionCounts


class FileReport(Command[Report]):
    """Any signed-in user; a reported ad must be one he can see (else `not_found`)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "file_report")
    report_type: ReportType
    target_id: Id
    reason: ReportReason
    comment: ReportComment | None = None


class ListReports(Command[ReportPage]):
    """Moderators and admins: reports, newest first, in one status or all."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_reports")
    idempotent: ClassVar[bool] = True
    status: ReportStatus | None = None
    offset: Offset = 0
    limit: PageSize = 20


class SetReportStatus(Command[Report]):
    """Moderators and admins: a report's status, logged."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "set_report_status")
    report_id: Id
    status: ReportStatus


class ModerateListing(Command[Ad]):
    """Moderators and admins: the market's `ModerateAd` (approve, or reject with a reason), logged."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "moderate_listing")
    ad_id: Id
    decision: ModerationDecision
    reason: RejectionReason | None = None


class ListLog(Command[LogPage]):
    """Moderators and admins: the log, newest first."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_log")
    idempotent: ClassVar[bool] = True
    offset: Offset = 0
    limit: PageSize = 20


class GetStats(Command[Stats]):
    """Moderators and admins: reports counted by status and by reason, ads by decision."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_stats")
    idempotent: ClassVar[bool] = True
