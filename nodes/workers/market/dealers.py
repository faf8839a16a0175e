"""Ads as the wire's `Ad`, with the company of each dealer's ad: asked of identity (which owns the
dealers' profiles) once per reply, and only when it holds a dealer's ad."""

from __future__ import annotations

from collections.abc import Sequence

from protocols import identity
from protocols import market as wire

from .deps import MarketDeps
from .queries import Row
from .shapes import ad


async def ads_of(deps: MarketDeps, rows: Sequence[Row]) -> list[wire.Ad]:
    dealers = sorted(
        {listing.owner_id for listing, vehicle in rows if vehicle is not None and vehicle.is_dealer}
    )
    companies: dict[int, identity.DealerCompany] = {}
    if dealers:
        found = await deps.bus.request(identity.ListDealerProfiles(user_ids=dealers))
        companies = {
            p.user_id: identity.DealerCompany(company_name=p.company_name, phone=p.phone, logo_url=p.logo_url)
            for p in found.items
        }
    return [ad(row, companies.get(row[0].owner_id) if row[1] and row[1].is_dealer else None) for row in rows]


async def ad_of(deps: MarketDeps, row: Row) -> wire.Ad:
    [one] = await ads_of(deps, [row])
    return one
