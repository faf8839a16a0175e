"""What moderators read: the log, newest first, and the counts of reports and of ad decisions."""

from __future__ import annotations

from protocols import moderation as wire
from protocols.envelope import Actor

from . import queries
from .deps import ModerationDeps
from .handlers import handlers
from .shapes import log_entry
from .staff import require_moderator


@handlers.on(wire.ListLog)
async def list_log(cmd: wire.ListLog, actor: Actor, deps: ModerationDeps) -> wire.LogPage:
    require_moderator(actor)
    async with deps.read_db() as db:
        rows, total = await queries.log_page(db, cmd.offset, cmd.limit)
    return wire.LogPage(items=[log_entry(row) for row in rows], total=total)


@handlers.on(wire.GetStats)
async def get_stats(_cmd: wire.GetStats, actor: Actor, deps: ModerationDeps) -> wire.Stats:
    require_moderator(actor)
    async with deps.read_db() as db:
        by_status = await queries.report_counts(db, "status")
        by_reason = await queries.report_counts(db, "reason")
        actions = await queries.action_counts(db)
    reports = wire.ReportCounts(
        total=sum(by_status.values()),
        by_status={status: by_status.get(status.value, 0) for status in wire.ReportStatus},
        by_reason={reason: by_reason.get(reason.value, 0) for reason in wire.ReportReason},
    )
    ads = wire.AdDecisionCounts(
        approved=actions.get(wire.LogAction.APPROVE_AD.value, 0),
        rejected=actions.get(wire.LogAction.REJECT_AD.value, 0),
    )
    return wire.Stats(reports=reports, ads=ads)
