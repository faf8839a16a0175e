"""What the advisor handlers need, opened once per worker process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from nodes.workers.database import domain_database


@dataclass(frozen=True)
class AdvisorDeps:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    read_db: async_sessionmaker[AsyncSession]  # for handlers that only read: no write lock on SQLite
    bus: Bus  # references are the catalog's, ads the market's, messages the chat's


@asynccontextmanager
async def open_deps(settings: Settings, bus: Bus | None) -> AsyncIterator[AdvisorDeps]:
    if bus is None:
        raise RuntimeError("the advisor asks the catalog, the market and the chat")
    database = domain_database(settings)
    try:
        yield AdvisorDeps(settings=settings, db=database.write, read_db=database.read, bus=bus)
    finally:
        await database.dispose()
