"""Resolving a report: what its resolution says is done first, then the report is closed and logged.

The order is deliberate: every action is safe to repeat (a hidden listing is hidden again without a
change, a notification carries the report's `dedupe_key` so its user gets it once, a ban given
again replaces itself), so a resolve that fails half-way (NATS, a worker away) leaves the report
open and is simply tried again; a report closed before its action was done could not be. Of two
moderators resolving one report at once, the conditional close lets one record it; the other is
told it is resolved already (both resolutions' actions may have been done then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from protocols import market, notify
from protocols import moderation as wire
from protocols.envelope import Actor, DomainError, ErrorCode
from storage.models.moderation import Report

from . import queries
from .bans import give_ban
from .deps import ModerationDeps
from .handlers import handlers
from .reports import NOT_FOUND
from .shapes import report_record
from .staff import require_admin, require_moderator

ALREADY = "Report already resolved"
LISTING_REMOVED = (
    "listing_removed"  # the notifications' types: payload `report_id`, `reason` (+ `listing_id`)
)
USER_WARNED = "user_warned"


@dataclass(frozen=True)
class Done:
    """An action done, as the log records it."""

    action: wire.LogAction
    target: tuple[str, int]
    details: dict[str, Any]


def reason_of(row: Report) -> str:
    """The reason in the words it was filed in."""
    return row.contract_reason or row.reason


def subject_of(row: Report) -> int:
    if row.subject_user_id is None:
        raise DomainError(ErrorCode.VALIDATION, "This report names no user to act on")
    return row.subject_user_id


async def tell(deps: ModerationDeps, row: Report, user_id: int, kind: str, title: str, text: str,
               payload: dict[str, Any]) -> None:  # fmt: skip
    notice = notify.Notify(
        user_ids=[user_id], type=kind, title=title, message=text,
        payload={"report_id": row.id, "reason": reason_of(row), **payload}, dedupe_key=f"report:{row.id}:{kind}",
    )  # fmt: skip
    await deps.bus.request(notice, actor=Actor.system())


async def remove_listing(
    row: Report, actor: Actor, deps: ModerationDeps, _cmd: wire.ResolveReport
) -> list[Done]:
    if row.target_type != wire.ReportType.AD.value:
        raise DomainError(ErrorCode.VALIDATION, "Only a report about a listing can remove one")
    hide = market.HideListing(listing_id=row.target_id, reason=f"Removed after a report: {reason_of(row)}")
    listing = await deps.bus.request(hide, actor=actor)
    await tell(deps, row, listing.owner_id, LISTING_REMOVED, "Your listing was removed",
               f"«{listing.title}» was removed after a report and is no longer shown.",
               {"listing_id": listing.id})  # fmt: skip
    return [Done(wire.LogAction.HIDE_LISTING, ("ad", listing.id), {"report_id": row.id})]


async def warn_user(row: Report, _actor: Actor, deps: ModerationDeps, _cmd: wire.ResolveReport) -> list[Done]:
    user_id = subject_of(row)
    await tell(deps, row, user_id, USER_WARNED, "A warning from the moderators",
               "A report about you or your listing was upheld. Repeated ones lead to a ban.", {})  # fmt: skip
    return [Done(wire.LogAction.WARN_USER, ("user", user_id), {"report_id": row.id})]


async def ban_user(row: Report, actor: Actor, deps: ModerationDeps, cmd: wire.ResolveReport) -> list[Done]:
    user_id = subject_of(row)
    days = cmd.ban_days or deps.settings.moderation.default_ban_days
    ban, _ = await give_ban(
        deps, actor, user_id, days, cmd.ban_reason or reason_of(row), cmd.admin_notes, row.id
    )
    details = {"report_id": row.id, "until": ban.banned_until.isoformat(), "days": days, "reason": ban.reason}
    return [Done(wire.LogAction.BAN_USER, ("user", user_id), details)]


async def dismiss(_row: Report, _actor: Actor, _deps: ModerationDeps, _cmd: wire.ResolveReport) -> list[Done]:
    return []


ACTIONS = {
    wire.Resolution.LISTING_REMOVED: remove_listing,
    wire.Resolution.USER_WARNED: warn_user,
    wire.Resolution.USER_BANNED: ban_user,
    wire.Resolution.DISMISSED: dismiss,
}


@handlers.on(wire.ResolveReport)
async def resolve_report(cmd: wire.ResolveReport, actor: Actor, deps: ModerationDeps) -> wire.ReportRecord:
    moderator_id = require_moderator(actor)
    if cmd.resolution is wire.Resolution.USER_BANNED:
        require_admin(actor)
    async with deps.db() as db:
        row = await queries.report(db, cmd.report_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    if row.status not in queries.OPEN:
        raise DomainError(ErrorCode.CONFLICT, ALREADY)
    now = datetime.now(UTC)
    done = await ACTIONS[cmd.resolution](row, actor, deps, cmd)
    dismissed = cmd.resolution is wire.Resolution.DISMISSED
    status = wire.ReportStatus.DISMISSED if dismissed else wire.ReportStatus.RESOLVED
    async with deps.db() as db:
        closed = await queries.close_report(
            db, row.id, {"status": status.value, "resolution": cmd.resolution.value, "resolved_at": now,
                         "admin_notes": cmd.admin_notes, "handled_by": moderator_id, "updated_at": now},
        )  # fmt: skip
        if not closed:
            raise DomainError(ErrorCode.CONFLICT, ALREADY)
        details = {"from": row.status, "to": status.value, "resolution": cmd.resolution.value,
                   "admin_notes": cmd.admin_notes, "actions_taken": [a.value for a in cmd.actions_taken]}  # fmt: skip
        for action in done:  # in the order they happened: the actions, then the closing
            await queries.log(db, moderator_id, action.action.value, action.target, action.details)
        await queries.log(db, moderator_id, wire.LogAction.RESOLVE_REPORT.value, ("report", row.id), details)
        await db.commit()
        row = await queries.report(db, cmd.report_id)
    assert row is not None  # just written
    return report_record(row)
