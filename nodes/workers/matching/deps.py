"""What the matching handlers need, opened once per worker process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from nodes.workers.database import domain_database


@dataclass(frozen=True)
class MatchingDeps:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    read_db: async_sessionmaker[AsyncSession]  # for handlers that only read: no write lock on SQLite
    bus: Bus  # the pool is the market's; participants are told through notify


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
