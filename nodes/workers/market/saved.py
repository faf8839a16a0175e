"""Favourites and comparison: each user's own lists of ads. Only an active ad is added (anything else
is not there, as for a search), and a list shows the ads active now: one archived, expired or sent back
to moderation drops out of it and comes back when it is active again (unless it gave its place in a
full comparison up); a deleted ad leaves for good.

A comparison holds at most `[market] comparison_max` ads, each in a slot of its own that the database
keeps unique per user, so that two adds at once (two market workers) cannot overfill it: the one that
loses the slot picks another or finds the list full."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from protocols import market as wire
from protocols.envelope import Actor, DomainError, Empty, ErrorCode
from storage.models.market import Listing, SavedAd

from . import queries
from .ads import NOT_FOUND
from .dealers import ad_of, ads_of
from .deps import MarketDeps
from .handlers import handlers

ACTIVE = wire.AdStatus.ACTIVE.value
COMPARISON = wire.SavedList.COMPARISON.value


async def free_slot(db: AsyncSession, user_id: int, most: int) -> int:
    """The user's first free comparison slot; when there is none, ads no longer active (which the list
    does not show) give theirs up. A full comparison is a conflict."""
    for sweep in (False, True):
        if sweep:
            await queries.drop_saved_unless(db, user_id, COMPARISON, ACTIVE)
        taken = await queries.saved_slots(db, user_id, COMPARISON)
        free = [slot for slot in range(most) if slot not in taken]
        if free:
            return free[0]
    raise DomainError(
        ErrorCode.CONFLICT, f"The comparison holds at most {most} ads: remove one to add another"
    )


@handlers.on(wire.SaveAd)
async def save_ad(cmd: wire.SaveAd, actor: Actor, deps: MarketDeps) -> wire.Saved:
    user_id = actor.require_user()
    list_name = cmd.saved_list.value
    most = deps.settings.market.comparison_max if cmd.saved_list is wire.SavedList.COMPARISON else None
    # An attempt fails when another add of the user's, committed meanwhile, took its key: the same ad
    # (found saved on the next attempt) or the slot (one fewer free): a few attempts always settle it.
    attempts = (most or 0) + 2
    async with deps.db() as db:
        for _ in range(attempts):
            row = await queries.listing(db, cmd.ad_id)
            if row is None or row[0].status != ACTIVE:
                raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
            if await queries.is_saved(db, user_id, list_name, cmd.ad_id):
                return wire.Saved(ad=await ad_of(deps, db, row), added=False)
            slot = None if most is None else await free_slot(db, user_id, most)
            values = {"user_id": user_id, "list_name": list_name, "listing_id": cmd.ad_id, "slot": slot,
                      "added_at": datetime.now(UTC)}  # fmt: skip
            if await queries.insert_saved(db, values):
                await db.commit()
                return wire.Saved(ad=await ad_of(deps, db, row), added=True)
    raise DomainError(ErrorCode.CONFLICT, "The list changed meanwhile: try again")


@handlers.on(wire.UnsaveAd)
async def unsave_ad(cmd: wire.UnsaveAd, actor: Actor, deps: MarketDeps) -> Empty:
    user_id = actor.require_user()
    async with deps.db() as db:
        removed = await queries.delete_saved(db, user_id, cmd.saved_list.value, cmd.ad_id)
        await db.commit()
    if not removed:
        raise DomainError(ErrorCode.NOT_FOUND, f"Ad not found in {cmd.saved_list.value}")
    return Empty()


@handlers.on(wire.ListSaved)
async def list_saved(cmd: wire.ListSaved, actor: Actor, deps: MarketDeps) -> wire.AdPage:
    where = [SavedAd.user_id == actor.require_user(), SavedAd.list_name == cmd.saved_list.value,
             Listing.status == ACTIVE]  # fmt: skip
    order = (SavedAd.added_at.desc(), SavedAd.listing_id.desc())
    async with deps.read_db() as db:
        rows, total = await queries.page_through(db, SavedAd, where, order, cmd.offset, cmd.limit)
        return wire.AdPage(items=await ads_of(deps, db, rows), total=total)
