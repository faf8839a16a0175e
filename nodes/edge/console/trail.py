"""The audit trail of what staff do through the console with another domain's command (a role set, a
category edited, a banner deleted) or read there (a user's conversation): one `RecordStaffAction` in
the moderation log.

An action is recorded once its command has succeeded, waiting out a moderation worker's restart
(`DONE_RECORD_WAIT_S`). A reading is recorded before the conversation is shown, so nothing is shown
unrecorded. Each record carries an id of its own, so the bus may send it again (a late answer, a lost
connection) without a second entry. What moderation decides itself (an ad approved, a report
resolved, a ban) is logged by the command that decides it."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from nodes.edge.state import BUS
from protocols.moderation import LogAction, RecordStaffAction

from .session import Staff

Detail = str | int | bool | None

# The record of an action already done waits this long for a moderation worker (one restarting, a
# deploy): the staff member would rather wait than see it fail unrecorded.
DONE_RECORD_WAIT_S = 15.0


async def record(
    request: web.Request,
    staff: Staff,
    action: LogAction,
    target: tuple[str, int],
    details: Mapping[str, Detail] | None = None,
    *,
    done: bool = True,
) -> None:
    """Log `action` on `target` (its type and id) by `staff`; raises the log's error if it cannot.
    `done=False`: nothing has happened yet (a reading), so a log that does not answer refuses it at
    the usual deadline instead of being waited for."""
    target_type, target_id = target
    cmd = RecordStaffAction(
        action=action, target_type=target_type, target_id=target_id, details=dict(details or {})
    )
    wait = DONE_RECORD_WAIT_S if done else None
    await request.app[BUS].request(cmd, actor=staff.actor, timeout=wait, patient=done)
