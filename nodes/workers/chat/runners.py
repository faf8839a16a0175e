"""Where a batch transaction (`batch.store_batch`) runs.

SQLite: in one dedicated thread with a synchronous connection. Through aiosqlite every statement of
a batch was a round trip between the event loop and the driver's thread; a batch is now one, and the
worker's event loop is free for NATS while SQLite works. Its statements go to the sqlite3 cursor
(`SqliteStatements`). PostgreSQL: through the async engine (asyncpg), with `run_sync` running the
same function on Core (`CoreStatements`).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_sqlite_thread_engine, is_sqlite

from .batch import Outcome, Send, store_batch
from .statements import CoreStatements, SqliteBinds, SqliteStatements

log = logging.getLogger(__name__)

# How long a batch keeps trying while another connection holds SQLite's write lock, beyond the
# busy timeout each attempt already waits: a batch that gives up fails every send in it.
BUSY_RETRY_S = 30.0


class BatchRunner(Protocol):
    async def run(self, batch: list[Send], look_up_retries: bool) -> list[Outcome]: ...

    async def close(self) -> None: ...


class SqliteThreadRunner:
    def __init__(self, url: str) -> None:
        self._engine = create_sqlite_thread_engine(url)
        self._binds = SqliteBinds.of(self._engine.dialect)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-writer")

    async def run(self, batch: list[Send], look_up_retries: bool) -> list[Outcome]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._in_thread, batch, look_up_retries)

    def _in_thread(self, batch: list[Send], look_up_retries: bool) -> list[Outcome]:
        deadline = time.monotonic() + BUSY_RETRY_S
        while True:
            try:
                with self._engine.begin() as conn:
                    return store_batch(SqliteStatements(conn, self._binds), batch, look_up_retries)
            except OperationalError as exc:
                # Busy: the transaction rolled back whole, so the batch is simply tried again.
                busy = getattr(exc.orig, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() > deadline:
                    raise
                log.warning("SQLite is busy: retrying a batch of %d messages", len(batch))

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._thread, self._engine.dispose)  # the connection's own thread
        self._thread.shutdown(wait=True)


class AsyncEngineRunner:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def run(self, batch: list[Send], look_up_retries: bool) -> list[Outcome]:
        async with self._engine.begin() as conn:
            return await conn.run_sync(_store_with_core, batch, look_up_retries)

    async def close(self) -> None:
        pass  # the engine belongs to the worker's deps


def _store_with_core(conn: Connection, batch: list[Send], look_up_retries: bool) -> list[Outcome]:
    return store_batch(CoreStatements(conn), batch, look_up_retries)


def batch_runner(url: str, engine: AsyncEngine) -> BatchRunner:
    return SqliteThreadRunner(url) if is_sqlite(url) else AsyncEngineRunner(engine)
