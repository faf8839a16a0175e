"""Referrals: a member's code and the members who registered with it, and the referrer's credit.

Who referred whom is identity's: it records the referrer in the new account's own row, in the same
transaction that creates it, from the code the member registered with (an unknown code refuses the
registration), so no referral is lost between two domains. The garage keeps what it gives: one credit
per referred member (`garage_referral_credits`), written in the transaction that completes the
member's appointment. Its key is the referred member, so the first completion credits the referrer
and any other, even one at the same moment on another worker, finds it there and gives nothing. A
referrer's rewards balance is the sum of his credits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nodes.runtime.settings import Settings
from protocols import garage_members as wire
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.identity import GetUser, ListReferred, ReferredAccount
from storage.models.garage_service import ReferralCredit

from . import queries
from .deps import GarageDeps
from .handlers import handlers

REWARD_KEY = "rewardsBalance"  # what `rewards_applied` names: the referrer's balance grew by so much


async def referrer_of(deps: GarageDeps, member_id: int) -> int | None:
    """Who referred the member (identity's record); None for no one, or for an account since deleted."""
    try:
        member = await deps.bus.request(GetUser(user_id=member_id), actor=Actor.system())
    except DomainError as exc:
        if exc.code is not ErrorCode.NOT_FOUND:
            raise
        return None
    return member.referred_by_id


async def credit_referrer(
    db: AsyncSession, settings: Settings, referrer_id: int, member_id: int, appointment_id: str, now: datetime
) -> bool:
    """Credit the member's referrer, unless an earlier (or simultaneous) completion did."""
    values = {"referred_id": member_id, "referrer_id": referrer_id, "amount": settings.garage.referral_reward,
              "appointment_id": appointment_id, "credited_at": now}  # fmt: skip
    try:
        async with db.begin_nested():
            await queries.insert_credit(db, values)
    except IntegrityError:
        return False
    return True


def referral(
    referrer_public_id: str, code: str, account: ReferredAccount, credit: ReferralCredit | None
) -> wire.Referral:
    return wire.Referral(
        id=wire.referral_id(account.public_id), referrer_public_id=referrer_public_id,
        referred_public_id=account.public_id, code=code,
        status=wire.ReferralStatus.CREDITED if credit else wire.ReferralStatus.PENDING,
        rewards_applied={REWARD_KEY: credit.amount} if credit else {}, created_at=account.created_at,
    )  # fmt: skip


@handlers.on(wire.GetReferrals)
async def get_referrals(_cmd: wire.GetReferrals, actor: Actor, deps: GarageDeps) -> wire.Referrals:
    user_id = actor.require_user()
    referred = await deps.bus.request(ListReferred(referrer_id=user_id), actor=actor)
    public_id = await deps.public_ids.of(user_id)
    async with deps.read_db() as db:
        credits = await queries.credits_of(db, user_id)
    code = referred.referral_code or ""
    items = [referral(public_id, code, account, credits.get(account.user_id)) for account in referred.items]
    return wire.Referrals(code=referred.referral_code, items=items)
