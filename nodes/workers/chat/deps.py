"""What the chat handlers need, opened once per worker process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from storage.engine import create_engine, session_factory

from .participants import ParticipantCache
from .runners import batch_runner
from .writer import MessageWriter


@dataclass(frozen=True)
class ChatDeps:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    bus: Bus | None
    participants: ParticipantCache
    writer: MessageWriter


@asynccontextmanager
async def open_deps(settings: Settings, bus: Bus | None) -> AsyncIterator[ChatDeps]:
    engine = create_engine(
        settings.database.url, pool_size=settings.database.pool_size, echo=settings.database.echo
    )
    db = session_factory(engine)
    participants = ParticipantCache(db)
    writer = MessageWriter(batch_runner(settings.database.url, engine), bus, participants)
    writer.start()
    try:
        yield ChatDeps(settings=settings, db=db, bus=bus, participants=participants, writer=writer)
    finally:
        await writer.stop()
        await engine.dispose()
