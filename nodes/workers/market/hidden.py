"""Moderation's view of listings, whatever their vertical: their core fields, hiding one after a
report, and how many are hidden.

A hidden listing is a rejected one (`rejected`, with the reason its owner is shown): every list,
page and search already leaves rejected listings out, the owner sees his and may correct it, which
submits it to the moderators again. So hidden listings are counted as the rejected ones, whether a
report or the review of a new ad rejected them.

These read and write the listings' core table only (`market_listings`), so they work alike for every
vertical; their few statements are here rather than in `queries`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update

from protocols import market as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from storage.models.market import Listing

from .ads import NOT_FOUND
from .deps import MarketDeps
from .handlers import handlers
from .search import listings_changed

MODERATORS = (Role.MODERATOR, Role.ADMIN, Role.SYSTEM)
HIDDEN = wire.AdStatus.REJECTED.value


def require_moderator(actor: Actor) -> None:
    if actor.role not in MODERATORS:
        actor.require_user()
        raise DomainError(ErrorCode.FORBIDDEN, "Moderator role required")


def core(row: Listing) -> wire.ListingCore:
    return wire.ListingCore(
        id=row.id, owner_id=row.owner_id, kind=row.kind, title=row.title, status=row.status
    )


@handlers.on(wire.DescribeListings)
async def describe_listings(cmd: wire.DescribeListings, actor: Actor, deps: MarketDeps) -> wire.ListingCores:
    require_moderator(actor)
    async with deps.read_db() as db:
        rows = await db.scalars(select(Listing).where(Listing.id.in_(cmd.listing_ids)))
        return wire.ListingCores(items=[core(row) for row in rows])


@handlers.on(wire.HideListing)
async def hide_listing(cmd: wire.HideListing, actor: Actor, deps: MarketDeps) -> wire.ListingCore:
    require_moderator(actor)
    async with deps.db() as db:
        hidden = await db.execute(
            update(Listing)
            .where(Listing.id == cmd.listing_id, Listing.status != HIDDEN)
            .values(status=HIDDEN, rejection_reason=cmd.reason, updated_at=datetime.now(UTC))
        )
        await db.commit()
        row = await db.get(Listing, cmd.listing_id, populate_existing=True)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    if getattr(hidden, "rowcount", 0):
        await listings_changed(deps)
    return core(row)


@handlers.on(wire.CountHiddenListings)
async def count_hidden(_cmd: wire.CountHiddenListings, actor: Actor, deps: MarketDeps) -> wire.HiddenListings:
    require_moderator(actor)
    async with deps.read_db() as db:
        count = await db.scalar(select(func.count()).select_from(Listing).where(Listing.status == HIDDEN))
    return wire.HiddenListings(count=count or 0)
