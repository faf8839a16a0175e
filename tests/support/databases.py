"""Migrated databases for tests, copied from one template per test process.

Migrating each test's database anew cost a tenth of a second on each database and grows with every
migration the coming domains add; a copy costs a file copy (SQLite) or PostgreSQL's
`CREATE DATABASE ... TEMPLATE`. The templates are made on first use and dropped when the process ends.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from storage.migrate import upgrade
from storage.testing import create_scratch_database, drop_scratch_database


class MigratedTemplates:
    def __init__(self, root: Path, postgres_admin_url: str) -> None:
        self._root = root
        self._admin_url = postgres_admin_url
        self._sqlite: Path | None = None
        self._postgres: str | None = None

    async def sqlite(self, path: Path) -> str:
        """A migrated SQLite database at `path`."""
        if self._sqlite is None:
            template = self._root / "template.db"
            await upgrade(f"sqlite+aiosqlite:///{template}")
            self._sqlite = template
        shutil.copyfile(self._sqlite, path)
        return f"sqlite+aiosqlite:///{path}"

    async def postgres(self) -> str:
        """A migrated PostgreSQL scratch database, for the caller to drop."""
        if self._postgres is None:
            template = await create_scratch_database(self._admin_url)
            await upgrade(template)
            self._postgres = template
        return await create_scratch_database(self._admin_url, template=self._postgres)

    def drop(self) -> None:
        if self._postgres is not None:
            asyncio.run(drop_scratch_database(self._admin_url, self._postgres))
