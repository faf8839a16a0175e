"""Rows as the identity protocol describes them to every surface: accounts and sessions."""

from __future__ import annotations

from protocols.envelope import Role
from protocols.identity import SessionInfo, UserProfile
from storage.models.identity import Session, User


def profile(user: User) -> UserProfile:
    return UserProfile(
        id=user.id, public_id=user.public_id, username=user.username, email=user.email, phone=user.phone,
        full_name=user.full_name, first_name=user.first_name, last_name=user.last_name,
        telegram_contact=user.telegram_contact, city=user.city, bio=user.bio, role=Role(user.role),
        is_active=user.is_active, email_verified=user.email_verified, phone_verified=user.phone_verified,
        created_at=user.created_at, updated_at=user.updated_at, last_login_at=user.last_login_at,
        locations=list(user.locations or []), attributes=dict(user.attributes or {}), avatar_url=user.avatar_url,
        licenses_url=user.licenses_url, membership_id=user.membership_id, referral_code=user.referral_code,
        rewards_balance=user.rewards_balance, referred_by_id=user.referred_by_id,
    )  # fmt: skip


def session_info(session: Session, *, current: bool) -> SessionInfo:
    return SessionInfo(
        id=session.id,
        device=session.device,
        ip=session.ip,
        user_agent=session.user_agent,
        created_at=session.created_at,
        last_used_at=session.last_used_at,
        expires_at=session.expires_at,
        current=current,
    )
