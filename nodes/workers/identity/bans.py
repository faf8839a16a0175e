"""Bans: an admin (through the moderation domain) bans an account until a moment; the scheduler
forgets the bans that have ended; an admin may lift one early (`LiftAccountBan`).

A ban acts in three places, each once: `refuse_banned`, which every sign-in passes through
(`sessions.start_session`: password, phone code, any contract's login); the ban itself, which ends
every session of the account and announces them as a logout does, so its access tokens are refused
at every edge at once; and the refresh rotation (`queries.rotate_refresh`), which no banned account
passes, for a session opened while the ban was being written.

Banning again replaces the ban: the latest decision holds, shorter or longer. The ban's end is
checked against the clock, so signing in works again the moment it ends; `LiftEndedBans` then
clears it, a batch at a time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from protocols.envelope import Actor, DomainError, Empty, ErrorCode, Role
from protocols.identity import (
    AccountBan,
    ActiveBans,
    BanAccount,
    BansLifted,
    CountActiveBans,
    LiftAccountBan,
    LiftEndedBans,
)
from storage.models.identity import User

from . import queries
from .deps import IdentityDeps
from .handlers import handlers

BANNERS = (Role.ADMIN, Role.SYSTEM)
COUNTERS = (Role.MODERATOR, Role.ADMIN, Role.SYSTEM)
LIFT_BATCH = 500  # bans cleared per command


def refuse_banned(user: User, now: datetime) -> None:
    """Signing in is `forbidden` while the account's ban lasts."""
    if user.banned_until is not None and user.banned_until > now:
        until = user.banned_until.isoformat(timespec="seconds")
        raise DomainError(ErrorCode.FORBIDDEN, f"Account banned until {until}", {"banned_until": until})


def _require(actor: Actor, roles: tuple[Role, ...], what: str) -> None:
    if actor.role not in roles:
        actor.require_user()
        raise DomainError(ErrorCode.FORBIDDEN, what)


@handlers.on(BanAccount)
async def ban_account(cmd: BanAccount, actor: Actor, deps: IdentityDeps) -> AccountBan:
    _require(actor, BANNERS, "Admin role required")
    async with deps.db() as db:
        user = await queries.active_user_by_id(db, cmd.user_id)
        if user is None:
            raise DomainError(ErrorCode.NOT_FOUND, "User not found")
        if user.role == Role.ADMIN.value:
            raise DomainError(ErrorCode.FORBIDDEN, "An admin cannot be banned")
        user.banned_until, user.ban_reason = cmd.until, cmd.reason
        ended = await queries.end_sessions(db, queries.sessions_of_user(user.id))
        await db.commit()
    if deps.revocations is not None:  # as a logout: the edges refuse these sessions' tokens from now on
        await deps.revocations.announce(ended)
    return AccountBan(
        user_id=cmd.user_id, banned_until=cmd.until, reason=cmd.reason, sessions_ended=len(ended)
    )


@handlers.on(LiftAccountBan)
async def lift_account_ban(cmd: LiftAccountBan, actor: Actor, deps: IdentityDeps) -> Empty:
    """Signing in works again at once; the sessions the ban ended stay ended."""
    _require(actor, BANNERS, "Admin role required")
    async with deps.db() as db:
        lifted = await queries.lift_ban(db, cmd.user_id, datetime.now(UTC))
        await db.commit()
    if not lifted:
        raise DomainError(ErrorCode.NOT_FOUND, "No ban in force for this user")
    return Empty()


@handlers.on(CountActiveBans)
async def count_active_bans(_cmd: CountActiveBans, actor: Actor, deps: IdentityDeps) -> ActiveBans:
    _require(actor, COUNTERS, "Moderator role required")
    async with deps.read_db() as db:
        return ActiveBans(count=await queries.count_banned(db, datetime.now(UTC)))


@handlers.on(LiftEndedBans)
async def lift_ended_bans(_cmd: LiftEndedBans, actor: Actor, deps: IdentityDeps) -> BansLifted:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "scheduled work only")
    async with deps.db() as db:
        lifted = await queries.lift_bans_ended(db, datetime.now(UTC), LIFT_BATCH)
        await db.commit()
    return BansLifted(lifted=lifted, more=lifted == LIFT_BATCH)
