"""What the advisor handlers need, opened once per worker process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from nodes.workers.database import domain_database
from protocols.market import ListingsChanged

from .car_index import CarIndex


@dataclass(frozen=True)
class AdvisorDeps:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    read_db: async_sessionmaker[AsyncSession]  # for handlers that only read: no write lock on SQLite
    bus: Bus  # references are the catalog's, ads the market's, messages the chat's
    cars: CarIndex  # the car catalog, read lazily from the catalog and the market


@asynccontextmanager
async def open_deps(settings: Settings, bus: Bus | None) -> AsyncIterator[AdvisorDeps]:
    if bus is None:
        raise RuntimeError("the advisor asks the catalog, the market and the chat")
    database = domain_database(settings)
    cars = CarIndex(bus)

    async def listings_changed(_msg: Msg) -> None:
        cars.listings_changed()

    # Outside the queue group: every advisor worker keeps its own copy of the ads' summaries.
    subscription = await bus.subscribe(ListingsChanged.subject, listings_changed)
    try:
        yield AdvisorDeps(settings=settings, db=database.write, read_db=database.read, bus=bus, cars=cars)
    finally:
        with suppress(NatsError):  # the connection went first: the subscription went with it
            await subscription.unsubscribe()
        await database.dispose()
