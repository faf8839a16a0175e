"""Profiles: one's own account read and changed, and others' public profiles."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.identity import (
    REALTY_PROFILE_FIELDS,
    REFERRALS_SHOWN,
    GetMe,
    GetUser,
    ListReferred,
    LoginKind,
    ReferredAccount,
    ReferredAccounts,
    SetLocations,
    UpdateProfile,
    UserProfile,
)
from storage.models.identity import User

from . import queries
from .accounts import check_free, current_user, identifiers
from .deps import IdentityDeps
from .handlers import handlers
from .normalize import username_key
from .views import profile


@handlers.on(GetMe)
async def get_me(_cmd: GetMe, actor: Actor, deps: IdentityDeps) -> UserProfile:
    async with deps.read_db() as db:
        return profile(await current_user(db, actor))


@handlers.on(GetUser)
async def get_user(cmd: GetUser, _actor: Actor, deps: IdentityDeps) -> UserProfile:
    """Public profiles: any caller may read one (each surface shows only its contract's fields)."""
    if [cmd.user_id, cmd.username, cmd.public_id].count(None) != 2:
        raise DomainError(ErrorCode.VALIDATION, "give exactly one of user_id, username and public_id")
    async with deps.read_db() as db:
        if cmd.user_id is not None:
            user = await queries.active_user_by_id(db, cmd.user_id)
        elif cmd.public_id is not None:
            user = await queries.active_user_by_public_id(db, cmd.public_id)
        else:
            user = await queries.active_user(db, LoginKind.USERNAME, username_key(cmd.username or ""))
    if user is None:
        raise DomainError(ErrorCode.NOT_FOUND, "User not found")
    return profile(user)


@handlers.on(ListReferred)
async def list_referred(cmd: ListReferred, actor: Actor, deps: IdentityDeps) -> ReferredAccounts:
    if actor.role is not Role.SYSTEM and actor.require_user() != cmd.referrer_id:
        raise DomainError(ErrorCode.FORBIDDEN, "one's own referrals only")
    async with deps.read_db() as db:
        referrer = await queries.active_user_by_id(db, cmd.referrer_id)
        if referrer is None:
            raise DomainError(ErrorCode.NOT_FOUND, "User not found")
        referred = await queries.referred_by(db, referrer.id, REFERRALS_SHOWN)
    items = [ReferredAccount(user_id=u.id, public_id=u.public_id, created_at=u.created_at) for u in referred]
    return ReferredAccounts(referral_code=referrer.referral_code, items=items)


@handlers.on(UpdateProfile)
async def update_profile(cmd: UpdateProfile, actor: Actor, deps: IdentityDeps) -> UserProfile:
    """A field left None keeps its value; a changed email or phone must be verified again."""
    given = {
        name: value for name, value in cmd.model_dump(exclude={"attributes"}).items() if value is not None
    }
    attributes = cmd.attributes
    if attributes is not None and not set(attributes) <= set(REALTY_PROFILE_FIELDS):
        unknown = sorted(set(attributes) - set(REALTY_PROFILE_FIELDS))
        raise DomainError(ErrorCode.VALIDATION, f"Unknown profile fields: {', '.join(unknown)}")
    async with deps.db() as db:
        user = await current_user(db, actor)
        if attributes is not None:
            user.attributes = {**(user.attributes or {}), **attributes}
        return await save_changes(db, user, given)


async def save_changes(db: AsyncSession, user: User, given: dict[str, Any]) -> UserProfile:
    """Set `given` (field names to values) on `user` and commit: a changed email or phone must be
    verified again; one that another account holds is a `conflict` naming the field."""
    email_changed = False
    with db.no_autoflush:  # the check must see the table, not these unsaved changes
        if "email" in given:
            changed = identifiers(given.pop("email"), None, None)
            if changed["email_normalized"] != user.email_normalized:
                user.email, user.email_normalized = changed["email"], changed["email_normalized"]
                user.email_verified, email_changed = False, True
        if "phone" in given:
            phone = identifiers(None, given.pop("phone"), None)["phone"]
            if phone != user.phone:
                user.phone, user.phone_verified = phone, False
        for name, value in given.items():
            setattr(user, name, value)
        await check_free(db, user, ignore_id=user.id)
    user.updated_at = datetime.now(UTC)
    try:  # taken meanwhile by another request: the unique constraints answer
        if email_changed:  # a verification link mailed to the old address must not confirm the new one
            await queries.drop_links(db, user.id, unused_only=True)
        await db.commit()
    except IntegrityError:
        raise DomainError(ErrorCode.CONFLICT, "Email or phone already exists") from None
    return profile(user)


@handlers.on(SetLocations)
async def set_locations(cmd: SetLocations, actor: Actor, deps: IdentityDeps) -> UserProfile:
    async with deps.db() as db:
        user = await current_user(db, actor)
        if cmd.user_id != user.id:
            raise DomainError(ErrorCode.NOT_FOUND, "User not found")  # another's account: as if missing
        user.locations = list(dict.fromkeys(cmd.locations))
        user.updated_at = datetime.now(UTC)
        await db.commit()
        return profile(user)
