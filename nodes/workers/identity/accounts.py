"""Accounts: creating them (by sign-up, by staff, admins), deleting them, and staff listings.

An account may have an email, a phone and a username, each unique: email and username compared
case-insensitively (a lowercased copy carries the constraint), the phone in E.164.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from protocols.envelope import Actor, DomainError, Empty, ErrorCode, Role
from protocols.identity import (
    SELF_SERVICE_ROLES,
    CodePurpose,
    CreateAdmin,
    CreateUser,
    DeleteAccount,
    ListUsers,
    Register,
    Registered,
    UserPage,
    UserProfile,
)
from storage.models.identity import User

from . import queries
from .codes import issue_phone_code
from .deps import IdentityDeps
from .handlers import handlers
from .normalize import email_key, phone_e164, username_key
from .sessions import announce_revoked, revoke_user_sessions, start_session
from .views import profile

STAFF = (Role.MANAGER, Role.ADMIN, Role.SYSTEM)
REFERRAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
REFERRAL_ATTEMPTS = 5


def new_referral_code() -> str:
    return "REF-" + "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(6))


async def check_free(db: AsyncSession, user: User, *, ignore_id: int | None = None) -> None:
    """Answer `conflict`, naming the field, when one of `user`'s identifiers belongs to another."""
    field = await queries.taken_identifier(db, user, besides=ignore_id)
    if field is not None:
        raise DomainError(ErrorCode.CONFLICT, f"{field.capitalize()} already exists", {"field": field})


async def _insert(db: AsyncSession, user: User) -> None:
    """Insert (the caller commits), with a fresh unique referral code."""
    await check_free(db, user)
    for _ in range(REFERRAL_ATTEMPTS):
        user.referral_code = new_referral_code()
        try:
            async with db.begin_nested():
                db.add(user)
                await db.flush()
            return
        except IntegrityError:
            # A concurrent registration took an identifier, or (rarely) the referral code did.
            if await queries.referrer_id(db, user.referral_code) is None:
                raise DomainError(ErrorCode.CONFLICT, "Username, email or phone already exists") from None
    raise DomainError(ErrorCode.UNAVAILABLE, "could not allocate a referral code")


def identifiers(email: str | None, phone: str | None, username: str | None) -> dict[str, str | None]:
    """The identifier columns of an account, in their canonical forms beside the given ones."""
    email = email.strip() if email else None
    return {
        "email": email,
        "email_normalized": email_key(email) if email else None,
        "phone": phone_e164(phone) if phone else None,
        "username": username.strip() if username else None,
        "username_normalized": username_key(username) if username else None,
    }


@handlers.on(CreateUser)
async def create_user(cmd: CreateUser, _actor: Actor, deps: IdentityDeps) -> UserProfile:
    user = User(
        **identifiers(cmd.email, cmd.phone, cmd.username), full_name=cmd.full_name,
        telegram_contact=cmd.telegram_contact, city=cmd.city, bio=cmd.bio, role=Role.USER.value,
    )  # fmt: skip
    async with deps.db() as db:
        await _insert(db, user)
        await db.commit()
        return profile(user)


@handlers.on(Register)
async def register(cmd: Register, _actor: Actor, deps: IdentityDeps) -> Registered:
    await deps.limits.register(cmd.client)
    if not (cmd.email or cmd.phone or cmd.username):
        raise DomainError(ErrorCode.VALIDATION, "An email, a phone or a username is required")
    if cmd.role not in SELF_SERVICE_ROLES:
        raise DomainError(ErrorCode.VALIDATION, "This role cannot be chosen", {"field": "role"})
    user = User(
        **identifiers(cmd.email, cmd.phone, cmd.username), full_name=cmd.full_name, first_name=cmd.first_name,
        last_name=cmd.last_name, city=cmd.city, telegram_contact=cmd.telegram_contact, role=cmd.role.value,
    )  # fmt: skip
    async with deps.db() as db:
        # Cheap checks before the costly hash, so clashes and bad codes cost no argon2 time.
        await check_free(db, user)
        if cmd.referral_code:
            user.referred_by_id = await queries.referrer_id(db, cmd.referral_code.strip().upper())
            if user.referred_by_id is None:
                raise DomainError(ErrorCode.VALIDATION, "Unknown referral code", {"field": "referral_code"})
    if cmd.password:
        user.password_hash = await deps.passwords.hash(cmd.password)
    async with deps.db() as db:
        await _insert(db, user)
        tokens = await start_session(deps, db, user, cmd.client) if cmd.sign_in and cmd.password else None
        await db.commit()
    dev_code = None
    if user.phone and not cmd.password:
        # A phone-only account proves its phone with a code before it can sign in.
        code = await issue_phone_code(deps, user.phone, CodePurpose.ACTIVATE)
        dev_code = code if deps.settings.app.is_development else None
    return Registered(user=profile(user), tokens=tokens, dev_code=dev_code)


async def current_user(db: AsyncSession, actor: Actor) -> User:
    """The actor's own account; a deleted one means the token outlived it."""
    user = await db.get(User, actor.require_user())
    if user is None or not user.is_active:
        raise DomainError(ErrorCode.UNAUTHORIZED, "Not authenticated")
    return user


# What deleting an account erases. The row itself stays, inactive and anonymous, so its id is never
# given to another account and what other domains keep under it (chat history) stays consistent.
ERASED_ON_DELETE = (
    "email", "email_normalized", "phone", "username", "username_normalized", "password_hash", "full_name",
    "first_name", "last_name", "city", "bio", "telegram_contact", "avatar_url", "licenses_url",
    "membership_id", "referral_code", "last_login_at",
)  # fmt: skip


@handlers.on(DeleteAccount)
async def delete_account(_cmd: DeleteAccount, actor: Actor, deps: IdentityDeps) -> Empty:
    """Erase the account: identifiers are free again, every session ends on every edge."""
    async with deps.db() as db:
        user = await current_user(db, actor)
        for name in ERASED_ON_DELETE:
            setattr(user, name, None)
        user.attributes, user.locations = {}, []
        user.is_active, user.email_verified, user.phone_verified = False, False, False
        user.updated_at = datetime.now(UTC)
        ended = await revoke_user_sessions(db, user.id)
        await queries.drop_links(db, user.id)
        await db.commit()
    await announce_revoked(deps, ended)
    return Empty()


@handlers.on(ListUsers)
async def list_users(cmd: ListUsers, actor: Actor, deps: IdentityDeps) -> UserPage:
    actor.require_user()
    if actor.role not in STAFF:
        raise DomainError(ErrorCode.FORBIDDEN, "Managers only")
    async with deps.read_db() as db:
        rows, total = await queries.users_page(db, cmd)
        return UserPage(items=[profile(user) for user in rows], total=total)


@handlers.on(CreateAdmin)
async def create_admin(cmd: CreateAdmin, actor: Actor, deps: IdentityDeps) -> UserProfile:
    if actor.role not in (Role.SYSTEM, Role.ADMIN):
        raise DomainError(ErrorCode.FORBIDDEN, "only an admin creates admins")
    user = User(
        **identifiers(cmd.email, None, None), password_hash=await deps.passwords.hash(cmd.password),
        role=Role.ADMIN.value, email_verified=True,
    )  # fmt: skip
    async with deps.db() as db:
        await _insert(db, user)
        await db.commit()
        return profile(user)
