"""What the catalog handlers need, opened once per worker process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from functools import partial

from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from nodes.workers.database import domain_database
from protocols.catalog import CategoriesChanged

from .cache import CategoryCache, LoadedOnce
from .geography import Places, load_places
from .geoip import GeoIp
from .references import Snapshot, load_snapshot


@dataclass(frozen=True)
class CatalogDeps:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    read_db: async_sessionmaker[AsyncSession]  # for handlers that only read: no write lock on SQLite
    bus: Bus | None
    categories: CategoryCache
    references: LoadedOnce[Snapshot]  # the vehicle references
    places: LoadedOnce[Places]
    geoip: GeoIp


@asynccontextmanager
async def open_deps(settings: Settings, bus: Bus | None) -> AsyncIterator[CatalogDeps]:
    database = domain_database(settings)
    categories = CategoryCache()
    geoip = GeoIp(settings.catalog.geoip_db)

    async def changed(_msg: Msg) -> None:
        categories.clear()

    # Outside the queue group: every replica hears of a write made by any of them.
    subscription = await bus.subscribe(CategoriesChanged.subject, changed) if bus is not None else None
    try:
        yield CatalogDeps(
            settings=settings,
            db=database.write,
            read_db=database.read,
            bus=bus,
            categories=categories,
            references=LoadedOnce(partial(load_snapshot, database.read)),
            places=LoadedOnce(partial(load_places, database.read)),
            geoip=geoip,
        )
    finally:
        if subscription is not None:
            with suppress(NatsError):  # the connection went first: the subscription went with it
                await subscription.unsubscribe()
        geoip.close()
        await database.dispose()
