"""What the garage handlers need, opened once per worker process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from nodes.workers.database import domain_database

from .owners import PublicIds


@dataclass(frozen=True)
class GarageDeps:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    read_db: async_sessionmaker[AsyncSession]  # for handlers that only read: no write lock on SQLite
    public_ids: PublicIds  # the owners' public ids, asked of identity
    bus: Bus  # identity asked who referred a member, notify told of reminders, deleted vehicles announced


@asynccontextmanager
async def open_deps(settings: Settings, bus: Bus | None) -> AsyncIterator[GarageDeps]:
    if bus is None:
        raise RuntimeError("garage asks identity for its members' public ids: it needs the bus")
    database = domain_database(settings)
    try:
        yield GarageDeps(
            settings=settings, db=database.write, read_db=database.read, public_ids=PublicIds(bus), bus=bus
        )
    finally:
        await database.dispose()
