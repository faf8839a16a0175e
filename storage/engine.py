"""Async engines for SQLite (aiosqlite, the embedded default) and PostgreSQL (asyncpg, pooled)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",  # readers never block the writer
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",  # several worker processes may write the same file
    "PRAGMA synchronous=NORMAL",  # safe with WAL, far fewer fsyncs
)


def normalize_url(url: str) -> str:
    """Pick the async driver: `postgresql://` -> asyncpg, `sqlite://` -> aiosqlite."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def is_sqlite(url: str) -> bool:
    return normalize_url(url).startswith("sqlite")


# A failed statement's error names its parameters by default: message bodies, password hashes and
# token digests in the log. The SQL alone is enough to find the bug.
HIDE_PARAMETERS = True


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    url = normalize_url(url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # One connection per engine: SQLite runs one writer at a time anyway, and waiting in the
        # pool's queue is immediate and fair where waiting on the file lock means sleeping and
        # retrying. Between processes, BEGIN IMMEDIATE takes the write lock up front, so two
        # transactions can never deadlock upgrading a read to a write ("database is locked").
        engine = create_async_engine(
            url, echo=echo, pool_size=1, max_overflow=0, pool_timeout=60, hide_parameters=HIDE_PARAMETERS
        )
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        hide_parameters=HIDE_PARAMETERS,
    )


def create_sqlite_thread_engine(url: str) -> Engine:
    """A synchronous engine on the same SQLite file, for work that runs whole in a thread of its own
    (the chat writer's batches). Same pragmas and BEGIN IMMEDIATE as the async engine; its one
    connection must be used only by the thread that opened it."""
    sync_url = make_url(normalize_url(url)).set(drivername="sqlite")
    engine = create_sync_engine(
        sync_url, pool_size=1, max_overflow=0, pool_timeout=60, hide_parameters=HIDE_PARAMETERS
    )
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver's own BEGIN would be deferred: see below
    # SQLite's lower() folds ASCII only; searches must match "Подбор" as PostgreSQL does.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    _ensure_math(dbapi_connection, cursor)
    cursor.close()


# The radius search's distance (market) uses SQL's maths functions, built into SQLite 3.35+ only
# when it was compiled with them: a build without them gets Python's.
SQLITE_MATH = {
    "sin": math.sin,
    "cos": math.cos,
    "asin": math.asin,
    "sqrt": math.sqrt,
    "radians": math.radians,
}


def _ensure_math(dbapi_connection: Any, cursor: Any) -> None:
    try:
        cursor.execute("SELECT sin(0), cos(0), asin(0), sqrt(1), radians(0), pow(2, 2)")
    except Exception:  # noqa: BLE001 - the driver's OperationalError ("no such function"), by any name
        for name, function in SQLITE_MATH.items():
            dbapi_connection.create_function(name, 1, function, deterministic=True)
        dbapi_connection.create_function("pow", 2, math.pow, deterministic=True)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


# Readers of one SQLite file per process: in WAL mode they read side by side, and beside the writer.
SQLITE_READERS = 4


def _create_sqlite_reader(url: str, *, echo: bool) -> AsyncEngine:
    """Connections that only read: a deferred BEGIN takes no lock (a snapshot at the first read), and
    `query_only` refuses any write, so a handler given the wrong session fails loudly instead."""
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=SQLITE_READERS,
        max_overflow=0,
        pool_timeout=60,
        hide_parameters=HIDE_PARAMETERS,
    )
    event.listen(engine.sync_engine, "connect", _sqlite_reader_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_read_begin)
    return engine


def _sqlite_reader_connect(dbapi_connection: Any, record: Any) -> None:
    _sqlite_connect(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _sqlite_read_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


@dataclass(frozen=True)
class Database:
    """A domain's sessions: `write` for transactions that may write, `read` for those that only read.

    On SQLite a write transaction takes the file's write lock at its BEGIN (see `create_engine`); a
    read one must not, or every reader of every worker sharing the file would queue behind writers
    and each other. So reads get connections of their own. On PostgreSQL both are the one pool."""

    write: async_sessionmaker[AsyncSession]
    read: async_sessionmaker[AsyncSession]
    engines: tuple[AsyncEngine, ...]

    @property
    def write_engine(self) -> AsyncEngine:
        return self.engines[0]

    async def dispose(self) -> None:
        for engine in self.engines:
            await engine.dispose()


def open_database(url: str, *, pool_size: int = 10, echo: bool = False) -> Database:
    writer = create_engine(url, pool_size=pool_size, echo=echo)
    database = make_url(normalize_url(url)).database
    if not is_sqlite(url) or not database or database == ":memory:":
        sessions = session_factory(writer)  # an in-memory SQLite database lives in its one connection
        return Database(write=sessions, read=sessions, engines=(writer,))
    reader = _create_sqlite_reader(normalize_url(url), echo=echo)
    return Database(write=session_factory(writer), read=session_factory(reader), engines=(writer, reader))


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
