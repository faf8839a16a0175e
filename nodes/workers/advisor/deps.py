"""What the advisor handlers need, opened once per worker process: the databases, the bus, the car
catalog, and the answer writer with its backend (chosen by `[advisor] backend`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

import aiohttp
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from nodes.workers.database import domain_database
from protocols.advisor_cars import SearchCars
from protocols.market import ListingsChanged

from .backend import Backend, Turn
from .car_index import CarIndex
from .openai import OpenAIBackend
from .rules import RulesBackend
from .writer import AnswerWriter


@dataclass(frozen=True)
class AdvisorDeps:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    read_db: async_sessionmaker[AsyncSession]  # for handlers that only read: no write lock on SQLite
    bus: Bus  # references are the catalog's, ads the market's, messages the chat's
    cars: CarIndex  # the car catalog, read lazily from the catalog and the market
    answers: AnswerWriter


def backend_of(settings: Settings, bus: Bus, cars: CarIndex, http: aiohttp.ClientSession) -> Backend:
    # Budgets in other currencies are converted at the platform's one configured rate table (realty's).
    rules = RulesBackend(bus, rates=settings.realty.rub_per_unit())
    if settings.advisor.backend != "openai":
        return rules

    def constraints(turns: Sequence[Turn]) -> SearchCars:
        """The buyer's constraints as the rule-based advisor reads them: the cars the model is given."""
        return rules.constraints(turns, cars.brand_aliases())

    return OpenAIBackend(settings.advisor, constraints, http)


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
    http = aiohttp.ClientSession()
    writer = AnswerWriter(settings.advisor, database.write, bus, backend_of(settings, bus, cars, http), cars)
    writer.start()
    try:
        yield AdvisorDeps(
            settings=settings, db=database.write, read_db=database.read, bus=bus, cars=cars, answers=writer
        )
    finally:
        try:
            await writer.close()
        finally:
            with suppress(NatsError):  # the connection went first: the subscription went with it
                await subscription.unsubscribe()
            await http.close()
            await database.dispose()
