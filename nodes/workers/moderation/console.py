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
    """Stored once per `record_id`: a copy sent again, or one taken by another replica at the same
    moment (the unique index refuses the second insert), answers the first entry."""
    staff_id = require_staff(actor)
    async with deps.db() as db:
        if (row := await queries.recorded(db, cmd.record_id)) is not None:
            return log_entry(row)
        try:
            row = await queries.log(
                db, staff_id, cmd.action.value, (cmd.target_type, cmd.target_id), cmd.details, cmd.record_id
            )
            await db.commit()
        except IntegrityError:
            await db.rollback()
            row = await queries.recorded(db, cmd.record_id)
            if row is None:  # the clash was not over this id
                raise
        return log_entry(row)
