"""Throwaway PostgreSQL databases for tests: each cluster gets an empty database of its own."""

from __future__ import annotations

import secrets

import asyncpg
from sqlalchemy.engine import make_url

from .engine import normalize_url


def _asyncpg_dsn(url: str) -> str:
    return make_url(normalize_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


async def postgres_available(admin_url: str) -> bool:
    try:
        conn = await asyncpg.connect(_asyncpg_dsn(admin_url), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


async def create_scratch_database(admin_url: str, *, template: str | None = None) -> str:
    """Create a database beside `admin_url`'s and return its URL: empty, or a copy of the scratch
    database `template` names (PostgreSQL copies it file by file, far quicker than migrating)."""
    name = f"souk_t_{secrets.token_hex(6)}"
    copy_of = f' TEMPLATE "{_scratch_name(template)}"' if template else ""
    conn = await asyncpg.connect(_asyncpg_dsn(admin_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"{copy_of}')
    finally:
        await conn.close()
    return make_url(normalize_url(admin_url)).set(database=name).render_as_string(hide_password=False)


def _scratch_name(url: str) -> str:
    name = make_url(url).database
    if not name or not name.startswith("souk_t_"):
        raise ValueError(f"{name!r} is not a scratch database")
    return name


async def drop_scratch_database(admin_url: str, url: str) -> None:
    name = _scratch_name(url)
    conn = await asyncpg.connect(_asyncpg_dsn(admin_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
