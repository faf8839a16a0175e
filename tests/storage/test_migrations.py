"""Migrations run up from empty on both databases and match the models exactly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from storage.engine import create_engine, is_sqlite, session_factory
from storage.migrate import alembic_config, current_revision, downgrade, head_revision, upgrade
from storage.models import Base
from storage.models.identity import User
from storage.models.market import SearchDocument
from storage.reference.vehicles import vehicle_rows


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


def _revision_of(module_suffix: str) -> tuple[str, str]:
    """The revision whose file ends so, and the one before it (found by name: revisions get renumbered)."""
    script = ScriptDirectory.from_config(alembic_config(""))
    found = next(r for r in script.walk_revisions() if r.path.endswith(module_suffix))
    assert isinstance(found.down_revision, str)
    return found.revision, found.down_revision


async def test_vehicle_prices_reach_a_catalog_loaded_without_them(database_url: str) -> None:
    prices_revision, before = _revision_of("_vehicle_prices.py")
    await upgrade(database_url, before)
    engine = create_engine(database_url)
    read = text("SELECT id, price_new_rub FROM catalog_modifications ORDER BY id")
    expected = [(r["id"], r["price_new_rub"]) for r in vehicle_rows()["catalog_modifications"]]
    try:
        async with engine.begin() as conn:  # a catalog loaded from the file before it had the prices
            await conn.execute(text("UPDATE catalog_modifications SET price_new_rub = NULL"))
        await upgrade(database_url, prices_revision)
        async with engine.connect() as conn:
            assert [tuple(r) for r in await conn.execute(read)] == expected
        assert any(price is not None for _, price in expected)  # so the upgrade did set some
        await downgrade(database_url, before)  # leaves the prices as they are
        async with engine.connect() as conn:
            assert [tuple(r) for r in await conn.execute(read)] == expected
    finally:
        await engine.dispose()
