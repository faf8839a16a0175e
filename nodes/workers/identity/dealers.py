"""Dealers' company profiles: written and read by the dealer himself, and listed for the ads that
show them (the market asks for a page's dealers at once)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.identity import (
    DealerProfile,
    DealerProfileChanged,
    DealerProfiles,
    GetDealerProfile,
    ListDealerProfiles,
    SetDealerProfile,
)
from storage.models import identity as models

from . import queries
from .accounts import current_user
from .deps import IdentityDeps
from .handlers import handlers

log = logging.getLogger(__name__)


def dealer_of(actor: Actor) -> int:
    """The calling dealer's id; any other role is refused, whatever it may do elsewhere."""
    user_id = actor.require_user()
    if actor.role is not Role.DEALER:
        raise DomainError(ErrorCode.FORBIDDEN, "Only a dealer account has a company profile")
    return user_id


def view(row: models.DealerProfile) -> DealerProfile:
    return DealerProfile(
        user_id=row.user_id, company_name=row.company_name, address=row.address, phone=row.phone,
        logo_url=row.logo_url, updated_at=row.updated_at,
    )  # fmt: skip


@handlers.on(GetDealerProfile)
async def get_dealer_profile(_cmd: GetDealerProfile, actor: Actor, deps: IdentityDeps) -> DealerProfile:
    user_id = dealer_of(actor)
    async with deps.read_db() as db:
        found = await queries.dealer_profiles(db, [user_id])
    if not found:
        raise DomainError(ErrorCode.NOT_FOUND, "Dealer profile not set")
    return view(found[0])


@handlers.on(SetDealerProfile)
async def set_dealer_profile(cmd: SetDealerProfile, actor: Actor, deps: IdentityDeps) -> DealerProfile:
    user_id = dealer_of(actor)
    async with deps.db() as db:
        await current_user(db, actor)  # a deleted account's token outlived it
        await queries.put_dealer_profile(db, user_id, cmd.model_dump() | {"updated_at": datetime.now(UTC)})
        await db.commit()
        [row] = await queries.dealer_profiles(db, [user_id])
    if deps.bus is not None:
        try:
            await deps.bus.publish(DealerProfileChanged(user_id=user_id))
        except Exception as exc:  # noqa: BLE001 - NATS away: the write stands; kept copies expire
            log.warning("could not announce dealer %s's new profile: %r", user_id, exc)
    return view(row)


@handlers.on(ListDealerProfiles)
async def list_dealer_profiles(cmd: ListDealerProfiles, _actor: Actor, deps: IdentityDeps) -> DealerProfiles:
    if not cmd.user_ids:
        return DealerProfiles(items=[])
    async with deps.read_db() as db:
        rows = await queries.dealer_profiles(db, sorted(set(cmd.user_ids)))
    return DealerProfiles(items=[view(row) for row in rows])
