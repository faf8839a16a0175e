"""What the telemetry handlers and the intake need, opened once per worker process; the intake takes
batches from JetStream for as long as the deps are open."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from nodes.workers.database import domain_database

from .intake import Intake


@dataclass(frozen=True)
class TelemetryDeps:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    read_db: async_sessionmaker[AsyncSession]  # for handlers that only read: no write lock on SQLite
    bus: Bus  # fault notices go to notify


@asynccontextmanager
async def open_deps(settings: Settings, bus: Bus | None) -> AsyncIterator[TelemetryDeps]:
    if bus is None:
        raise RuntimeError("telemetry takes its batches from JetStream: it needs the bus")
    database = domain_database(settings)
    deps = TelemetryDeps(settings=settings, db=database.write, read_db=database.read, bus=bus)
    intake = Intake(deps)
    try:
        await intake.start()
        yield deps
    finally:
        await intake.stop()  # finishes the batches taken: stored and acknowledged, or left to redeliver
        await database.dispose()
