"""Bans given by admins: identity bans the account (its sessions end, signing in is refused until the
ban ends); the ban is logged here, with the admin's notes, and kept in the bans' record, where a new
ban of the same user ends the one it replaces. An admin may lift a ban early (identity first, then
the record and the log)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from protocols import identity
from protocols import moderation as wire
from protocols.envelope import Actor

from . import ban_queries, queries
from .deps import ModerationDeps
from .handlers import handlers
from .shapes import ban_record
from .staff import require_admin


async def give_ban(
    deps: ModerationDeps, actor: Actor, user_id: int, days: int, reason: str,
    admin_notes: str | None = None, report_id: int | None = None,
) -> tuple[wire.BanRecord, int]:  # fmt: skip
    """Identity bans the account (for an admin only: identity checks it again); the ban is recorded,
    ending the one it replaces. The record, and how many sessions ended. Not logged: the caller logs
    it with what it did."""
    now = datetime.now(UTC)
    until = now + timedelta(days=days)
    ban = await deps.bus.request(
        identity.BanAccount(user_id=user_id, until=until, reason=reason), actor=actor
    )
    banned_by = actor.user_id if actor.signed_in else None
    async with deps.db() as db:
        await ban_queries.end_bans_of(db, user_id, now, None)
        row = await ban_queries.insert_ban(
            db, {"user_id": user_id, "reason": ban.reason, "admin_notes": admin_notes, "report_id": report_id,
                 "banned_by": banned_by, "banned_at": now, "banned_until": ban.banned_until},
        )  # fmt: skip
        record = ban_record(row, now)
        await db.commit()
    return record, ban.sessions_ended


@handlers.on(wire.BanUser)
async def ban_user(cmd: wire.BanUser, actor: Actor, deps: ModerationDeps) -> wire.Ban:
    admin_id = require_admin(actor)
    days = cmd.duration_days or deps.settings.moderation.default_ban_days
    ban, sessions_ended = await give_ban(deps, actor, cmd.user_id, days, cmd.reason, cmd.admin_notes)
    async with deps.db() as db:
        await queries.log(
            db, admin_id, wire.LogAction.BAN_USER.value, ("user", cmd.user_id),
            {"until": ban.banned_until.isoformat(), "days": days, "reason": cmd.reason, "admin_notes": cmd.admin_notes},
        )  # fmt: skip
        await db.commit()
    return wire.Ban(user_id=ban.user_id, banned_until=ban.banned_until, reason=ban.reason,
                    sessions_ended=sessions_ended)  # fmt: skip


@handlers.on(wire.ListBans)
async def list_bans(cmd: wire.ListBans, actor: Actor, deps: ModerationDeps) -> wire.BanPage:
    require_admin(actor)
    now = datetime.now(UTC)
    async with deps.read_db() as db:
        rows, total = await ban_queries.bans(db, cmd.active, now, cmd.offset, cmd.limit)
    return wire.BanPage(items=[ban_record(row, now) for row in rows], total=total)


@handlers.on(wire.LiftBan)
async def lift_ban(cmd: wire.LiftBan, actor: Actor, deps: ModerationDeps) -> wire.BanLifted:
    """Identity first (a user it finds no ban in force for is `not_found`, whatever the record says);
    then his bans in force in the record end."""
    admin_id = require_admin(actor)
    await deps.bus.request(identity.LiftAccountBan(user_id=cmd.user_id), actor=actor)
    now = datetime.now(UTC)
    async with deps.db() as db:
        ended = await ban_queries.end_bans_of(db, cmd.user_id, now, admin_id)
        await queries.log(
            db, admin_id, wire.LogAction.LIFT_BAN.value, ("user", cmd.user_id), {"bans": len(ended)}
        )
        await db.commit()
    return wire.BanLifted(user_id=cmd.user_id, lifted_at=now)
