"""What the realty handlers need, opened once per worker process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from nodes.workers.database import domain_database


@dataclass(frozen=True)
class RealtyDeps:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    read_db: async_sessionmaker[AsyncSession]  # for handlers that only read: no write lock on SQLite
    bus: Bus  # properties are the market's, cities the catalog's, settings identity's; notices go to notify


@asynccontextmanager
async def open_deps(settings: Settings, bus: Bus | None) -> AsyncIterator[RealtyDeps]:
    if bus is None:
        raise RuntimeError("realty asks the market, the catalog and identity, and tells through notify")
    database = domain_database(settings)
    try:
        yield RealtyDeps(settings=settings, db=database.write, read_db=database.read, bus=bus)
    finally:
        await database.dispose()
