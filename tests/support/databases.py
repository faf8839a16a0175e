"""Migrated databases for tests, copied from one template per test process.

Migrating each test's database anew cost a tenth of a second on each database and grows with every
migration the coming domains add; a copy costs a file copy (SQLite) or PostgreSQL's
`CREATE DATABASE ... TEMPLATE`. The templates are made on first use and dropped when the process ends.

On PostgreSQL a copy takes about a second and a drop as long again (each waits on the server's disk),
so neither is waited for in a test: the next test's copy is made while this one runs, and a finished
test's database is dropped behind it, on a thread of their own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import shutil
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from storage.migrate import upgrade
from storage.testing import create_scratch_database, drop_scratch_database

T = TypeVar("T")


class _Chores:
    """An event loop on a thread of its own, for database work no test waits on."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="scratch-databases", daemon=True)
        self._thread.start()

    def submit(self, work: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


class MigratedTemplates:
    def __init__(self, root: Path, postgres_admin_url: str) -> None:
        self._root = root
        self._admin_url = postgres_admin_url
        self._sqlite: Path | None = None
        self._postgres: str | None = None
        self._chores: _Chores | None = None
        self._next: concurrent.futures.Future[str] | None = None  # the next test's copy, being made
        self._drops: list[concurrent.futures.Future[None]] = []

    async def sqlite(self, path: Path) -> str:
        """A migrated SQLite database at `path`."""
        if self._sqlite is None:
            template = self._root / "template.db"
            await upgrade(f"sqlite+aiosqlite:///{template}")
            self._sqlite = template
        shutil.copyfile(self._sqlite, path)
        return f"sqlite+aiosqlite:///{path}"

    async def postgres(self) -> str:
        """A migrated PostgreSQL scratch database, to be handed back to `release`."""
        if self._postgres is None:
            template = await create_scratch_database(self._admin_url)
            await upgrade(template)
            self._postgres = template
            self._chores = _Chores()
        assert self._chores is not None
        made = self._next or self._copy()
        self._next = self._copy()
        return await asyncio.wrap_future(made)

    def release(self, url: str) -> None:
        """Drop a test's database, without waiting for it."""
        assert self._chores is not None
        self._drops.append(self._chores.submit(drop_scratch_database(self._admin_url, url)))

    def _copy(self) -> concurrent.futures.Future[str]:
        assert self._chores is not None and self._postgres is not None
        return self._chores.submit(create_scratch_database(self._admin_url, template=self._postgres))

    def drop(self) -> None:
        if self._next is not None:
            self.release(self._next.result())
        for dropped in self._drops:
            dropped.result()
        if self._chores is not None:
            self._chores.close()
        if self._postgres is not None:
            asyncio.run(drop_scratch_database(self._admin_url, self._postgres))
