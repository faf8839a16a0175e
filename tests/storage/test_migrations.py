"""Migrations run up from empty on both databases and match the models exactly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from storage.engine import create_engine, is_sqlite, session_factory
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Base
from storage.models.identity import User
from storage.models.market import SearchDocument


# The descending indexes (year and mileage, unknown last) are expression-based to Alembic, which does
# not compare them on SQLite (PostgreSQL compares them).
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
async def test_migrations_run_up_from_empty_and_match_the_models(database_url: str) -> None:
    assert await current_revision(database_url) is None
    await upgrade(database_url)
    assert await current_revision(database_url) == head_revision()
    await upgrade(database_url)  # a second run is a no-op
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
            assert {"users", "identity_sessions", "alembic_version"} <= tables
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
            assert [d for d in diff if not _benign(d)] == []
    finally:
        await engine.dispose()


# The ads' text index is each database's own machinery, which no model describes: SQLite's FTS5 table
# (migration 0010) with the shadow tables FTS5 makes for it, PostgreSQL's stored vector column and its
# GIN index (0019).
VECTOR_TABLE, VECTOR_COLUMN = SearchDocument.VECTOR.split(".")


def _benign(diff: object) -> bool:
    if isinstance(diff, tuple) and diff[0] == "remove_table":
        return bool(diff[1].name.startswith(SearchDocument.FTS_TABLE))
    if isinstance(diff, tuple) and diff[0] == "remove_index":
        return [column.name for column in diff[1].columns] == [VECTOR_COLUMN]
    if isinstance(diff, tuple) and diff[0] == "remove_column":
        return (diff[2], diff[3].name) == (VECTOR_TABLE, VECTOR_COLUMN)
    # Server defaults and nullability of PK columns are written explicitly in the migration only.
    return isinstance(diff, list) and all(item[0] in ("modify_default", "modify_nullable") for item in diff)


async def test_case_insensitive_email_clash_is_refused_by_the_database(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    db = session_factory(engine)
    try:
        async with db() as session:
            session.add(User(email="A@x.io", email_normalized="a@x.io"))
            await session.commit()
        async with db() as session:
            session.add(User(email="a@X.io", email_normalized="a@x.io"))
            with pytest.raises(IntegrityError):
                await session.commit()
        async with db() as session:
            user = (await session.execute(text("SELECT 1"))).scalar()
            assert user == 1
            stored = await session.get(User, 1)
            assert stored is not None and stored.created_at.tzinfo is not None
            assert stored.created_at <= datetime.now(UTC)
    finally:
        await engine.dispose()


async def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'souk.db'}"
    assert is_sqlite(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 5000
    finally:
        await engine.dispose()


async def test_sqlite_lower_folds_every_alphabet(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'lower.db'}")
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT lower('Подбор КРОССОВЕРА Ä')")) == "подбор кроссовера ä"
    finally:
        await engine.dispose()
