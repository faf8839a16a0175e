"""What the identity handlers need, opened once per worker process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from storage.engine import create_engine, session_factory

from nodes.runtime.settings import Settings

from .passwords import PasswordHashing


@dataclass(frozen=True)
class IdentityDeps:
    db: async_sessionmaker[AsyncSession]
    passwords: PasswordHashing


@asynccontextmanager
async def open_deps(settings: Settings) -> AsyncIterator[IdentityDeps]:
    engine = create_engine(settings.database.url, pool_size=settings.database.pool_size, echo=settings.database.echo)
    try:
        yield IdentityDeps(db=session_factory(engine), passwords=PasswordHashing())
    finally:
        await engine.dispose()
