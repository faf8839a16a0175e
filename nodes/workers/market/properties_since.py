"""The properties written since a cursor, for the realty worker's catch-up (`PublishedSince`): the
`PropertyPublished` events it would have taken, had one been running when they were published."""

from __future__ import annotations

from protocols import market_realty as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role

from . import properties_queries as queries
from .deps import MarketDeps
from .handlers import handlers
from .properties import property_of, published_event


@handlers.on(wire.PublishedSince)
async def published_since(cmd: wire.PublishedSince, actor: Actor, deps: MarketDeps) -> wire.PublishedPage:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "workers only")
    async with deps.read_db() as db:
        found = await queries.written_after(db, cmd.after, cmd.after_id or 0, cmd.limit)
    items = [property_of(deps, pair, []) for pair in found]
    return wire.PublishedPage(items=[published_event(item, first=False) for item in items])
