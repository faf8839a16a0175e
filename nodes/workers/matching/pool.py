"""The matching pool: the market's active barter items, read a page at a time as the system, less
the items already held by a proposed or active exchange."""

from __future__ import annotations

from collections.abc import Sequence

from protocols.envelope import Actor
from protocols.fields import BARTER_POOL_PAGE_MAX
from protocols.market_barter import BarterItem, ReadBarterPool

from . import queries
from .deps import MatchingDeps


async def read_pool(deps: MatchingDeps, owner_ids: Sequence[int] | None = None) -> list[BarterItem]:
    """The active items that no open exchange holds (of some owners only, when given)."""
    page_size = min(deps.settings.matching.pool_page, BARTER_POOL_PAGE_MAX)
    owners = list(owner_ids) if owner_ids is not None else None
    items: list[BarterItem] = []
    after: int | None = 0
    while after is not None:
        cmd = ReadBarterPool(after_id=after, limit=page_size, owner_ids=owners)
        page = await deps.bus.request(cmd, actor=Actor.system())
        items.extend(page.items)
        after = page.next_after_id
    async with deps.read_db() as db:
        claimed = await queries.claimed_items(db)
    return [item for item in items if item.id not in claimed]
