"""The moderation domain: users' reports about ads, users and chat messages, moderators' handling of
them and of pending ads, bans, and the log of every moderation action (who, what, when).

A report is `pending` as filed; a moderator marks it `reviewed` (looked at), and closes it `resolved`
(acted on) or `dismissed` (no action needed); any status may be set again. An ad is moderated by the
market (its `ModerateAd`), asked by this domain, which logs the decision.

One model for every contract: a report's `reason` is canonical (`ReportReason`); a contract whose
document has a vocabulary of its own files its word beside it (`contract`, `contract_reason`), and
shows it back. A report is closed with a `Resolution` (`ResolveReport`): the listing hidden by the
market, the user warned (a notification) or banned by identity, or nothing done (`dismissed`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, Field, model_validator

from . import subjects
from .envelope import Command, Event, Message
from .fields import (
    AdminNotes,
    BanDays,
    BanReason,
    ChoiceCount,
    ContractName,
    ContractReason,
    CountedUsers,
    EvidenceUrls,
    Id,
    LogTargetType,
    Offset,
    PageSize,
    RejectionReason,
    ReportComment,
    SomeChoiceCount,
    UuidText,
)
from .identity import ClientInfo
from .market import Ad, ModerationDecision

DOMAIN = "moderation"


class ReportType(StrEnum):
    AD = "ad"
    USER = "user"
    MESSAGE = "message"


class ReportReason(StrEnum):
    """The canonical reasons (MillionAvto's words are the first six)."""

    FRAUD = "fraud"
    SPAM = "spam"
    INAPPROPRIATE = "inappropriate"
    DUPLICATE = "duplicate"
    WRONG_CATEGORY = "wrong_category"
    OTHER = "other"
    MISLEADING = "misleading"  # not what it claims to be: its price, its description
    UNAVAILABLE = "unavailable"  # listed, but not there to be had


class ReportStatus(StrEnum):
    PENDING = "pending"
    REVIEWED = "reviewed"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


OPEN_STATUSES = (ReportStatus.PENDING, ReportStatus.REVIEWED)
CLOSED_STATUSES = (ReportStatus.RESOLVED, ReportStatus.DISMISSED)


class Resolution(StrEnum):
    """How a report was closed by `ResolveReport`; `dismissed` closes it `dismissed`, the rest `resolved`."""

    LISTING_REMOVED = "listing_removed"
    USER_WARNED = "user_warned"
    USER_BANNED = "user_banned"
    DISMISSED = "dismissed"


class ActionTaken(StrEnum):
    """What a moderator records having done in resolving a report (logged with it)."""

    HIDE_LISTING = "hide_listing"
    NOTIFY_USER = "notify_user"
    WARN_USER = "warn_user"
    BAN_USER = "ban_user"
    NO_ACTION = "no_action"


class LogAction(StrEnum):
    UPDATE_REPORT = "update_report"
    APPROVE_AD = "approve_ad"
    REJECT_AD = "reject_ad"
    RESOLVE_REPORT = "resolve_report"
    HIDE_LISTING = "hide_listing"  # target: the ad
    WARN_USER = "warn_user"  # target: the user
    BAN_USER = "ban_user"  # target: the user
    LIFT_BAN = "lift_ban"  # target: the user
    # A staff member's console session (target: the staff member; details: the client's ip and agent).
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    # Staff actions that another domain's command carries out, recorded by `RecordStaffAction`.
    # Users (target: the user).
    EDIT_USER = "edit_user"
    ACTIVATE_USER = "activate_user"
    DEACTIVATE_USER = "deactivate_user"
    SET_ROLE = "set_role"
    SET_MEMBERSHIP = "set_membership"
    REVOKE_SESSIONS = "revoke_sessions"
    # A staff member reading a conversation (target: the conversation), recorded before it is shown.
    READ_CHAT = "read_chat"
    # Ads and their media (target: the ad; details: the media's id).
    DELETE_AD = "delete_ad"
    DELETE_MEDIA = "delete_media"
    MAIN_IMAGE = "main_image"  # an image made the ad's first
    # References (target: the category, brand, model, generation, modification, country, region, city).
    CREATE_REFERENCE = "create_reference"
    UPDATE_REFERENCE = "update_reference"
    DELETE_REFERENCE = "delete_reference"
    # Banners (target: the banner).
    CREATE_BANNER = "create_banner"
    UPDATE_BANNER = "update_banner"
    DELETE_BANNER = "delete_banner"
    # Realty and the garage (target: the property, request, appointment or offer).
    ARCHIVE_PROPERTY = "archive_property"
    RESTORE_PROPERTY = "restore_property"
    CLOSE_REQUEST = "close_request"
    CANCEL_APPOINTMENT = "cancel_appointment"
    DELETE_OFFER = "delete_offer"


# What `RecordStaffAction` takes: the actions above that no moderation command logs itself.
STAFF_ACTIONS = frozenset(LogAction) - {
    LogAction.UPDATE_REPORT,
    LogAction.APPROVE_AD,
    LogAction.REJECT_AD,
    LogAction.RESOLVE_REPORT,
    LogAction.HIDE_LISTING,
    LogAction.WARN_USER,
    LogAction.BAN_USER,
    LogAction.LIFT_BAN,
    LogAction.SIGN_IN,
    LogAction.SIGN_OUT,
}


def _staff_action(action: LogAction) -> LogAction:
    if action not in STAFF_ACTIONS:
        raise ValueError(f"{action.value} is logged by the command that does it")
    return action


StaffAction = Annotated[LogAction, AfterValidator(_staff_action)]


class ConsoleAction(StrEnum):
    """What `RecordConsoleSession` logs: the console's own actions; its decisions are logged by the
    commands that make them (`ModerateListing`, `ResolveReport`, ...)."""

    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"


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


class ReportRecord(Report):
    """A report with all the model keeps of it (MillionAvto's views show `Report` only)."""

    contract: str | None  # the surface it was filed on, when it was filed in that contract's words
    contract_reason: str | None  # the reason in those words
    # Whom it is about: the reported user, or the reported ad's owner when it was filed.
    subject_user_id: int | None
    evidence_urls: list[str]
    resolution: Resolution | None  # set by `ResolveReport`; None when closed by a status alone
    resolved_at: datetime | None  # when it was last closed
    admin_notes: str | None


class ReportRecordPage(Message):
    items: list[ReportRecord]
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
    """Any signed-in user; a reported ad must be one he can see (else `not_found`).

    A contract with its own vocabulary names itself and its word (`contract`, `contract_reason`).
    `unique_open`: refused (`conflict`) while the reporter has an open report about the same target
    filed this way. `checked_target`: a reported user must exist (else `not_found`), and a report
    about oneself or one's own ad is refused (`validation`)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "file_report")
    report_type: ReportType
    target_id: Id
    reason: ReportReason
    comment: ReportComment | None = None
    contract: ContractName | None = None
    contract_reason: ContractReason | None = None
    evidence_urls: EvidenceUrls = Field(default_factory=list)
    unique_open: bool = False
    checked_target: bool = False


class ReportsChanged(Event):
    """Published after a report is filed or its status changes, so that the console's edges count the
    open reports again."""

    subject: ClassVar[str] = subjects.evt(DOMAIN, "reports_changed")


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
    """Moderators and admins: the log, newest first, of one action or all."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_log")
    idempotent: ClassVar[bool] = True
    action: LogAction | None = None
    offset: Offset = 0
    limit: PageSize = 20


class RecordConsoleSession(Command[LogEntry]):
    """Staff (admins, moderators, managers): the actor's sign-in to or sign-out from the operators'
    console, logged with the client's address and agent (`target_type` "user", the actor's id). The
    log has no command that edits or deletes an entry."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "record_console_session")
    action: ConsoleAction
    client: ClientInfo = ClientInfo()


class RecordStaffAction(Command[LogEntry]):
    """Staff: an action of the operators' console that another domain's command carried out (a role
    set by identity, a category edited by the catalog, ...), or a staff member's reading of a
    conversation (before it is shown); logged with the actor as `moderator_id`. The console records it
    once the command has succeeded; the log has no command that edits or deletes an entry.
    Idempotent by `record_id`: a copy sent again answers the entry the first one stored."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "record_staff_action")
    idempotent: ClassVar[bool] = True
    action: StaffAction
    target_type: LogTargetType
    target_id: Id
    details: dict[str, str | int | bool | None] = Field(default_factory=dict)
    record_id: UuidText = Field(default_factory=lambda: str(uuid.uuid4()))


class GetStats(Command[Stats]):
    """Moderators and admins: reports counted by status and by reason, ads by decision."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_stats")
    idempotent: ClassVar[bool] = True


class ListReportRecords(Command[ReportRecordPage]):
    """Moderators and admins: reports with all their fields, newest first (`oldest_first`: oldest
    first), in any of `statuses` (or all); of one `report_type` and one canonical `reason` if given;
    filed in `contract`'s words if given, or in the canonical words only (MillionAvto's) if
    `canonical_words`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_report_records")
    idempotent: ClassVar[bool] = True
    statuses: Annotated[list[ReportStatus], SomeChoiceCount] | None = None
    report_type: ReportType | None = None
    reason: ReportReason | None = None
    contract: ContractName | None = None
    canonical_words: bool = False
    oldest_first: bool = False
    offset: Offset = 0
    limit: PageSize = 20

    @model_validator(mode="after")
    def _one_vocabulary(self) -> Self:
        if self.contract is not None and self.canonical_words:
            raise ValueError("a contract's words or the canonical ones, not both")
        return self


class GetReportRecord(Command[ReportRecord]):
    """Moderators and admins: one report with all its fields."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_report_record")
    idempotent: ClassVar[bool] = True
    report_id: Id


class ResolveReport(Command[ReportRecord]):
    """Moderators and admins close an open report (a closed one is a `conflict`), and what the
    resolution says is done: `listing_removed` hides the reported ad (the market) and tells its owner;
    `user_warned` tells the user; `user_banned` bans him (admins only, else `forbidden` before anything
    is done) for `ban_days` (the configured time when None) with `ban_reason` (the report's reason
    when None), as `BanUser` does; `dismissed` does nothing. A resolution the report cannot have (an
    ad's removal on a report about a user) is `validation`. Logged: the resolution, and each action as
    its own entry."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "resolve_report")
    report_id: Id
    resolution: Resolution
    admin_notes: AdminNotes | None = None
    actions_taken: Annotated[list[ActionTaken], ChoiceCount] = Field(default_factory=list)
    ban_days: BanDays | None = None
    ban_reason: BanReason | None = None


class Ban(Message):
    user_id: int
    banned_until: datetime
    reason: str
    sessions_ended: int


class BanUser(Command[Ban]):
    """Admins: the user is banned for `duration_days` (the configured default when None) from now,
    replacing any ban he had; his sessions end at once, and signing in is refused until the ban ends.
    An admin cannot be banned (`forbidden`). Logged, and kept in the bans' record (`ListBans`)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "ban_user")
    user_id: Id
    reason: BanReason
    duration_days: BanDays | None = None
    admin_notes: AdminNotes | None = None


class BanRecord(Message):
    """A ban as moderation keeps it: given by `BanUser` or a report resolved `user_banned`; it ends
    when its time is over, when another ban replaces it, or when it is lifted (`LiftBan`)."""

    id: int
    user_id: int
    reason: str
    admin_notes: str | None
    report_id: int | None  # the report it was given on
    banned_by: int | None  # None: the system, or an account since deleted
    banned_at: datetime
    banned_until: datetime
    ended_at: datetime | None  # lifted or replaced early; None: it runs (or ran) its time
    ended_by: int | None  # who lifted it (None: replaced, or the system)
    active: bool


class BanPage(Message):
    items: list[BanRecord]
    total: int


class ListBans(Command[BanPage]):
    """Admins: the bans in force (`active`), newest first, or those that have ended (`active` False),
    latest ended first."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_bans")
    idempotent: ClassVar[bool] = True
    active: bool = True
    offset: Offset = 0
    limit: PageSize = 20


class BanLifted(Message):
    user_id: int
    lifted_at: datetime


class LiftBan(Command[BanLifted]):
    """Admins: the user's ban in force ends now (identity lets him sign in again); a user without one
    is `not_found`. Logged."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "lift_ban")
    user_id: Id


class ReasonCount(Message):
    reason: ReportReason
    contract: str | None
    contract_reason: str | None
    count: int


class Dashboard(Message):
    pending: int  # reports `pending`
    closed_since: int  # reports closed (resolved or dismissed) since `since`
    active_bans: int  # users banned now (identity)
    hidden_listings: int  # listings moderation keeps out of sight (the market)
    by_reason: list[ReasonCount]  # every report, by reason as filed
    recent: list[LogEntry]  # the log's newest entries


class GetDashboard(Command[Dashboard]):
    """Moderators and admins: the counts a moderation dashboard shows, and the newest log entries."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_dashboard")
    idempotent: ClassVar[bool] = True
    since: datetime
    recent: PageSize = 10


class ReportsReceived(Message):
    counts: dict[int, int]  # every user asked about, 0 included


class CountReportsReceived(Command[ReportsReceived]):
    """Anyone (a trust score is built from these counts): how many reports each user has received,
    about him or about his ads, dismissed ones not counted."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "count_reports_received")
    idempotent: ClassVar[bool] = True
    user_ids: CountedUsers
