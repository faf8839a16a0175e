"""The identity domain: accounts and sessions."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from . import subjects
from .envelope import Command, Message, Role

DOMAIN = "identity"


class UserProfile(Message):
    """An account as the identity domain knows it; each surface shapes it for its contract."""

    id: int
    public_id: str
    username: str | None
    email: str | None
    phone: str | None
    full_name: str | None
    first_name: str | None
    last_name: str | None
    telegram_contact: str | None
    city: str | None
    bio: str | None
    role: Role
    is_active: bool
    email_verified: bool
    phone_verified: bool
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None


class CreateUser(Command[UserProfile]):
    """An account without a password (FreeMarket `POST /api/users/`); it signs in later by code."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "create_user")
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.]+$")
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=20)
    full_name: str | None = Field(default=None, max_length=128)
    telegram_contact: str | None = Field(default=None, max_length=64)
    city: str | None = Field(default=None, max_length=64)
    bio: str | None = Field(default=None, max_length=2000)


class GetUser(Command[UserProfile]):
    """One account by id or by username (case-insensitive); exactly one of the two."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_user")
    idempotent: ClassVar[bool] = True
    user_id: int | None = None
    username: str | None = None


class CreateAdmin(Command[UserProfile]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "create_admin")
    email: str = Field(max_length=254)
    password: str = Field(min_length=8, max_length=128)


class SessionsPurged(Message):
    deleted: int


class PurgeExpiredSessions(Command[SessionsPurged]):
    """Scheduled: delete sessions whose refresh window has closed."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "purge_expired_sessions")
    idempotent: ClassVar[bool] = True



# Access tokens: signed by the identity worker, verified by every edge with the published keys.
ACCESS_TOKEN_TYPE = "access"
REFRESH_TOKEN_TYPE = "refresh"


class PublicKeyRecord(Message):
    """A verification key as published in the `AUTH_KEYS_BUCKET` KV bucket under its `kid`."""

    kid: str
    alg: str
    public_key_pem: str
