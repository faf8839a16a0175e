"""FreeMarket (seeds/001) "Moderation & Safety": reports, the admins' queue, resolutions, bans and the
dashboard, as views onto the one moderation model (protocols.moderation) that MillionAvto's
moderation uses too.

- `POST /api/reports` (token): about a listing (`target_listing_id`, any listing of the listing core)
  or a user (`target_user_id`), exactly one; 201 with `estimated_resolution` = filed +
  `[moderation] report_resolution_hours`.
- `GET /api/admin/reports?status=&skip=&limit=`, `POST /api/admin/reports/{id}/resolve`,
  `POST /api/admin/users/{id}/ban`, `GET /api/admin/dashboard`: the admin role only (no token 401,
  any other role 403, checked before the body is read).

Choices where the document is silent:

- Reasons: each is stored with the canonical reason beside it (`REASONS`: PRICE_MISMATCH and
  FAKE_LISTING are `misleading`, UNAVAILABLE_ITEM `unavailable`, INAPPROPRIATE_CONTENT
  `inappropriate`, SPAM, FRAUD and OTHER their namesakes). A report filed on another contract is
  shown in the nearest of these words (`WORDS`: duplicate reads SPAM, wrong_category OTHER).
- `priority` comes from the reason: HIGH for FRAUD, FAKE_LISTING and INAPPROPRIATE_CONTENT (harm to
  whoever trades), MEDIUM for PRICE_MISMATCH and SPAM, LOW for UNAVAILABLE_ITEM and OTHER.
- Statuses: PENDING is the model's `pending`, UNDER_REVIEW its `reviewed` (a MillionAvto moderator
  marks it), RESOLVED both `resolved` and `dismissed` (the `resolution` tells them apart: a report
  resolved DISMISSED is `dismissed`). `status=RESOLVED` lists both.
- Filing: a listing that does not exist or that the reporter cannot see (not active) is 404, as is a
  user that does not exist; reporting yourself or your own listing is 400; a second report by the
  same reporter about the same target while the first is open (PENDING or UNDER_REVIEW) is 409.
  `description` is at most 2,000 characters; `evidence_urls` at most 10 http(s) addresses of at most
  512 characters each.
- The queue: newest first; `limit` 20 by default, at most 100. `reporter_name` is the reporter's full
  name, else his username (null for an account since deleted); `target_listing_title` the listing's
  title in whatever status it is now (null for a report about a user or a chat message).
- Resolving: LISTING_REMOVED hides the listing (the market rejects it: out of every list and page;
  its owner may correct it and have it moderated again) and notifies its owner (`listing_removed`);
  USER_WARNED notifies the user (`user_warned`: the reported user, or the reported listing's owner);
  USER_BANNED bans him for `[moderation] default_ban_days`; DISMISSED does nothing. A resolution a
  report cannot have (removing a listing on a report about a user) is 400; a report closed already,
  here or on another contract, is 409. `actions_taken` is what the admin records having done, from
  `hide_listing`, `notify_user`, `warn_user`, `ban_user`, `no_action`: logged with the resolution.
- Bans: `duration_days` 1 to 3650 (the configured default when left out); `reason` free text of at
  most 100 characters. A ban ends the user's sessions at once (every edge refuses his access tokens,
  his refresh tokens fail) and every contract's sign-in answers 403 until it ends. Banning a banned
  user replaces the ban (from now, for the new duration). An admin cannot be banned (403); a user
  that does not exist is 404.
- Dashboard: `pending_reports` counts PENDING; `resolved_today` the reports closed since midnight
  UTC; `active_bans` the users banned now; `hidden_listings` the listings moderation keeps hidden
  (rejected, after a report or on review); `reports_by_reason` every report by reason, reasons with
  none left out. `recent_activity` is the moderation log's 10 newest entries: `type` one of
  `report_resolved`, `report_status_changed`, `listing_approved`, `listing_rejected`,
  `listing_hidden`, `user_warned`, `user_banned`, with `report_id`, `listing_id` or `user_id` as
  they apply, `admin_id` and `timestamp`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal, Self

from aiohttp import web
from pydantic import BaseModel, Field, model_validator

from nodes.edge.http import SurfaceRoutes, json_response, path_int, read_body, read_query
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS, SETTINGS
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.fields import (
    AdminNotes,
    BanDays,
    BanReason,
    ChoiceCount,
    EvidenceUrls,
    Id,
    Offset,
    PageSize,
    ReportComment,
)
from protocols.identity import GetUser
from protocols.market import DescribeListings
from protocols.moderation import (
    ActionTaken,
    BanUser,
    FileReport,
    GetDashboard,
    ListReportRecords,
    LogAction,
    LogEntry,
    ReasonCount,
    ReportReason,
    ReportRecord,
    ReportStatus,
    ReportType,
    Resolution,
    ResolveReport,
)

from .errors import SURFACE, unless

routes = SurfaceRoutes(SURFACE)

RECENT = 10  # the dashboard's activity entries


class Reason(StrEnum):
    PRICE_MISMATCH = "PRICE_MISMATCH"
    UNAVAILABLE_ITEM = "UNAVAILABLE_ITEM"
    FAKE_LISTING = "FAKE_LISTING"
    INAPPROPRIATE_CONTENT = "INAPPROPRIATE_CONTENT"
    SPAM = "SPAM"
    FRAUD = "FRAUD"
    OTHER = "OTHER"


REASONS: dict[Reason, ReportReason] = {
    Reason.PRICE_MISMATCH: ReportReason.MISLEADING,
    Reason.UNAVAILABLE_ITEM: ReportReason.UNAVAILABLE,
    Reason.FAKE_LISTING: ReportReason.MISLEADING,
    Reason.INAPPROPRIATE_CONTENT: ReportReason.INAPPROPRIATE,
    Reason.SPAM: ReportReason.SPAM,
    Reason.FRAUD: ReportReason.FRAUD,
    Reason.OTHER: ReportReason.OTHER,
}
# A canonical reason in FreeMarket's nearest word, for a report filed on another contract.
WORDS: dict[ReportReason, Reason] = {
    ReportReason.FRAUD: Reason.FRAUD,
    ReportReason.SPAM: Reason.SPAM,
    ReportReason.INAPPROPRIATE: Reason.INAPPROPRIATE_CONTENT,
    ReportReason.DUPLICATE: Reason.SPAM,
    ReportReason.WRONG_CATEGORY: Reason.OTHER,
    ReportReason.OTHER: Reason.OTHER,
    ReportReason.MISLEADING: Reason.FAKE_LISTING,
    ReportReason.UNAVAILABLE: Reason.UNAVAILABLE_ITEM,
}
Priority = Literal["HIGH", "MEDIUM", "LOW"]
PRIORITIES: dict[Reason, Priority] = {
    Reason.FRAUD: "HIGH",
    Reason.FAKE_LISTING: "HIGH",
    Reason.INAPPROPRIATE_CONTENT: "HIGH",
    Reason.PRICE_MISMATCH: "MEDIUM",
    Reason.SPAM: "MEDIUM",
    Reason.UNAVAILABLE_ITEM: "LOW",
    Reason.OTHER: "LOW",
}

Status = Literal["PENDING", "UNDER_REVIEW", "RESOLVED"]
STATUSES: dict[ReportStatus, Status] = {
    ReportStatus.PENDING: "PENDING",
    ReportStatus.REVIEWED: "UNDER_REVIEW",
    ReportStatus.RESOLVED: "RESOLVED",
    ReportStatus.DISMISSED: "RESOLVED",
}
MODEL_STATUSES: dict[Status, list[ReportStatus]] = {
    "PENDING": [ReportStatus.PENDING],
    "UNDER_REVIEW": [ReportStatus.REVIEWED],
    "RESOLVED": [ReportStatus.RESOLVED, ReportStatus.DISMISSED],
}

ResolutionWord = Literal["LISTING_REMOVED", "USER_WARNED", "USER_BANNED", "DISMISSED"]
RESOLUTIONS: dict[ResolutionWord, Resolution] = {
    "LISTING_REMOVED": Resolution.LISTING_REMOVED,
    "USER_WARNED": Resolution.USER_WARNED,
    "USER_BANNED": Resolution.USER_BANNED,
    "DISMISSED": Resolution.DISMISSED,
}
WORD_OF_RESOLUTION: dict[Resolution, ResolutionWord] = {value: key for key, value in RESOLUTIONS.items()}

ACTIVITY: dict[LogAction, str] = {
    LogAction.RESOLVE_REPORT: "report_resolved",
    LogAction.UPDATE_REPORT: "report_status_changed",
    LogAction.APPROVE_AD: "listing_approved",
    LogAction.REJECT_AD: "listing_rejected",
    LogAction.HIDE_LISTING: "listing_hidden",
    LogAction.WARN_USER: "user_warned",
    LogAction.BAN_USER: "user_banned",
}


# --- requests --------------------------------------------------------------------------------------


class ReportBody(BaseModel):
    target_listing_id: Id | None = None
    target_user_id: Id | None = None
    reason: Reason
    description: ReportComment | None = None
    evidence_urls: EvidenceUrls = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.target_listing_id is None) == (self.target_user_id is None):
            raise ValueError("give exactly one of target_listing_id and target_user_id")
        return self


class ReportsQuery(BaseModel):
    status: Status | None = None
    skip: Offset = 0
    limit: PageSize = 20


class ResolveBody(BaseModel):
    resolution: ResolutionWord
    admin_notes: AdminNotes | None = None
    actions_taken: Annotated[list[ActionTaken], ChoiceCount] = Field(default_factory=list)


class BanBody(BaseModel):
    reason: BanReason
    duration_days: BanDays | None = Field(default=None, description="The configured default when left out.")
    admin_notes: AdminNotes | None = None


# --- replies ---------------------------------------------------------------------------------------


class ReportFiledOut(BaseModel):
    id: int
    reporter_id: int
    target_listing_id: int | None
    target_user_id: int | None
    reason: Reason
    status: Status
    created_at: datetime
    estimated_resolution: datetime


class ReportOut(BaseModel):
    id: int
    reporter_id: int
    reporter_name: str | None
    target_type: Literal["listing", "user", "message"]
    target_listing_id: int | None
    target_listing_title: str | None
    target_user_id: int | None
    reason: Reason
    status: Status
    created_at: datetime
    priority: Priority
    description: str | None
    evidence_urls: list[str]
    resolution: ResolutionWord | None
    resolved_at: datetime | None


class ReportsOut(BaseModel):
    reports: list[ReportOut]
    total: int


class ResolvedOut(BaseModel):
    report_id: int
    status: Literal["RESOLVED"] = "RESOLVED"
    resolution: ResolutionWord
    resolved_at: datetime


class BannedOut(BaseModel):
    user_id: int
    status: Literal["BANNED"] = "BANNED"
    ban_until: datetime
    reason: str


class StatsOut(BaseModel):
    pending_reports: int
    resolved_today: int
    active_bans: int
    hidden_listings: int
    reports_by_reason: dict[str, int]


class ActivityOut(BaseModel):
    type: str
    report_id: int | None = None
    listing_id: int | None = None
    user_id: int | None = None
    admin_id: int | None
    timestamp: datetime


class DashboardOut(BaseModel):
    stats: StatsOut
    recent_activity: list[ActivityOut]


# --- shaping ---------------------------------------------------------------------------------------

TARGET_TYPES: dict[ReportType, Literal["listing", "user", "message"]] = {
    ReportType.AD: "listing",
    ReportType.USER: "user",
    ReportType.MESSAGE: "message",
}


def word_of(reason: ReportReason, contract: str | None, contract_reason: str | None) -> Reason:
    """The reason as FreeMarket words it: as filed here, else the nearest word."""
    if contract == SURFACE.name and contract_reason is not None and contract_reason in Reason.__members__:
        return Reason(contract_reason)
    return WORDS[reason]


def resolution_word(report: ReportRecord) -> ResolutionWord | None:
    if report.resolution is not None:
        return WORD_OF_RESOLUTION[report.resolution]
    return "DISMISSED" if report.status is ReportStatus.DISMISSED else None


def report_out(report: ReportRecord, names: dict[int, str | None], titles: dict[int, str]) -> ReportOut:
    reason = word_of(report.reason, report.contract, report.contract_reason)
    listing = report.target_id if report.report_type is ReportType.AD else None
    return ReportOut(
        id=report.id, reporter_id=report.reporter_id, reporter_name=names.get(report.reporter_id),
        target_type=TARGET_TYPES[report.report_type], target_listing_id=listing,
        target_listing_title=titles.get(listing) if listing is not None else None,
        target_user_id=report.target_id if report.report_type is ReportType.USER else None,
        reason=reason, status=STATUSES[report.status], created_at=report.created_at,
        priority=PRIORITIES[reason], description=report.comment, evidence_urls=report.evidence_urls,
        resolution=resolution_word(report), resolved_at=report.resolved_at,
    )  # fmt: skip


def by_reason(counts: list[ReasonCount]) -> dict[str, int]:
    words: dict[str, int] = {}
    for count in counts:
        word = word_of(count.reason, count.contract, count.contract_reason).value
        words[word] = words.get(word, 0) + count.count
    return words


def activity_out(entry: LogEntry) -> ActivityOut:
    report_id = entry.target_id if entry.target_type == "report" else entry.details.get("report_id")
    return ActivityOut(
        type=ACTIVITY.get(entry.action, entry.action.value), report_id=report_id,
        listing_id=entry.target_id if entry.target_type == "ad" else None,
        user_id=entry.target_id if entry.target_type == "user" else None,
        admin_id=entry.moderator_id, timestamp=entry.created_at,
    )  # fmt: skip


async def reporter_names(request: web.Request, user_ids: set[int]) -> dict[int, str | None]:
    """Each reporter's full name, else username; None for an account since deleted."""
    bus = request.app[BUS]
    ids = sorted(user_ids)
    users = await asyncio.gather(*(unless(bus.request(GetUser(user_id=i)), ErrorCode.NOT_FOUND) for i in ids))
    return {
        i: (user.full_name or user.username) if user else None for i, user in zip(ids, users, strict=True)
    }


async def listing_titles(request: web.Request, actor: Actor, listing_ids: set[int]) -> dict[int, str]:
    if not listing_ids:
        return {}
    found = await request.app[BUS].request(DescribeListings(listing_ids=sorted(listing_ids)), actor=actor)
    return {listing.id: listing.title for listing in found.items}


def require_admin(request: web.Request) -> Actor:
    actor = require_actor(request)
    if actor.role is not Role.ADMIN:
        raise DomainError(ErrorCode.FORBIDDEN, "Admin role required")
    return actor


# --- /api/reports ----------------------------------------------------------------------------------


@routes.post("/api/reports", body=ReportBody, auth=True,
             responses={201: ReportFiledOut, 400: None, 401: None, 404: None, 409: None})  # fmt: skip
async def file_report(request: web.Request) -> web.Response:
    """Submit a complaint about a listing or a user."""
    actor = require_actor(request)
    body = await read_body(request, ReportBody)
    listing = body.target_listing_id
    kind, target = (ReportType.AD, listing) if listing is not None else (ReportType.USER, body.target_user_id)
    assert target is not None  # the body has exactly one
    cmd = FileReport(
        report_type=kind, target_id=target, reason=REASONS[body.reason], comment=body.description,
        contract=SURFACE.name, contract_reason=body.reason.value, evidence_urls=body.evidence_urls,
        unique_open=True, checked_target=True,
    )  # fmt: skip
    filed = await request.app[BUS].request(cmd, actor=actor)
    hours = request.app[SETTINGS].moderation.report_resolution_hours
    out = ReportFiledOut(
        id=filed.id, reporter_id=filed.reporter_id, target_listing_id=listing, target_user_id=body.target_user_id,
        reason=body.reason, status=STATUSES[filed.status], created_at=filed.created_at,
        estimated_resolution=filed.created_at + timedelta(hours=hours),
    )  # fmt: skip
    return json_response(out, status=201)


# --- /api/admin ------------------------------------------------------------------------------------


@routes.get("/api/admin/reports", query=ReportsQuery, auth=True,
            responses={200: ReportsOut, 400: None, 401: None, 403: None})  # fmt: skip
async def list_reports(request: web.Request) -> web.Response:
    """Reports, newest first (admin only)."""
    actor = require_admin(request)
    query = read_query(request, ReportsQuery)
    statuses = None if query.status is None else MODEL_STATUSES[query.status]
    cmd = ListReportRecords(statuses=statuses, offset=query.skip, limit=query.limit)
    page = await request.app[BUS].request(cmd, actor=actor)
    listings = {r.target_id for r in page.items if r.report_type is ReportType.AD}
    names, titles = await asyncio.gather(
        reporter_names(request, {r.reporter_id for r in page.items}), listing_titles(request, actor, listings)
    )
    return json_response(
        ReportsOut(reports=[report_out(r, names, titles) for r in page.items], total=page.total)
    )


@routes.post("/api/admin/reports/{report_id}/resolve", body=ResolveBody, auth=True,
             responses={200: ResolvedOut, 400: None, 401: None, 403: None, 404: None, 409: None})  # fmt: skip
async def resolve_report(request: web.Request) -> web.Response:
    """Resolve a report (admin only): remove the listing, warn or ban the user, or dismiss it."""
    actor = require_admin(request)
    report_id = path_int(request, "report_id")
    body = await read_body(request, ResolveBody)
    cmd = ResolveReport(report_id=report_id, resolution=RESOLUTIONS[body.resolution],
                        admin_notes=body.admin_notes, actions_taken=body.actions_taken)  # fmt: skip
    resolved = await request.app[BUS].request(cmd, actor=actor)
    assert resolved.resolved_at is not None  # just resolved
    return json_response(
        ResolvedOut(report_id=resolved.id, resolution=body.resolution, resolved_at=resolved.resolved_at)
    )


@routes.post("/api/admin/users/{user_id}/ban", body=BanBody, auth=True,
             responses={200: BannedOut, 400: None, 401: None, 403: None, 404: None})  # fmt: skip
async def ban_user(request: web.Request) -> web.Response:
    """Ban a user account (admin only): his sessions end now, and he cannot sign in until the ban ends."""
    actor = require_admin(request)
    user_id = path_int(request, "user_id")
    body = await read_body(request, BanBody)
    cmd = BanUser(
        user_id=user_id, reason=body.reason, duration_days=body.duration_days, admin_notes=body.admin_notes
    )
    ban = await request.app[BUS].request(cmd, actor=actor)
    return json_response(BannedOut(user_id=ban.user_id, ban_until=ban.banned_until, reason=ban.reason))


@routes.get("/api/admin/dashboard", auth=True, responses={200: DashboardOut, 401: None, 403: None})
async def dashboard(request: web.Request) -> web.Response:
    """Moderation statistics and recent activity (admin only)."""
    actor = require_admin(request)
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    seen = await request.app[BUS].request(GetDashboard(since=midnight, recent=RECENT), actor=actor)
    stats = StatsOut(
        pending_reports=seen.pending, resolved_today=seen.closed_since, active_bans=seen.active_bans,
        hidden_listings=seen.hidden_listings, reports_by_reason=by_reason(seen.by_reason),
    )  # fmt: skip
    return json_response(DashboardOut(stats=stats, recent_activity=[activity_out(e) for e in seen.recent]))
