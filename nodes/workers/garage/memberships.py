"""Memberships, assigned and ended by staff, and a member's standing: his membership and rewards.

Memberships live here, in the garage, not in identity's accounts. A membership is a contract of the
service business: staff manage it beside the locations and offers it unlocks, and its tier is read on
every offers request, which here is one query beside the offers rather than a round trip to identity.
The rewards it goes with are the garage's too (referrals.py). Identity keeps the account; the
account's `membershipId` and `rewardsBalance` are shown from here (`GetStanding`, which Membership
Auto's sign-in asks for), so identity's own columns of those names are not used.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from protocols import garage_members as wire
from protocols.envelope import Actor, DomainError, Empty, ErrorCode
from protocols.garage_service import new_id
from protocols.identity import GetUser, UserProfile
from storage.models.garage_service import Membership

from . import queries
from .deps import GarageDeps
from .handlers import handlers
from .staff import require_staff

MEMBER_NOT_FOUND = "Member not found"
NOT_FOUND = "Membership not found"


def view(row: Membership) -> wire.Membership:
    return wire.Membership(
        id=row.id, user_id=row.user_id, user_public_id=row.user_public_id, tier=wire.MembershipTier(row.tier),
        created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


async def member(deps: GarageDeps, public_id: str, actor: Actor) -> UserProfile:
    try:
        return await deps.bus.request(GetUser(public_id=public_id), actor=actor)
    except DomainError as exc:
        if exc.code is ErrorCode.NOT_FOUND:
            raise DomainError(ErrorCode.NOT_FOUND, MEMBER_NOT_FOUND) from None
        raise


@handlers.on(wire.SetMembership)
async def set_membership(cmd: wire.SetMembership, actor: Actor, deps: GarageDeps) -> wire.Membership:
    require_staff(actor)
    account = await member(deps, cmd.user_public_id, actor)
    now = datetime.now(UTC)
    async with deps.db() as db:
        if not await queries.change_tier(db, account.id, cmd.tier.value, now):
            values = {"id": new_id(), "user_id": account.id, "user_public_id": account.public_id,
                      "tier": cmd.tier.value, "created_at": now, "updated_at": now}  # fmt: skip
            try:
                async with db.begin_nested():
                    await queries.insert_membership(db, values)
            except IntegrityError:  # assigned at the same moment by another request: this tier wins
                await queries.change_tier(db, account.id, cmd.tier.value, now)
        row = await queries.membership_of(db, account.id)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, MEMBER_NOT_FOUND)  # the account was deleted meanwhile
        assigned = view(row)
        await db.commit()
    return assigned


@handlers.on(wire.EndMembership)
async def end_membership(cmd: wire.EndMembership, actor: Actor, deps: GarageDeps) -> Empty:
    require_staff(actor)
    account = await member(deps, cmd.user_public_id, actor)
    async with deps.db() as db:
        if not await queries.delete_membership(db, account.id):
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        await db.commit()
    return Empty()


@handlers.on(wire.GetStanding)
async def get_standing(_cmd: wire.GetStanding, actor: Actor, deps: GarageDeps) -> wire.Standing:
    return await _standing(deps, actor.require_user())


@handlers.on(wire.GetStandingOf)
async def get_standing_of(cmd: wire.GetStandingOf, actor: Actor, deps: GarageDeps) -> wire.Standing:
    require_staff(actor)
    return await _standing(deps, cmd.user_id)


async def _standing(deps: GarageDeps, user_id: int) -> wire.Standing:
    async with deps.read_db() as db:
        membership = await queries.membership_of(db, user_id)
        balance = await queries.rewards_balance(db, user_id)
    if membership is None:
        return wire.Standing(rewards_balance=balance)
    return wire.Standing(
        membership_id=membership.id, tier=wire.MembershipTier(membership.tier), rewards_balance=balance
    )
