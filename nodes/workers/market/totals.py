"""How many ads match a search, kept for a while by each market worker.

The count is what a broad search spends most on (it visits every matching ad, where a page is read
off an index), and clients ask it again for every page and every order of the same search. So a
search's total is kept for `[market] search_total_ttl_s`, and forgotten at once when listings change:
by the worker that changed them, and by every other replica when it hears `ListingsChanged`. A count
taken while a change lands is not kept (the generation moved on meanwhile), so a kept total is never
older than the last change this worker heard of; a lost event leaves it at most one TTL old.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

MOST_KEPT = 4096  # searches whose totals are kept; the least recently asked go first


class SearchTotals:
    def __init__(self, ttl_s: float, most: int = MOST_KEPT) -> None:
        self.ttl_s = ttl_s
        self.most = most
        self._kept: OrderedDict[str, tuple[float, int]] = OrderedDict()  # key -> (counted at, total)
        self._generation = 0

    def kept(self, key: str) -> int | None:
        """The kept total of the search `key` names, if it is still fresh."""
        kept = self._kept.get(key)
        if kept is None or time.monotonic() - kept[0] >= self.ttl_s:
            return None
        self._kept.move_to_end(key)
        return kept[1]

    @property
    def generation(self) -> int:
        """Moves on with every change heard: take it before counting, give it to `keep`."""
        return self._generation

    def keep(self, key: str, total: int, generation: int) -> None:
        """Keeps a total counted since `generation`, unless listings changed meanwhile."""
        if self.ttl_s > 0 and generation == self._generation:
            self._kept[key] = (time.monotonic(), total)
            self._kept.move_to_end(key)
            while len(self._kept) > self.most:
                self._kept.popitem(last=False)

    async def total(self, key: str, count: Callable[[], Awaitable[int]]) -> int:
        """The kept total of the search `key` names, else `count()`'s (kept if nothing changed meanwhile)."""
        kept = self.kept(key)
        if kept is not None:
            return kept
        generation = self._generation
        counted = await count()
        self.keep(key, counted, generation)
        return counted

    def forget(self) -> None:
        """Listings changed: no kept total holds any more."""
        self._generation += 1
        self._kept.clear()
