"""Active ads summed up per modification (`SummarizeModificationAds`), which the advisor prices its
cars by: ranges and counts, and the few cheapest ads of each. Only RUB prices count (see the command)."""

from __future__ import annotations

from protocols import market as wire
from protocols.envelope import Actor

from . import modification_ads_queries as queries
from .deps import MarketDeps
from .handlers import handlers

CURRENCY = "RUB"


@handlers.on(wire.SummarizeModificationAds)
async def summarize(
    cmd: wire.SummarizeModificationAds, _actor: Actor, deps: MarketDeps
) -> wire.ModificationAdsPage:
    condition = None if cmd.condition is None else cmd.condition.value
    where = queries.active_priced_in(CURRENCY, cmd.city_id, condition)
    async with deps.read_db() as db:
        ranges = await queries.ranges(db, where, cmd.after_id, cmd.limit)
        if not ranges:
            return wire.ModificationAdsPage(items=[], next_after_id=None)
        ads: dict[int, list[wire.AdDigest]] = {}
        if cmd.cheapest:
            rows = await queries.cheapest(db, where, ranges[0][0], ranges[-1][0], cmd.cheapest)
            for row in rows:
                digest = wire.AdDigest(
                    id=row.id, title=row.title, price=row.price, currency=row.currency, year=row.year,
                    mileage=row.mileage, city_id=row.city_id,
                )  # fmt: skip
                ads.setdefault(row.modification_id, []).append(digest)
    items = [
        wire.ModificationAds(
            modification_id=m, price_min=low, price_max=high, count=count, cheapest=ads.get(m, [])
        )
        for m, low, high, count in ranges
    ]
    more = len(ranges) == cmd.limit
    return wire.ModificationAdsPage(items=items, next_after_id=items[-1].modification_id if more else None)
