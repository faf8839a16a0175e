"""How many ads a seller keeps live (active or pending) at once: `[market] private_active_limit`, or
`dealer_active_limit` for a dealer account. Checked whenever an ad would become live: created (not as
a draft), submitted, resubmitted, renewed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from nodes.runtime.settings import MarketSettings
from protocols import market as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role

from . import queries

LIVE = frozenset({wire.AdStatus.ACTIVE, wire.AdStatus.PENDING})


async def check_room(db: AsyncSession, actor: Actor, settings: MarketSettings, besides: int | None) -> None:
    """In the write transaction that makes an ad live (`besides`: that ad, when it exists already),
    before it does: refuses it past the seller's limit. The owner is locked until the transaction
    ends, so two requests at once cannot both take the last place."""
    owner_id = actor.require_user()
    dealer = actor.role is Role.DEALER
    limit = settings.dealer_active_limit if dealer else settings.private_active_limit
    await queries.lock_owner(db, owner_id)
    if await queries.count_owned(db, owner_id, {status.value for status in LIVE}, besides) >= limit:
        seller = "a dealer" if dealer else "a private seller"
        raise DomainError(
            ErrorCode.CONFLICT,
            f"Active ad limit reached: {seller} may keep at most {limit} ads active or awaiting "
            "moderation; archive or delete one first",
        )
