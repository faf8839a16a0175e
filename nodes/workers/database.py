"""A worker domain's database, opened from the settings every domain shares."""

from __future__ import annotations

from nodes.runtime.settings import Settings
from storage.engine import Database, open_database


def domain_database(settings: Settings) -> Database:
    db = settings.database
    return open_database(db.url, pool_size=db.pool_size, echo=db.echo)
