"""Reports: any signed-in user files one; moderators list them (filtered), read one and set their
status (logged).

A report remembers whom it is about (`subject_user_id`): the reported user, or the reported ad's
owner as the market names him when it is filed, so that the reports a user has received can be
counted (`CountReportsReceived`) without asking the market again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from protocols import identity, market
from protocols import moderation as wire
from protocols.envelope import Actor, DomainError, ErrorCode

from . import queries
from .deps import ModerationDeps
from .handlers import handlers
from .shapes import report, report_record
from .staff import require_moderator

NOT_FOUND = "Report not found"
AD_NOT_FOUND = "Ad not found"
SEEN_BY_ANYONE = market.AdStatus.ACTIVE.value


async def reported_ad(deps: ModerationDeps, ad_id: int, reporter_id: int) -> market.ListingCore:
    """The ad as its reporter sees it: an ad he cannot see (not active, not his) is `not_found` to him."""
    found = await deps.bus.request(market.DescribeListings(listing_ids=[ad_id]), actor=Actor.system())
    ad = found.items[0] if found.items else None
    if ad is None or (ad.status != SEEN_BY_ANYONE and ad.owner_id != reporter_id):
        raise DomainError(ErrorCode.NOT_FOUND, AD_NOT_FOUND)
    return ad


async def subject_of(cmd: wire.FileReport, reporter_id: int, deps: ModerationDeps) -> int | None:
    """Whom the report is about, once its target is checked as `cmd` asks."""
    if cmd.report_type is wire.ReportType.AD:
        ad = await reported_ad(deps, cmd.target_id, reporter_id)
        if cmd.checked_target and ad.owner_id == reporter_id:
            raise DomainError(ErrorCode.VALIDATION, "You cannot report your own listing")
        return ad.owner_id
    if cmd.report_type is wire.ReportType.USER:
        if cmd.checked_target:
            if cmd.target_id == reporter_id:
                raise DomainError(ErrorCode.VALIDATION, "You cannot report yourself")
            await deps.bus.request(identity.GetUser(user_id=cmd.target_id))  # `not_found` passes on
        return cmd.target_id
    return None  # a chat message: its sender is not known here


@handlers.on(wire.FileReport)
async def file_report(cmd: wire.FileReport, actor: Actor, deps: ModerationDeps) -> wire.Report:
    reporter_id = actor.require_user()
    subject = await subject_of(cmd, reporter_id, deps)
    now = datetime.now(UTC)
    async with deps.db() as db:
        try:
            report_id = await queries.insert_report(
                db, {"reporter_id": reporter_id, "target_type": cmd.report_type.value,
                     "target_id": cmd.target_id, "reason": cmd.reason.value, "comment": cmd.comment,
                     "status": wire.ReportStatus.PENDING.value, "created_at": now, "updated_at": now,
                     "contract": cmd.contract, "contract_reason": cmd.contract_reason,
                     "subject_user_id": subject, "evidence_urls": list(cmd.evidence_urls),
                     "unique_open": cmd.unique_open},
            )  # fmt: skip
            await db.commit()
        except IntegrityError:  # `unique_open`: another open report of his about it (the index decides)
            await db.rollback()
            raise DomainError(
                ErrorCode.CONFLICT, "You have already reported this; it is being reviewed"
            ) from None
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


@handlers.on(wire.ListReportRecords)
async def list_report_records(
    cmd: wire.ListReportRecords, actor: Actor, deps: ModerationDeps
) -> wire.ReportRecordPage:
    require_moderator(actor)
    filters = queries.ReportFilters(
        statuses=None if cmd.statuses is None else [status.value for status in cmd.statuses],
        report_type=cmd.report_type.value if cmd.report_type else None,
        reason=cmd.reason.value if cmd.reason else None,
        contract="" if cmd.canonical_words else cmd.contract,
        oldest_first=cmd.oldest_first,
    )
    async with deps.read_db() as db:
        rows, total = await queries.report_records(db, filters, cmd.offset, cmd.limit)
    return wire.ReportRecordPage(items=[report_record(row) for row in rows], total=total)


@handlers.on(wire.GetReportRecord)
async def get_report_record(
    cmd: wire.GetReportRecord, actor: Actor, deps: ModerationDeps
) -> wire.ReportRecord:
    require_moderator(actor)
    async with deps.read_db() as db:
        row = await queries.report(db, cmd.report_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return report_record(row)


@handlers.on(wire.SetReportStatus)
async def set_report_status(cmd: wire.SetReportStatus, actor: Actor, deps: ModerationDeps) -> wire.Report:
    moderator_id = require_moderator(actor)
    async with deps.db() as db:
        row = await queries.report(db, cmd.report_id)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        before = row.status
        try:
            await queries.set_report_status(
                db, cmd.report_id, cmd.status.value, moderator_id, datetime.now(UTC)
            )
        except IntegrityError:  # reopened beside another open report of its reporter's about the same
            raise DomainError(ErrorCode.CONFLICT, "Its reporter has another open report about this") from None
        await queries.log(
            db, moderator_id, wire.LogAction.UPDATE_REPORT.value, ("report", cmd.report_id),
            {"from": before, "to": cmd.status.value},
        )  # fmt: skip
        await db.commit()
        row = await queries.report(db, cmd.report_id)
    assert row is not None  # just written
    return report(row)
