"""What the chat handlers need, opened once per worker process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from nodes.workers.database import domain_database

from .participants import ParticipantCache
from .runners import batch_runner
from .writer import MessageWriter


@dataclass(frozen=True)
class ChatDeps:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    read_db: async_sessionmaker[AsyncSession]  # for handlers that only read: no write lock on SQLite
    bus: Bus | None
    participants: ParticipantCache
    writer: MessageWriter


@asynccontextmanager
async def open_deps(settings: Settings, bus: Bus | None) -> AsyncIterator[ChatDeps]:
    database = domain_database(settings)
    db = database.write
    participants = ParticipantCache(database.read)
    writer = MessageWriter(batch_runner(settings.database.url, database.write_engine), bus, participants)
    writer.start()
    try:
        yield ChatDeps(
            settings=settings, db=db, read_db=database.read, bus=bus, participants=participants, writer=writer
        )
    finally:
        await writer.stop()
        await database.dispose()
