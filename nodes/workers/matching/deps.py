"""What the matching handlers need, opened once per worker process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from nodes.workers.database import domain_database


class Coalesced:
    """Re-matches asked for while one runs wait, and run as one: a burst of listing changes (a user
    writing many items, an import) costs a few runs around all their owners, not one run each."""

    def __init__(self) -> None:
        self._waiting: set[int] = set()
        self._lock = asyncio.Lock()

    async def run(self, users: Iterable[int], work: Callable[[list[int]], Awaitable[object]]) -> None:
        self._waiting.update(users)
        async with self._lock:
            if not self._waiting:
                return  # an earlier turn took these users along
            focus, self._waiting = sorted(self._waiting), set()
            await work(focus)


@dataclass(frozen=True)
class MatchingDeps:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    read_db: async_sessionmaker[AsyncSession]  # for handlers that only read: no write lock on SQLite
    bus: Bus  # the pool is the market's; participants are told through notify
    # One solve at a time in a process: the engine takes a core (and its memory) while it works.
    solving: asyncio.Lock = field(default_factory=asyncio.Lock)
    rematch: Coalesced = field(default_factory=Coalesced)


@asynccontextmanager
async def open_deps(settings: Settings, bus: Bus | None) -> AsyncIterator[MatchingDeps]:
    if bus is None:
        raise RuntimeError(
            "matching reads the market's pool and tells people through notify: it needs the bus"
        )
    database = domain_database(settings)
    try:
        yield MatchingDeps(settings=settings, db=database.write, read_db=database.read, bus=bus)
    finally:
        await database.dispose()
