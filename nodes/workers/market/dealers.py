"""Ads as the wire's `Ad`, with their media and the company of each dealer's ad: asked of identity
(which owns the dealers' profiles) once per reply, only when it holds a dealer's ad whose company
this worker has not kept (`companies`)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from protocols import identity
from protocols import market as wire

from .deps import MarketDeps
from .queries import Row
from .shapes import ads


async def companies(deps: MarketDeps, rows: Sequence[Row]) -> dict[int, identity.DealerCompany]:
    """The company of each dealer owning one of `rows`' dealer ads, by owner: kept ones, and those
    identity is asked for (one request for them all)."""
    dealers = sorted(
        {listing.owner_id for listing, vehicle in rows if vehicle is not None and vehicle.is_dealer}
    )
    found, missing = deps.companies.known(dealers)
    if not missing:
        return found
    asked_at = time.monotonic()
    answered = await deps.bus.request(identity.ListDealerProfiles(user_ids=missing))
    fresh = {
        p.user_id: identity.DealerCompany(company_name=p.company_name, phone=p.phone, logo_url=p.logo_url)
        for p in answered.items
    }
    deps.companies.keep(missing, fresh, asked_at)
    return found | fresh


async def ads_of(deps: MarketDeps, db: AsyncSession, rows: Sequence[Row]) -> list[wire.Ad]:
    """The ads of `rows` as the wire gives them: with their media (read on `db`) and dealers' companies."""
    return await ads(db, rows, deps.media, await companies(deps, rows))


async def ad_of(deps: MarketDeps, db: AsyncSession, row: Row) -> wire.Ad:
    [one] = await ads_of(deps, db, [row])
    return one
