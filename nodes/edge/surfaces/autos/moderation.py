"""MillionAvto (000) section 9: moderation under `/api/v1/moderation`, on the moderation domain.

- `POST /reports` (signed in): `{report_type, target_id, reason, comment?}`, `report_type` one of
  `ad`, `user`, `message`, `reason` one of `fraud`, `spam`, `inappropriate`, `duplicate`,
  `wrong_category`, `other` (anything else is 422 on the field). A reported ad must be one the
  reporter can see (an active ad, or his own), else 404. 201 with the report, `pending`.
- `GET /reports?status=&page=&size=` (moderator): reports, newest first, `{items, total, page, size}`.
- `PUT /reports/{id}` (moderator): `{status}`, one of `pending`, `reviewed` (looked at), `resolved`
  (acted on), `dismissed` (no action needed); logged.
- `POST /ads/{id}/moderate` (moderator): `{action: approve|reject, reason?}`; only a pending ad (else
  409), a rejection needs a reason (422 on `reason`); the market decides, the decision is logged;
  the ad as the market answers it.
- `GET /logs?page=&size=` (moderator): every moderation action, newest first: `{id, moderator_id,
  action (update_report | approve_ad | reject_ad), target_type (report | ad), target_id, details,
  created_at}`.
- `GET /stats` (moderator): reports counted in total, by status and by reason; ads counted by the
  decisions logged (approved, rejected), as the market keeps no counts by status.

Moderators and admins may moderate: no token is 401, any other role 403, checked before the body is
read. Users and messages reported are not checked to exist.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel

from nodes.edge.http import SurfaceRoutes, json_response
from nodes.edge.kit.fastapi import answers_422, body_of, located, path_id, query_of
from nodes.edge.kit.rewording import reworded
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.fields import Id, RejectionReason, ReportComment
from protocols.market import Ad, ModerationDecision
from protocols.moderation import (
    FileReport,
    GetStats,
    ListLog,
    ListReports,
    LogEntry,
    ModerateListing,
    Report,
    ReportStatus,
    ReportType,
    SetReportStatus,
    Stats,
)

from .errors import SURFACE
from .shapes import Paging, offset_of, paged

routes = SurfaceRoutes(SURFACE)

PREFIX = "/api/v1/moderation"
MODERATORS = (Role.MODERATOR, Role.ADMIN)
STAFF_ONLY = {401: None, 403: None}


# MillionAvto's reasons: the first six of the canonical ones (other contracts add their own).
AutosReason = Literal["fraud", "spam", "inappropriate", "duplicate", "wrong_category", "other"]


class ReportBody(BaseModel):
    report_type: ReportType
    target_id: Id
    reason: AutosReason
    comment: ReportComment | None = None


class ReportsQuery(Paging):
    status: ReportStatus | None = None


class ReportStatusBody(BaseModel):
    status: ReportStatus


class ModerationBody(BaseModel):
    action: ModerationDecision
    reason: RejectionReason | None = None


class ReportPageOut(BaseModel):
    items: list[Report]
    total: int
    page: int
    size: int


class LogPageOut(BaseModel):
    items: list[LogEntry]
    total: int
    page: int
    size: int


def require_moderator(request: web.Request) -> Actor:
    actor = require_actor(request)
    if actor.role not in MODERATORS:
        raise DomainError(ErrorCode.FORBIDDEN, "Moderator role required")
    return actor


@routes.post(PREFIX + "/reports", auth=True, body=ReportBody,
             responses={201: Report, 401: None, 404: None, 422: None})  # fmt: skip
@answers_422
async def file_report(request: web.Request) -> web.Response:
    """Report an ad, a user or a chat message."""
    actor = require_actor(request)
    body = await body_of(request, ReportBody)
    filed = await request.app[BUS].request(FileReport(**body.model_dump()), actor=actor)
    return json_response(filed, status=201)


@routes.get(PREFIX + "/reports", auth=True, query=ReportsQuery,
            responses={200: ReportPageOut, **STAFF_ONLY, 422: None})  # fmt: skip
@answers_422
async def list_reports(request: web.Request) -> web.Response:
    """List reports (moderator), newest first, in one status or all."""
    actor = require_moderator(request)
    query = query_of(request, ReportsQuery)
    cmd = ListReports(status=query.status, offset=offset_of(query), limit=query.size)
    return paged(await request.app[BUS].request_json(cmd, actor=actor), query)


@routes.put(PREFIX + "/reports/{id}", auth=True, body=ReportStatusBody,
            responses={200: Report, **STAFF_ONLY, 404: None, 422: None})  # fmt: skip
@answers_422
async def update_report(request: web.Request) -> web.Response:
    """Set a report's status (moderator); logged."""
    actor = require_moderator(request)
    report_id = path_id(request, "id")
    body = await body_of(request, ReportStatusBody)
    cmd = SetReportStatus(report_id=report_id, status=body.status)
    return json_response(await request.app[BUS].request(cmd, actor=actor))


@routes.post(PREFIX + "/ads/{id}/moderate", auth=True, body=ModerationBody,
             responses={200: Ad, **STAFF_ONLY, 404: None, 409: None, 422: None})  # fmt: skip
@answers_422
async def moderate_ad(request: web.Request) -> web.Response:
    """Approve or reject a pending ad (moderator); logged."""
    actor = require_moderator(request)
    ad_id = path_id(request, "id")
    body = await body_of(request, ModerationBody)
    cmd = ModerateListing(ad_id=ad_id, decision=body.action, reason=body.reason)
    with reworded(located("body")):  # a rejection without a reason is the body's error
        moderated = await request.app[BUS].request(cmd, actor=actor)
    return json_response(moderated)


@routes.get(PREFIX + "/logs", auth=True, query=Paging,
            responses={200: LogPageOut, **STAFF_ONLY, 422: None})  # fmt: skip
@answers_422
async def list_logs(request: web.Request) -> web.Response:
    """The moderation log (moderator), newest first."""
    actor = require_moderator(request)
    query = query_of(request, Paging)
    cmd = ListLog(offset=offset_of(query), limit=query.size)
    return paged(await request.app[BUS].request_json(cmd, actor=actor), query)


@routes.get(PREFIX + "/stats", auth=True, responses={200: Stats, **STAFF_ONLY})
async def stats(request: web.Request) -> web.Response:
    """Moderation statistics (moderator)."""
    actor = require_moderator(request)
    return json_response(await request.app[BUS].request(GetStats(), actor=actor))
