"""What moderators read: the log, newest first, the counts of reports and of ad decisions, and the
dashboard (with the bans identity counts and the hidden listings the market counts); and what anyone
may read: how many reports each user has received."""

from __future__ import annotations

import asyncio

from protocols import identity, market
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
        action = cmd.action.value if cmd.action is not None else None
        rows, total = await queries.log_page(db, cmd.offset, cmd.limit, action)
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


@handlers.on(wire.GetDashboard)
async def get_dashboard(cmd: wire.GetDashboard, actor: Actor, deps: ModerationDeps) -> wire.Dashboard:
    require_moderator(actor)
    bans, hidden = await asyncio.gather(
        deps.bus.request(identity.CountActiveBans(), actor=actor),
        deps.bus.request(market.CountHiddenListings(), actor=actor),
    )
    async with deps.read_db() as db:
        pending = await queries.count_in_status(db, wire.ReportStatus.PENDING.value)
        closed = await queries.count_closed_since(db, cmd.since)
        words = await queries.reason_words(db)
        recent, _ = await queries.log_page(db, 0, cmd.recent)
    by_reason = [
        wire.ReasonCount(
            reason=wire.ReportReason(reason), contract=contract, contract_reason=word, count=count
        )
        for reason, contract, word, count in words
    ]
    return wire.Dashboard(
        pending=pending, closed_since=closed, active_bans=bans.count, hidden_listings=hidden.count,
        by_reason=by_reason, recent=[log_entry(row) for row in recent],
    )  # fmt: skip


@handlers.on(wire.CountReportsReceived)
async def count_reports_received(
    cmd: wire.CountReportsReceived, _actor: Actor, deps: ModerationDeps
) -> wire.ReportsReceived:
    asked = sorted(set(cmd.user_ids))
    async with deps.read_db() as db:
        counts = await queries.count_received(db, asked) if asked else {}
    return wire.ReportsReceived(counts={user_id: counts.get(user_id, 0) for user_id in asked})
