"""A worker domain's database, opened from the settings every domain shares."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from nodes.runtime.settings import Settings
from storage.engine import Database, open_database


def domain_database(settings: Settings) -> Database:
    db = settings.database
    return open_database(db.url, pool_size=db.pool_size, echo=db.echo)


def is_postgresql(db: AsyncSession) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def dialect_insert(db: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    """Each database's INSERT, for its ON CONFLICT DO NOTHING (the same SQL on both)."""
    if is_postgresql(db):
        return postgresql.insert(table)
    return sqlite.insert(table)
