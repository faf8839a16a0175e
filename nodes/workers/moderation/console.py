"""The operators' console's own entries in the moderation log: a staff member's sign-in and sign-out,
and the staff actions that another domain's command carried out (a role set by identity, a category
edited by the catalog, a conversation read). What moderation itself decides is logged by the command
that decides it (`ModerateListing`, `ResolveReport`, ...), so the log is one account of every staff
action, whichever surface it came through. No command edits or deletes an entry."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from protocols import moderation as wire
from protocols.envelope import Actor

from . import queries
from .deps import ModerationDeps
from .handlers import handlers
from .shapes import log_entry
from .staff import require_staff


@handlers.on(wire.RecordConsoleSession)
async def record_console_session(
    cmd: wire.RecordConsoleSession, actor: Actor, deps: ModerationDeps
) -> wire.LogEntry:
    staff_id = require_staff(actor)
    details = {"ip": cmd.client.ip, "user_agent": cmd.client.user_agent}
    async with deps.db() as db:
        row = await queries.log(db, staff_id, cmd.action.value, ("user", staff_id), details)
        await db.commit()
        return log_entry(row)


@handlers.on(wire.RecordStaffAction)
async def record_staff_action(
    cmd: wire.RecordStaffAction, actor: Actor, deps: ModerationDeps
) -> wire.LogEntry:
    """Stored once per `record_id`: the unique index refuses a copy sent again (or taken by another
    replica at the same moment), which answers the first entry."""
    staff_id = require_staff(actor)
    async with deps.db() as db:
        try:
            row = await queries.log(
                db, staff_id, cmd.action.value, (cmd.target_type, cmd.target_id), cmd.details, cmd.record_id
            )
            await db.commit()
        except IntegrityError:
            await db.rollback()
            first = await queries.recorded(db, cmd.record_id)
            if first is None:  # the clash was not over this id
                raise
            return log_entry(first)
        return log_entry(row)
