"""Matching both ways (protocols.market_realty's rules):

- a published property (`PropertyPublished`, taken by one realty worker of the queue group) is compared
  with every open request in one indexed query (`queries.requests_matching`), and its matches are
  rewritten in the same transaction; buyers of new matches are told (`catch_up` does the same for the
  events no realty worker was running to take);
- a written request asks the market (`SearchProperties`, its criteria as filters) for the active
  properties it matches (`properties.search`) before it is stored, and is stored with its matches in
  one transaction; owners of new matches are told of a new buyer.

Either way the notices are sent after the commit, from the matches table (`notices`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from protocols.envelope import Actor
from protocols.market_realty import Property, PropertyPublished
from storage.models.realty import BuyerRequest
from storage.reference.districts import match_key

from . import queries
from .deps import RealtyDeps
from .handlers import handlers
from .notices import tell_pending
from .properties import search


@handlers.on(PropertyPublished)
async def property_published(event: PropertyPublished, _actor: Actor, deps: RealtyDeps) -> None:
    async with deps.db() as db:
        await store_property_matches(db, deps, event, datetime.now(UTC))
        await db.commit()
    await tell_pending(deps)


async def store_property_matches(
    db: AsyncSession, deps: RealtyDeps, event: PropertyPublished, now: datetime
) -> int:
    """The published property's matches rewritten on `db` (the caller commits); how many are new."""
    district = match_key(event.city_id, event.district) if event.district else None
    matching = queries.requests_matching(event, deps.settings.realty.rub_per_unit(), district)
    return await queries.match_property(db, event, matching, now)


async def matching_properties(deps: RealtyDeps, row: BuyerRequest) -> list[Property]:
    """The active properties an open request matches now, newest first (none in a city not known)."""
    return await search(deps, row) if row.city_id is not None else []


async def store_matches(db: AsyncSession, row: BuyerRequest, found: list[Property]) -> None:
    await queries.match_request(db, row, [(item.id, item.owner_id) for item in found], datetime.now(UTC))
