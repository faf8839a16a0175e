"""An account row as the identity protocol describes it to every surface."""

from __future__ import annotations

from protocols.envelope import Role
from protocols.identity import UserProfile
from storage.models.identity import User


def profile(user: User) -> UserProfile:
    return UserProfile(
        id=user.id, public_id=user.public_id, username=user.username, email=user.email, phone=user.phone,
        full_name=user.full_name, first_name=user.first_name, last_name=user.last_name,
        telegram_contact=user.telegram_contact, city=user.city, bio=user.bio, role=Role(user.role),
        is_active=user.is_active, email_verified=user.email_verified, phone_verified=user.phone_verified,
        created_at=user.created_at, updated_at=user.updated_at, last_login_at=user.last_login_at,
        locations=list(user.locations or []), attributes=dict(user.attributes or {}), avatar_url=user.avatar_url,
        licenses_url=user.licenses_url, membership_id=user.membership_id, referral_code=user.referral_code,
        rewards_balance=user.rewards_balance,
    )  # fmt: skip
