"""What the matching handlers need, opened once per worker process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from nodes.workers.database import domain_database
from protocols.envelope import DomainError, decode_data, decode_request
from protocols.market_barter import BarterItemsChanged

from .pool_cache import PoolCache

log = logging.getLogger(__name__)


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
    pool: PoolCache  # this process's copy of the market's active barter items
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
    pool = PoolCache(bus, settings.matching.pool_page)

    async def patch_pool(msg: Msg) -> None:
        try:
            changed = decode_data(BarterItemsChanged, decode_request(msg.data).data)
            if changed.item_ids:
                await pool.heard(changed.item_ids)
        except DomainError as exc:  # malformed, or the market did not answer: the next full run mends it
            log.warning("the pool's copy missed a change: %s", exc.message)

    # Outside the queue group: every worker's copy hears every change (see pool_cache).
    subscription = await bus.subscribe(BarterItemsChanged.subject, patch_pool)
    try:
        yield MatchingDeps(settings=settings, db=database.write, read_db=database.read, bus=bus, pool=pool)
    finally:
        with suppress(NatsError):  # the connection went first: the subscription went with it
            await subscription.unsubscribe()
        await database.dispose()
