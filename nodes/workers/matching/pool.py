"""The matching pool: the market's active barter items (this process's copy, `pool_cache`), less the
items already held by a proposed or active exchange (read from the claims at each run: other workers'
runs claim and release items without telling this one)."""

from __future__ import annotations

from protocols.market_barter import BarterItem

from . import queries
from .deps import MatchingDeps


async def read_pool(deps: MatchingDeps, *, reload: bool = False) -> list[BarterItem]:
    """The active items that no open exchange holds; read whole from the market first when `reload`."""
    items = await deps.pool.items(reload=reload)
    async with deps.read_db() as db:
        claimed = await queries.claimed_items(db)
    return [item for item in items if item.id not in claimed]
