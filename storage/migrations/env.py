"""Alembic environment: async engines for both databases, batch mode for SQLite's ALTERs."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from storage.engine import create_engine, is_sqlite
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    url = (
        config.attributes.get("url")
        or config.get_main_option("sqlalchemy.url")
        or os.environ.get("SOUK_DATABASE_URL")
    )
    if not url:
        raise RuntimeError("no database URL: pass one to storage.migrate.upgrade or set SOUK_DATABASE_URL")
    return str(url)


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite(database_url()),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = create_engine(database_url(), pool_size=1)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_with)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(run_online())
