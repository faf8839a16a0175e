"""Mailed single-use links: password reset (1 hour) and email verification (24 hours).

The token travels only in the mail; the table keeps its sha256, so a database leak opens nothing.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from nodes.runtime.ratelimit import Rule
from protocols.envelope import Actor, DomainError, Empty, ErrorCode
from protocols.identity import (
    LoginKind,
    RequestEmailVerification,
    RequestPasswordReset,
    ResetPassword,
    UserProfile,
    VerifyEmail,
)
from storage.models.identity import EmailLink, User

from . import queries
from .deps import IdentityDeps
from .handlers import handlers
from .mail import Mail
from .normalize import email_key
from .sessions import announce_revoked, revoke_user_sessions
from .views import profile

log = logging.getLogger(__name__)

RESET = "reset"
VERIFY = "verify"
TTL = {RESET: timedelta(hours=1), VERIFY: timedelta(hours=24)}
# Per address whether or not it has an account, so the limit itself reveals nothing.
MAIL_RULE = Rule("identity_link_mail", limit=5, window_s=3600)
INVALID = "Invalid or expired token"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _new_link(db: AsyncSession, user: User, purpose: str, link_base: str) -> str:
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    db.add(EmailLink(token_hash=_hash(token), user_id=user.id, purpose=purpose, created_at=now,
                     expires_at=now + TTL[purpose]))  # fmt: skip
    await db.commit()
    separator = "&" if "?" in link_base else "?"
    return f"{link_base}{separator}token={token}"


async def _use_link(db: AsyncSession, token: str, purpose: str) -> User:
    """Consume a live link; the conditional update lets only one of two concurrent uses win."""
    now = datetime.now(UTC)
    link = await queries.live_link(db, _hash(token), purpose, now)
    user = await db.get(User, link.user_id) if link is not None else None
    if link is None or user is None:
        raise DomainError(ErrorCode.VALIDATION, INVALID)
    if not await queries.use_link(db, link.token_hash, now):
        raise DomainError(ErrorCode.VALIDATION, INVALID)
    # Any other outstanding link of the same kind dies with this one.
    await queries.use_up_links(db, user.id, purpose, now)
    return user


async def _limit(deps: IdentityDeps, address: str) -> None:
    if deps.limiter is not None:
        await deps.limiter.hit(MAIL_RULE, address)


@handlers.on(RequestPasswordReset)
async def request_password_reset(cmd: RequestPasswordReset, _actor: Actor, deps: IdentityDeps) -> Empty:
    address = email_key(cmd.email)
    await _limit(deps, address)
    async with deps.db() as db:
        user = await queries.active_user(db, LoginKind.EMAIL, address)
        if user is None or user.email is None:
            return Empty()
        link = await _new_link(db, user, RESET, cmd.link_base)
    text = f"To choose a new Souk password, open this link within an hour:\n\n{link}\n\nDid not ask? Ignore this mail."
    try:
        await deps.mail.send(Mail(to=user.email, subject="Reset your Souk password", text=text))
    except DomainError:
        # An error here would tell the caller that the account exists; the failure is logged instead.
        log.warning("password reset mail for user %s was not sent", user.id)
    return Empty()


@handlers.on(ResetPassword)
async def reset_password(cmd: ResetPassword, _actor: Actor, deps: IdentityDeps) -> Empty:
    # Checked before hashing, so junk tokens cost no argon2 time; hashed outside the transaction,
    # so no write lock is held meanwhile. `_use_link` checks again and decides.
    async with deps.db() as db:
        if not await queries.is_live_link(db, _hash(cmd.token), RESET, datetime.now(UTC)):
            raise DomainError(ErrorCode.VALIDATION, INVALID)
    new_hash = await deps.passwords.hash(cmd.new_password)
    async with deps.db() as db:
        user = await _use_link(db, cmd.token, RESET)
        user.password_hash = new_hash
        ended = await revoke_user_sessions(db, user.id)
        await db.commit()
    await announce_revoked(deps, ended)
    return Empty()


@handlers.on(RequestEmailVerification)
async def request_email_verification(
    cmd: RequestEmailVerification, actor: Actor, deps: IdentityDeps
) -> Empty:
    async with deps.db() as db:
        user = await db.get(User, actor.user_id) if actor.signed_in else None
        if user is None or not user.is_active:
            raise DomainError(ErrorCode.UNAUTHORIZED, "Not signed in")
        if not user.email:
            raise DomainError(ErrorCode.VALIDATION, "The account has no email address", {"field": "email"})
        if user.email_verified:
            return Empty()
        await _limit(deps, user.email_normalized or user.email)
        link = await _new_link(db, user, VERIFY, cmd.link_base)
    text = f"To confirm this address for your Souk account, open this link within 24 hours:\n\n{link}"
    await deps.mail.send(Mail(to=user.email, subject="Confirm your email", text=text))
    return Empty()


@handlers.on(VerifyEmail)
async def verify_email(cmd: VerifyEmail, _actor: Actor, deps: IdentityDeps) -> UserProfile:
    async with deps.db() as db:
        user = await _use_link(db, cmd.token, VERIFY)
        user.email_verified = True
        await db.commit()
        return profile(user)
