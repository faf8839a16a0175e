"""The market's active barter items, kept in this matching process so that a listing change's
re-match reads none of the pool over NATS.

Loaded whole (a page at a time) when first needed, read again whole by every everyone's run (the
scheduled one among them), so a copy that missed an announcement (a reconnection, an item whose
status changed without one) is right again by the next full run. In between it is patched from each
`BarterItemsChanged`: only the changed items are fetched (`GetBarterItems`) and kept if active.

Every matching worker keeps a copy, and the queue group hands each announcement to one of them only:
so the copies are patched from a subscription outside the queue group (deps.open_deps), which every
worker hears, while the re-match itself stays in the queue group (changes.py). The worker that
re-matches also patches first, so its run sees the change whichever of its two deliveries comes
first (the item is fetched twice there: a few items, one request).

Only the items are kept, not the engine's item graph: the graph is compressed arrays that the engine
builds whole (`build_graph`) and offers no way to patch, so a re-match builds it from these items.
One lock orders the load and the patches: a patch waits for a load under way, then fetches the
item's state as of after its announcement.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from nodes.runtime.bus import Bus
from protocols.envelope import Actor
from protocols.fields import BARTER_POOL_PAGE_MAX
from protocols.market import AdStatus
from protocols.market_barter import BarterItem, GetBarterItems, ReadBarterPool


class PoolCache:
    def __init__(self, bus: Bus, page_size: int) -> None:
        self._bus = bus
        self._page = min(page_size, BARTER_POOL_PAGE_MAX)
        self._items: dict[int, BarterItem] | None = None  # None: not loaded yet
        self._lock = asyncio.Lock()

    async def items(self, *, reload: bool = False) -> list[BarterItem]:
        """The active items (read whole first when `reload`, or when never read)."""
        async with self._lock:
            if reload or self._items is None:
                self._items = {item.id: item for item in await self._read_all()}
            return list(self._items.values())

    async def patch(self, item_ids: Sequence[int]) -> set[int]:
        """The items' state fetched and written into the copy (when loaded); which of them are active."""
        async with self._lock:
            return self._apply(item_ids, await self._fetch(item_ids))

    async def heard(self, item_ids: Sequence[int]) -> None:
        """An announcement heard outside the queue group: the copy patched, if there is one yet (a load
        under way is waited for; none started: nothing to fetch, the load will read it whole)."""
        async with self._lock:
            if self._items is not None:
                self._apply(item_ids, await self._fetch(item_ids))

    def _apply(self, item_ids: Sequence[int], fetched: list[BarterItem]) -> set[int]:
        active = {item.id: item for item in fetched if item.status is AdStatus.ACTIVE}
        if self._items is not None:
            for item_id in item_ids:
                self._items.pop(item_id, None)
            self._items.update(active)
        return set(active)

    async def _fetch(self, item_ids: Sequence[int]) -> list[BarterItem]:
        found: list[BarterItem] = []
        ids = list(dict.fromkeys(item_ids))
        for start in range(0, len(ids), BARTER_POOL_PAGE_MAX):
            chunk = GetBarterItems(item_ids=ids[start : start + BARTER_POOL_PAGE_MAX])
            found.extend((await self._bus.request(chunk, actor=Actor.system())).items)
        return found

    async def _read_all(self) -> list[BarterItem]:
        items: list[BarterItem] = []
        after: int | None = 0
        while after is not None:
            page = await self._bus.request(
                ReadBarterPool(after_id=after, limit=self._page), actor=Actor.system()
            )
            items.extend(page.items)
            after = page.next_after_id
        return items
