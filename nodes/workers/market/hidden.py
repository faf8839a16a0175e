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

from protocols import market as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from storage.models.market import Listing

from . import hidden_queries as queries
from .ads import NOT_FOUND
from .barter import changed as barter_items_changed
from .deps import MarketDeps
from .handlers import handlers
from .search import listings_changed

MODERATORS = (Role.MODERATOR, Role.ADMIN, Role.SYSTEM)


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
        return wire.ListingCores(items=[core(row) for row in await queries.listings(db, cmd.listing_ids)])


@handlers.on(wire.HideListing)
async def hide_listing(cmd: wire.HideListing, actor: Actor, deps: MarketDeps) -> wire.ListingCore:
    require_moderator(actor)
    async with deps.db() as db:
        hidden = await queries.hide(db, cmd.listing_id, cmd.reason)
        await db.commit()
        row = await db.get(Listing, cmd.listing_id, populate_existing=True)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    if hidden:
        await listings_changed(deps)
        if row.kind == wire.ListingKind.BARTER:  # out of the matching pool: its exchanges dissolve
            await barter_items_changed(deps, row.owner_id, [row.id])
    return core(row)


@handlers.on(wire.CountHiddenListings)
async def count_hidden(_cmd: wire.CountHiddenListings, actor: Actor, deps: MarketDeps) -> wire.HiddenListings:
    require_moderator(actor)
    async with deps.read_db() as db:
        return wire.HiddenListings(count=await queries.count_hidden(db))
