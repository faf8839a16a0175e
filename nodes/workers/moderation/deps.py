"""What the moderation handlers need, opened once per worker process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from nodes.workers.database import domain_database


@dataclass(frozen=True)
class ModerationDeps:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    read_db: async_sessionmaker[AsyncSession]  # for handlers that only read: no write lock on SQLite
    # Reported ads are checked, moderated and hidden by the market; users checked and banned by
    # identity; the people a resolution concerns told through notify.
    bus: Bus


@asynccontextmanager
async def open_deps(settings: Settings, bus: Bus | None) -> AsyncIterator[ModerationDeps]:
    if bus is None:
        raise RuntimeError("moderation asks the market, identity and notify: it needs the bus")
    database = domain_database(settings)
    try:
        yield ModerationDeps(settings=settings, db=database.write, read_db=database.read, bus=bus)
    finally:
        await database.dispose()
