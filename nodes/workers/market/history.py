"""Browsing history: the ads a signed-in user viewed (recorded by `views.record_view`), each once with
the last time he did, newest first. As with the saved lists, only the ads active now are listed."""

from __future__ import annotations

from protocols import market as wire
from protocols.envelope import Actor
from storage.models.market import Listing, ViewedAd

from . import queries
from .dealers import ads_of
from .deps import MarketDeps
from .handlers import handlers


@handlers.on(wire.ListHistory)
async def list_history(cmd: wire.ListHistory, actor: Actor, deps: MarketDeps) -> wire.AdPage:
    where = [ViewedAd.user_id == actor.require_user(), Listing.status == wire.AdStatus.ACTIVE.value]
    order = (ViewedAd.viewed_at.desc(), ViewedAd.listing_id.desc())
    async with deps.read_db() as db:
        rows, total = await queries.page_through(db, ViewedAd, where, order, cmd.offset, cmd.limit)
        return wire.AdPage(items=await ads_of(deps, db, rows), total=total)
