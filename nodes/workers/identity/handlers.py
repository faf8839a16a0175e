"""Identity handlers: the only writers of the identity tables."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from storage.models.identity import Session, User

from nodes.runtime.worker import Handlers
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.identity import (
    DOMAIN,
    CreateAdmin,
    CreateUser,
    GetUser,
    PurgeExpiredSessions,
    SessionsPurged,
    UserProfile,
)

from .deps import IdentityDeps
from .normalize import email_key, phone_e164, username_key

handlers: Handlers[IdentityDeps] = Handlers(DOMAIN)


def profile(user: User) -> UserProfile:
    return UserProfile(
        id=user.id,
        public_id=user.public_id,
        username=user.username,
        email=user.email,
        phone=user.phone,
        full_name=user.full_name,
        first_name=user.first_name,
        last_name=user.last_name,
        telegram_contact=user.telegram_contact,
        city=user.city,
        bio=user.bio,
        role=Role(user.role),
        is_active=user.is_active,
        email_verified=user.email_verified,
        phone_verified=user.phone_verified,
        created_at=user.created_at,
        updated_at=user.updated_at,
        last_login_at=user.last_login_at,
    )


async def _insert_unique(deps: IdentityDeps, user: User) -> UserProfile:
    """Insert, answering `conflict` (naming the field) when an identifier is taken."""
    clashes = []
    if user.email_normalized:
        clashes.append(("email", User.email_normalized == user.email_normalized))
    if user.phone:
        clashes.append(("phone", User.phone == user.phone))
    if user.username_normalized:
        clashes.append(("username", User.username_normalized == user.username_normalized))
    async with deps.db() as session:
        for field, clause in clashes:
            if await session.scalar(select(func.count()).select_from(User).where(clause)):
                raise DomainError(ErrorCode.CONFLICT, f"{field.capitalize()} already exists", {"field": field})
        session.add(user)
        try:
            await session.commit()
        except IntegrityError:
            # Lost a race with a concurrent registration of the same identifier.
            raise DomainError(ErrorCode.CONFLICT, "Username, email or phone already exists") from None
        await session.refresh(user)
        return profile(user)


@handlers.on(CreateUser)
async def create_user(cmd: CreateUser, _actor: Actor, deps: IdentityDeps) -> UserProfile:
    user = User(
        username=cmd.username,
        username_normalized=username_key(cmd.username),
        email=cmd.email.strip() if cmd.email else None,
        email_normalized=email_key(cmd.email) if cmd.email else None,
        phone=phone_e164(cmd.phone) if cmd.phone else None,
        full_name=cmd.full_name,
        telegram_contact=cmd.telegram_contact,
        city=cmd.city,
        bio=cmd.bio,
        role=Role.USER.value,
    )
    return await _insert_unique(deps, user)


@handlers.on(GetUser)
async def get_user(cmd: GetUser, _actor: Actor, deps: IdentityDeps) -> UserProfile:
    if (cmd.user_id is None) == (cmd.username is None):
        raise DomainError(ErrorCode.VALIDATION, "give exactly one of user_id and username")
    clause = User.id == cmd.user_id if cmd.user_id is not None else User.username_normalized == username_key(cmd.username or "")
    async with deps.db() as session:
        user = await session.scalar(select(User).where(clause, User.is_active.is_(True)))
    if user is None:
        raise DomainError(ErrorCode.NOT_FOUND, "User not found")
    return profile(user)


@handlers.on(CreateAdmin)
async def create_admin(cmd: CreateAdmin, actor: Actor, deps: IdentityDeps) -> UserProfile:
    if actor.role not in (Role.SYSTEM, Role.ADMIN):
        raise DomainError(ErrorCode.FORBIDDEN, "only an admin creates admins")
    user = User(
        email=cmd.email.strip(),
        email_normalized=email_key(cmd.email),
        password_hash=await deps.passwords.hash(cmd.password),
        role=Role.ADMIN.value,
        email_verified=True,
    )
    return await _insert_unique(deps, user)


@handlers.on(PurgeExpiredSessions)
async def purge_expired_sessions(_cmd: PurgeExpiredSessions, actor: Actor, deps: IdentityDeps) -> SessionsPurged:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "scheduled work only")
    now = datetime.now(UTC)
    async with deps.db() as session:
        # Revoked sessions stay until they expire: a reused refresh token must still be recognised.
        result = await session.execute(delete(Session).where(Session.expires_at < now))
        await session.commit()
    return SessionsPurged(deleted=int(getattr(result, "rowcount", 0) or 0))
