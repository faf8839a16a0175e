"""Reports: any signed-in user files one; moderators list them and set their status (logged)."""

from __future__ import annotations

from datetime import UTC, datetime

from protocols import market
from protocols import moderation as wire
from protocols.envelope import Actor, DomainError, ErrorCode

from . import queries
from .deps import ModerationDeps
from .handlers import handlers
from .shapes import report
from .staff import require_moderator

NOT_FOUND = "Report not found"


@handlers.on(wire.FileReport)
async def file_report(cmd: wire.FileReport, actor: Actor, deps: ModerationDeps) -> wire.Report:
    reporter_id = actor.require_user()
    if cmd.report_type is wire.ReportType.AD:
        # As the reporter sees it: an ad he cannot see is `not_found` to him, and nothing is filed.
        await deps.bus.request(market.GetAd(ad_id=cmd.target_id), actor=actor)
    now = datetime.now(UTC)
    async with deps.db() as db:
        report_id = await queries.insert_report(
            db, {"reporter_id": reporter_id, "target_type": cmd.report_type.value,
                 "target_id": cmd.target_id, "reason": cmd.reason.value, "comment": cmd.comment,
                 "status": wire.ReportStatus.PENDING.value, "created_at": now, "updated_at": now},
        )  # fmt: skip
        await db.commit()
        row = await queries.report(db, report_id)
    assert row is not None  # just written
    return report(row)


@handlers.on(wire.ListReports)
async def list_reports(cmd: wire.ListReports, actor: Actor, deps: ModerationDeps) -> wire.ReportPage:
    require_moderator(actor)
    status = None if cmd.status is None else cmd.status.value
    async with deps.read_db() as db:
        rows, total = await queries.reports(db, status, cmd.offset, cmd.limit)
    return wire.ReportPage(items=[report(row) for row in rows], total=total)


@handlers.on(wire.SetReportStatus)
async def set_report_status(cmd: wire.SetReportStatus, actor: Actor, deps: ModerationDeps) -> wire.Report:
    moderator_id = require_moderator(actor)
    async with deps.db() as db:
        row = await queries.report(db, cmd.report_id)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        before = row.status
        await queries.set_report_status(db, cmd.report_id, cmd.status.value, moderator_id, datetime.now(UTC))
        await queries.log(
            db, moderator_id, wire.LogAction.UPDATE_REPORT.value, ("report", cmd.report_id),
            {"from": before, "to": cmd.status.value},
        )  # fmt: skip
        await db.commit()
        row = await queries.report(db, cmd.report_id)
    assert row is not None  # just written
    return report(row)
