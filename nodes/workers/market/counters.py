"""Ad view counters, written in batches.

A view is decided exactly, once per viewer per day, by its row in `market_listing_views` (the
handler inserts it at once). What waits is the `views_count` increment: each worker adds the views it
counted here, and writes them every `[market] view_flush_interval_s`, or as soon as it holds
`view_flush_max`, as one UPDATE per ad in one transaction. A worker stopping cleanly writes what it
holds before its database closes (`close`). A crash (the process killed) loses what was not written
yet: the counters then fall short by at most one flush's views of that worker, never over; the view
rows stay, so the truth can still be counted from them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import queries

log = logging.getLogger(__name__)


class ViewCounter:
    def __init__(
        self,
        db: async_sessionmaker[AsyncSession],
        read_db: async_sessionmaker[AsyncSession],
        *,
        every_s: float,
        most: int,
    ) -> None:
        self._db = db
        self._read_db = read_db
        self._every_s = every_s
        self._most = most
        self._pending: Counter[int] = Counter()  # counted, not yet being written
        self._held = 0
        self._lock = asyncio.Lock()  # one flush at a time
        # Readers add what is stored to what is held; a flush moving views from one to the other
        # while they read would show those views twice or not at all, so a reader that overlapped
        # one reads again (`_flushes` counts the flushes begun; `_idle` is set between them).
        self._flushes = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="market-view-counter")

    def add(self, listing_id: int) -> None:
        self._pending[listing_id] += 1
        self._held += 1
        if self._held >= self._most:
            self._wake.set()

    async def total(self, listing_id: int) -> int:
        """The ad's views: those written, and those this worker holds; exact for one worker (another
        replica's unwritten views are not seen: the count lags by at most their one flush)."""
        while True:
            await self._idle.wait()
            began = self._flushes
            async with self._read_db() as db:
                stored = await queries.views_count(db, listing_id)
            if self._flushes == began and self._idle.is_set():
                return stored + self._pending.get(listing_id, 0)

    async def flush(self) -> int:
        """Write what is held; how many views. On failure they are held again for the next flush."""
        async with self._lock:
            if not self._pending:
                return 0
            self._idle.clear()
            self._flushes += 1
            writing, self._pending, self._held = self._pending, Counter(), 0
            try:
                async with self._db() as db:
                    await queries.add_views(db, writing)
                    await db.commit()
            except BaseException:
                self._pending.update(writing)
                self._held = self._pending.total()
                raise
            finally:
                self._idle.set()
            return writing.total()

    async def close(self) -> None:
        """Stop the timer, letting a flush under way finish, then write the rest."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await asyncio.wait([self._task])
            self._task = None
        try:
            await self.flush()
        except Exception:
            log.exception("views not written at shutdown: %d lost from the counters", self._held)

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._every_s)
            self._wake.clear()
            if self._stopping:
                return  # `close` writes the rest
            try:
                await self.flush()
            except Exception as exc:  # noqa: BLE001 - held again; the next flush tries them again
                log.warning("could not write view counters (%r); retrying with the next flush", exc)
