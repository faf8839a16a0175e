"""Staff over other people's accounts (the operators' console): managers and admins read any account,
deactivated ones too, and its sessions; admins edit it, deactivate and activate it, set its role and
end its sessions. Nobody else may, and "not there" answers a deleted account as a missing one.

An admin cannot deactivate himself nor change his own role: the console must keep an admin who can
undo what was done. Ending sessions is sessions.py's (`revoke_user_sessions`, `announce_revoked`), so
a deactivation, a role change or a revocation reaches the edges exactly as a logout does.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.identity import (
    ACCOUNT_ROLES,
    AccountChanged,
    GetAccount,
    ListSessionsOf,
    Revoked,
    RevokeSessionsOf,
    SessionList,
    SetAccountActive,
    SetRole,
    UpdateAccount,
    UserProfile,
)
from storage.models.identity import User

from . import queries
from .deps import IdentityDeps
from .handlers import handlers
from .profiles import save_changes
from .sessions import announce_revoked, revoke_user_sessions
from .views import profile, session_info

READERS = (Role.MANAGER, Role.ADMIN, Role.SYSTEM)
WRITERS = (Role.ADMIN, Role.SYSTEM)
NOT_FOUND = "User not found"


def _require(actor: Actor, roles: tuple[Role, ...]) -> None:
    if actor.role not in roles:
        actor.require_user()
        raise DomainError(ErrorCode.FORBIDDEN, "Admin role required" if roles is WRITERS else "Staff only")


def _not_oneself(actor: Actor, user_id: int, what: str) -> None:
    if actor.signed_in and actor.user_id == user_id:
        raise DomainError(ErrorCode.FORBIDDEN, f"An admin cannot {what} his own account")


async def _account(db: AsyncSession, user_id: int) -> User:
    user = await queries.account_by_id(db, user_id)
    if user is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return user


@handlers.on(GetAccount)
async def get_account(cmd: GetAccount, actor: Actor, deps: IdentityDeps) -> UserProfile:
    _require(actor, READERS)
    async with deps.read_db() as db:
        return profile(await _account(db, cmd.user_id))


@handlers.on(UpdateAccount)
async def update_account(cmd: UpdateAccount, actor: Actor, deps: IdentityDeps) -> UserProfile:
    _require(actor, WRITERS)
    given = {name: value for name, value in cmd.model_dump(exclude={"user_id"}).items() if value is not None}
    async with deps.db() as db:
        return await save_changes(db, await _account(db, cmd.user_id), given)


async def _changed(deps: IdentityDeps, db: AsyncSession, user: User, *, end_sessions: bool) -> AccountChanged:
    """Commit a change to `user`, ending his sessions with it if asked (announced once committed)."""
    user.updated_at = datetime.now(UTC)
    ended = await revoke_user_sessions(db, user.id) if end_sessions else []
    await db.commit()
    await announce_revoked(deps, ended)
    return AccountChanged(user=profile(user), sessions_ended=len(ended))


@handlers.on(SetAccountActive)
async def set_account_active(cmd: SetAccountActive, actor: Actor, deps: IdentityDeps) -> AccountChanged:
    """A deactivated account signs in nowhere (every sign-in and refresh asks for an active one) and
    its sessions end at once; activated again, it signs in as before."""
    _require(actor, WRITERS)
    if not cmd.active:
        _not_oneself(actor, cmd.user_id, "deactivate")
    async with deps.db() as db:
        user = await _account(db, cmd.user_id)
        user.is_active = cmd.active
        return await _changed(deps, db, user, end_sessions=not cmd.active)


@handlers.on(SetRole)
async def set_role(cmd: SetRole, actor: Actor, deps: IdentityDeps) -> AccountChanged:
    """The account's access tokens name its role: a role changed ends its sessions, so the old role
    is refused at every edge at once (a demoted admin keeps nothing of it), and the next sign-in
    carries the new one."""
    _require(actor, WRITERS)
    if cmd.role not in ACCOUNT_ROLES:
        raise DomainError(ErrorCode.VALIDATION, "This role cannot be given", {"field": "role"})
    _not_oneself(actor, cmd.user_id, "change the role of")
    async with deps.db() as db:
        user = await _account(db, cmd.user_id)
        changed = user.role != cmd.role.value
        user.role = cmd.role.value
        return await _changed(deps, db, user, end_sessions=changed)


@handlers.on(ListSessionsOf)
async def list_sessions_of(cmd: ListSessionsOf, actor: Actor, deps: IdentityDeps) -> SessionList:
    _require(actor, READERS)
    async with deps.read_db() as db:
        user = await _account(db, cmd.user_id)
        rows = await queries.live_sessions(db, user.id, datetime.now(UTC))
        return SessionList(items=[session_info(s, current=s.id == actor.session_id) for s in rows])


@handlers.on(RevokeSessionsOf)
async def revoke_sessions_of(cmd: RevokeSessionsOf, actor: Actor, deps: IdentityDeps) -> Revoked:
    _require(actor, WRITERS)
    async with deps.db() as db:
        user = await _account(db, cmd.user_id)
        if cmd.session_id is None:
            ended = await revoke_user_sessions(db, user.id)
        else:
            # Another account's session is answered exactly like a missing one.
            ended = await queries.end_sessions(db, queries.session_of_user(cmd.session_id, user.id))
            if not ended:
                raise DomainError(ErrorCode.NOT_FOUND, "Session not found")
        await db.commit()
    await announce_revoked(deps, ended)
    return Revoked(revoked_count=len(ended))
