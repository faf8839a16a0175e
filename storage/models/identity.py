"""The identity domain's tables; the identity worker is their only writer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


def new_uuid() -> str:
    return str(uuid.uuid4())


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    email: Mapped[str | None] = mapped_column(String(254))
    # Lookups and uniqueness are case-insensitive: the lowercased copy carries the constraint.
    email_normalized: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)  # E.164
    username: Mapped[str | None] = mapped_column(String(64))
    username_normalized: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="user")
    full_name: Mapped[str | None] = mapped_column(String(128))
    first_name: Mapped[str | None] = mapped_column(String(128))
    last_name: Mapped[str | None] = mapped_column(String(128))
    city: Mapped[str | None] = mapped_column(String(64))
    bio: Mapped[str | None] = mapped_column(Text)
    telegram_contact: Mapped[str | None] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    phone_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # the dashboard's new users
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    # FreeMarket's selected cities, Realty's free-form profile fields (allowlisted in protocols).
    locations: Mapped[list[str]] = mapped_column(JSON, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    avatar_url: Mapped[str | None] = mapped_column(String(512))
    licenses_url: Mapped[str | None] = mapped_column(String(512))
    # Membership Auto.
    membership_id: Mapped[str | None] = mapped_column(String(32))
    referral_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    referred_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    rewards_balance: Mapped[int] = mapped_column(Integer, default=0)
    # A ban: signing in is refused until then; the scheduler clears it once it has ended.
    banned_until: Mapped[datetime | None] = mapped_column(index=True)
    ban_reason: Mapped[str | None] = mapped_column(String(100))


class Session(Base):
    """A signed-in device: one refresh-token family, rotated on every use."""

    __tablename__ = "identity_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True, default=new_uuid)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    device: Mapped[str | None] = mapped_column(String(128))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # Indexed for the revocation outbox, which reads the sessions ended within a TTL.
    revoked_at: Mapped[datetime | None] = mapped_column(index=True)
    # When the edges were told of the end (the put into `revoked_sessions` was acknowledged); an
    # ended session without it is still in the outbox.
    announced_at: Mapped[datetime | None] = mapped_column()


class RotatedRefreshToken(Base):
    """A refresh token that was already exchanged; presenting it again revokes its session, but for
    a short grace after its rotation (`[auth] refresh_reuse_grace_s`), when it gets its successor."""

    __tablename__ = "identity_rotated_tokens"

    token_hash: Mapped[str] = mapped_column(String(128), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("identity_sessions.id", ondelete="CASCADE"), index=True
    )
    rotated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The token that replaced it, sealed with a key only the exchanged token gives (hex).
    successor: Mapped[str | None] = mapped_column(String(64))


class PhoneCode(Base):
    """A 6-digit SMS code: single use, 10 minutes, void after 5 wrong tries."""

    __tablename__ = "identity_phone_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    purpose: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column()


class EmailLink(Base):
    """A single-use, expiring token mailed for email verification or a password reset."""

    __tablename__ = "identity_email_links"

    token_hash: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column()


class SigningKey(Base):
    """The identity worker's token signing keys; the public halves are published to the edges."""

    __tablename__ = "identity_signing_keys"

    kid: Mapped[str] = mapped_column(String(32), primary_key=True)
    alg: Mapped[str] = mapped_column(String(16))
    private_pem: Mapped[str] = mapped_column(Text)
    public_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column()


class DealerProfile(Base):
    """A dealer account's company, shown on its ads (MillionAvto)."""

    __tablename__ = "identity_dealer_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    company_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20))
    logo_url: Mapped[str | None] = mapped_column(String(512))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
