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
from protocols.catalog import CategoriesChanged, PlaceSaved, VehicleReferencesChanged
from protocols.envelope import DomainError, decode_data, decode_request

from .cache import CategoryCache, Reloadable
from .geography import Places, load_places
from .geoip import GeoIp
from .place_patches import patched
from .references import Snapshot, load_snapshot


@dataclass(frozen=True)
class CatalogDeps:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    read_db: async_sessionmaker[AsyncSession]  # for handlers that only read: no write lock on SQLite
    bus: Bus | None
    categories: CategoryCache
    references: Reloadable[Snapshot]  # the vehicle references
    places: Reloadable[Places]
    geoip: GeoIp


@asynccontextmanager
async def open_deps(settings: Settings, bus: Bus | None) -> AsyncIterator[CatalogDeps]:
    database = domain_database(settings)
    categories = CategoryCache()
    geoip = GeoIp(settings.catalog.geoip_db)
    deps = CatalogDeps(
        settings=settings,
        db=database.write,
        read_db=database.read,
        bus=bus,
        categories=categories,
        references=Reloadable(partial(load_snapshot, database.read)),
        places=Reloadable(partial(load_places, database.read)),
        geoip=geoip,
    )

    async def categories_changed(_msg: Msg) -> None:
        categories.clear()

    async def references_changed(_msg: Msg) -> None:
        deps.references.drop()

    async def place_saved(msg: Msg) -> None:
        try:
            saved = decode_data(PlaceSaved, decode_request(msg.data).data)
        except DomainError:  # malformed: read them all again rather than keep a stale copy
            deps.places.drop()
            return
        deps.places.patch(partial(patched, saved=saved))

    # Outside the queue group: every replica hears of a write made by any of them.
    subscriptions = (
        [
            await bus.subscribe(CategoriesChanged.subject, categories_changed),
            await bus.subscribe(VehicleReferencesChanged.subject, references_changed),
            await bus.subscribe(PlaceSaved.subject, place_saved),
        ]
        if bus is not None
        else []
    )
    try:
        yield deps
    finally:
        for subscription in subscriptions:
            with suppress(NatsError):  # the connection went first: the subscription went with it
                await subscription.unsubscribe()
        geoip.close()
        await database.dispose()
