"""Passwords: signing in with one, and changing it.

A wrong identifier and a wrong password answer alike and take alike long: an unknown account is
still checked against a hash, so neither the answer nor its timing tells whether it exists.
"""

from __future__ import annotations

from protocols.envelope import Actor, DomainError, Empty, ErrorCode
from protocols.identity import ChangePassword, Login, LoginKind, SignedIn
from storage.models.identity import User

from . import queries
from .accounts import current_user
from .deps import IdentityDeps
from .handlers import handlers
from .limits import account_key
from .normalize import email_key, phone_e164, username_key
from .sessions import announce_revoked, revoke_user_sessions, start_session
from .views import profile

INVALID = "Invalid credentials"


def _account_key(kind: LoginKind, identifier: str) -> str | None:
    """The canonical identifier, or None when it cannot name any account."""
    try:
        if kind is LoginKind.EMAIL:
            return email_key(identifier)
        if kind is LoginKind.PHONE:
            return phone_e164(identifier)
        return username_key(identifier)
    except DomainError:
        return None


async def _verified(deps: IdentityDeps, user: User | None, password: str) -> bool:
    if user is None or not user.password_hash:
        await deps.passwords.verify(await deps.passwords.dummy_hash(), password)
        return False
    return await deps.passwords.verify(user.password_hash, password)


@handlers.on(Login)
async def login(cmd: Login, _actor: Actor, deps: IdentityDeps) -> SignedIn:
    key = _account_key(cmd.kind, cmd.identifier)
    await deps.limits.login_from(cmd.client)
    async with deps.db() as db:
        user = await queries.active_user(db, cmd.kind, key) if key else None
    # An identifier that names no account has a budget of its own, so that it is refused exactly as
    # often, and alike, as one that does.
    named = f"{cmd.kind.value}:{key or cmd.identifier.strip().lower()}"
    await deps.limits.login_to(account_key(user.id) if user is not None else named)
    if not await _verified(deps, user, cmd.password) or user is None:
        raise DomainError(ErrorCode.UNAUTHORIZED, INVALID)
    new_hash = None
    if user.password_hash and deps.passwords.needs_rehash(user.password_hash):
        new_hash = await deps.passwords.hash(cmd.password)  # the parameters changed since it was set
    async with deps.db() as db:
        user = await db.merge(user)
        if new_hash:
            user.password_hash = new_hash
        tokens = await start_session(deps, db, user, cmd.client)
        await db.commit()
        return SignedIn(user=profile(user), tokens=tokens)


@handlers.on(ChangePassword)
async def change_password(cmd: ChangePassword, actor: Actor, deps: IdentityDeps) -> Empty:
    """Every other session of the account ends; the one asking stays signed in."""
    async with deps.db() as db:
        user = await current_user(db, actor)
    # Guesses at the current one, on a budget apart from sign-ins: someone guessing at the account
    # must not keep its owner from changing the password.
    await deps.limits.login_to(f"password:{user.id}")
    if not user.password_hash or not await deps.passwords.verify(user.password_hash, cmd.old_password):
        raise DomainError(ErrorCode.UNAUTHORIZED, "Incorrect current password", {"field": "old_password"})
    new_hash = await deps.passwords.hash(cmd.new_password)
    async with deps.db() as db:
        user = await db.merge(user)
        user.password_hash = new_hash
        ended = await revoke_user_sessions(db, user.id, keep=actor.session_id)
        await db.commit()
    await announce_revoked(deps, ended)
    return Empty()
