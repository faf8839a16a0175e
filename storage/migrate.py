"""Applying migrations from code (`souk migrate`, `souk run`, test fixtures)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import text

from .engine import create_engine

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


def alembic_config(url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.attributes["url"] = url
    return config


def head_revision() -> str:
    """The newest migration shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


class MigrationError(Exception):
    """A revision Alembic cannot go to (unknown, or the wrong way); the text says which."""


def upgrade_sync(url: str, revision: str = "head") -> None:
    try:
        command.upgrade(alembic_config(url), revision)
    except CommandError as exc:
        raise MigrationError(str(exc)) from None


async def upgrade(url: str, revision: str = "head") -> None:
    # Alembic's env.py runs its own event loop, so it gets a thread of its own.
    await asyncio.to_thread(upgrade_sync, url, revision)


def downgrade_sync(url: str, revision: str) -> None:
    try:
        command.downgrade(alembic_config(url), revision)
    except CommandError as exc:
        raise MigrationError(str(exc)) from None


async def downgrade(url: str, revision: str) -> None:
    """Undo migrations down to `revision` (`base`: all of them; `-1`: the last one)."""
    await asyncio.to_thread(downgrade_sync, url, revision)


async def current_revision(url: str) -> str | None:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            exists = await connection.run_sync(lambda sync: sync.dialect.has_table(sync, "alembic_version"))
            if not exists:
                return None
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
            return str(version) if version is not None else None
    finally:
        await engine.dispose()
