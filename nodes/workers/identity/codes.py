"""SMS codes: 6 digits, 10 minutes, single use, void after 5 wrong tries, 3 sends per phone per hour.

Only a hash of each code is stored. The purpose a code is issued and checked for follows the
account: an unverified phone gets activation codes (which also sign in), a verified one login codes.
Realty's document activates and then signs in with the code sent at registration, so activation
does not spend an activation code: it turns it into a sign-in code, good for one sign-in within the
same lifetime and tries.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.identity import (
    ActivatePhone,
    CodePurpose,
    CodeSent,
    LoginWithCode,
    SendPhoneCode,
    SignedIn,
    UserProfile,
)
from storage.models.identity import PhoneCode, User

from . import queries
from .deps import IdentityDeps
from .handlers import handlers
from .normalize import phone_e164
from .sessions import start_session
from .views import profile

log = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
SENDS_PER_HOUR = 3
HOUR = timedelta(hours=1)
INVALID = "Invalid or expired code"


def _hash(phone: str, code: str) -> str:
    # Salted with the phone so one code's hash says nothing about another phone's.
    return hashlib.sha256(f"{phone}:{code}".encode()).hexdigest()


def purpose_for(user: User) -> CodePurpose:
    return CodePurpose.LOGIN if user.phone_verified else CodePurpose.ACTIVATE


def accepted_for(user: User, signing_in: bool) -> tuple[CodePurpose, ...]:
    """The codes that prove `user`'s phone: a sign-in also takes the code that activated the account."""
    if not user.phone_verified:
        return (CodePurpose.ACTIVATE,)
    return (CodePurpose.LOGIN, CodePurpose.SIGN_IN) if signing_in else (CodePurpose.LOGIN,)


async def _store_code(deps: IdentityDeps, phone: str, purpose: CodePurpose) -> str:
    """Store a fresh code for `phone`, refusing a 4th within the hour; returns the code."""
    now = datetime.now(UTC)
    async with deps.db() as db:
        count, oldest = await queries.codes_sent_since(db, phone, now - HOUR)
        if count >= SENDS_PER_HOUR:
            wait = ((oldest or now) + HOUR - now).total_seconds()
            details = {"retry_after": max(1, math.ceil(wait))}
            raise DomainError(ErrorCode.RATE_LIMITED, "Too many codes requested, try again later", details)
        code = f"{secrets.randbelow(10**6):06d}"
        db.add(
            PhoneCode(
                phone=phone, code_hash=_hash(phone, code), purpose=purpose.value, created_at=now,
                expires_at=now + CODE_TTL,
            )
        )  # fmt: skip
        await db.commit()
    return code


async def issue_phone_code(deps: IdentityDeps, phone: str, purpose: CodePurpose) -> str:
    """Store and text a new code to an E.164 `phone`; returns it (for development answers only)."""
    code = await _store_code(deps, phone, purpose)
    await deps.sms.send(phone, f"Your Souk code: {code}")
    return code


async def check_phone_code(
    deps: IdentityDeps,
    db: AsyncSession,
    phone: str,
    code: str,
    purposes: tuple[CodePurpose, ...],
    then: CodePurpose | None = None,
) -> None:
    """Consume the newest live code of `purposes` for `phone` if `code` matches it (pass it on to
    purpose `then` instead, when given).

    A wrong guess is committed at once (on `db`) so that it counts even though the caller fails.
    Both updates are conditional, so concurrent guesses can neither skip the count nor reuse a code.
    """
    now = datetime.now(UTC)
    row = await queries.newest_live_code(db, phone, purposes, now)
    if row is None or row.attempts >= MAX_ATTEMPTS:
        raise DomainError(ErrorCode.VALIDATION, INVALID)
    if not hmac.compare_digest(row.code_hash, _hash(phone, code.strip())):
        await queries.count_wrong_guess(db, row.id)
        await db.commit()
        raise DomainError(ErrorCode.VALIDATION, INVALID)
    if not await queries.use_code(db, row, now, MAX_ATTEMPTS, then):
        raise DomainError(ErrorCode.VALIDATION, INVALID)  # a concurrent request took it first


async def _user_by_phone(db: AsyncSession, raw_phone: str) -> tuple[str, User | None]:
    phone = phone_e164(raw_phone)
    return phone, await queries.user_by_phone(db, phone)


@handlers.on(SendPhoneCode)
async def send_phone_code(cmd: SendPhoneCode, _actor: Actor, deps: IdentityDeps) -> CodeSent:
    async with deps.db() as db:
        phone, user = await _user_by_phone(db, cmd.phone)
    if user is None:
        # Stored but never sent: an unknown phone counts against the same limit and answers alike.
        await _store_code(deps, phone, CodePurpose.LOGIN)
        return CodeSent()
    code = await issue_phone_code(deps, phone, purpose_for(user))
    return CodeSent(dev_code=code if deps.settings.app.is_development else None)


async def _prove_phone(deps: IdentityDeps, db: AsyncSession, cmd: ActivatePhone | LoginWithCode) -> User:
    """The account of `cmd.phone` once `cmd.code` is checked; its phone counts as verified from then."""
    phone, user = await _user_by_phone(db, cmd.phone)
    await deps.limits.code(cmd.client)
    if user is None:
        raise DomainError(ErrorCode.VALIDATION, INVALID)
    signing_in = isinstance(cmd, LoginWithCode)
    # Activation keeps an activation code for the one sign-in that follows it in Realty's flow.
    then = CodePurpose.SIGN_IN if not signing_in and not user.phone_verified else None
    await check_phone_code(deps, db, phone, cmd.code, accepted_for(user, signing_in), then)
    user.phone_verified = True
    user.is_active = True
    return user


@handlers.on(ActivatePhone)
async def activate_phone(cmd: ActivatePhone, _actor: Actor, deps: IdentityDeps) -> UserProfile:
    async with deps.db() as db:
        user = await _prove_phone(deps, db, cmd)
        await db.commit()
        return profile(user)


@handlers.on(LoginWithCode)
async def login_with_code(cmd: LoginWithCode, _actor: Actor, deps: IdentityDeps) -> SignedIn:
    async with deps.db() as db:
        user = await _prove_phone(deps, db, cmd)  # the code proves the phone, as activation would
        tokens = await start_session(deps, db, user, cmd.client)
        await db.commit()
        return SignedIn(user=profile(user), tokens=tokens)
