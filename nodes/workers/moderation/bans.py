"""Bans given by admins: identity bans the account (its sessions end, signing in is refused until the
ban ends); the ban is logged here, with the admin's notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from protocols import identity
from protocols import moderation as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role

from . import queries
from .deps import ModerationDeps
from .handlers import handlers

BANNERS = (Role.ADMIN, Role.SYSTEM)


@handlers.on(wire.BanUser)
async def ban_user(cmd: wire.BanUser, actor: Actor, deps: ModerationDeps) -> wire.Ban:
    if actor.role not in BANNERS:
        actor.require_user()
        raise DomainError(ErrorCode.FORBIDDEN, "Admin role required")
    days = cmd.duration_days or deps.settings.moderation.default_ban_days
    until = datetime.now(UTC) + timedelta(days=days)
    ban = await deps.bus.request(
        identity.BanAccount(user_id=cmd.user_id, until=until, reason=cmd.reason), actor=actor
    )
    async with deps.db() as db:
        await queries.log(
            db, actor.user_id if actor.signed_in else None, wire.LogAction.BAN_USER.value, ("user", cmd.user_id),
            {"until": ban.banned_until.isoformat(), "days": days, "reason": cmd.reason, "admin_notes": cmd.admin_notes},
        )  # fmt: skip
        await db.commit()
    return wire.Ban(user_id=ban.user_id, banned_until=ban.banned_until, reason=ban.reason,
                    sessions_ended=ban.sessions_ended)  # fmt: skip
