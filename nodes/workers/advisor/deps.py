"""What the advisor handlers need, opened once per worker process: the databases, the bus, and the
answer writer with its backend (chosen by `[advisor] backend`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from nodes.workers.database import domain_database
from protocols.advisor_cars import CarPage, SearchCars

from .backend import Backend, BackendUnavailable, CarFinder, Piece, Turn
from .openai import OpenAIBackend
from .writer import AnswerWriter


@dataclass(frozen=True)
class AdvisorDeps:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    read_db: async_sessionmaker[AsyncSession]  # for handlers that only read: no write lock on SQLite
    bus: Bus  # references are the catalog's, ads the market's, messages the chat's
    answers: AnswerWriter


# --- TEMPORARY until the car index and the rule-based backend land (helpers "cars" and "rules") ---


class NoCars:
    """TEMPORARY: a CarFinder that finds nothing (the car index replaces it)."""

    async def search(self, query: SearchCars) -> CarPage:
        return CarPage(items=[], total=0)

    def brand_aliases(self) -> Mapping[str, str]:
        return {}


def no_constraints(turns: Sequence[Turn]) -> SearchCars:
    """TEMPORARY: the buyer's constraints read from nothing (the rules' reader replaces it)."""
    return SearchCars()


class RulesNotBuilt:
    """TEMPORARY: `[advisor] backend = "rules"` until the rule-based backend lands. Every answer fails
    at once saying so (logged; stored as interrupted). It claims to be ready so that a send is still
    201, not 503: clusters on the default settings (the fuzzing of every endpoint) see no 5xx."""

    def ready(self) -> bool:
        return True

    async def answer(self, turns: Sequence[Turn], cars: CarFinder) -> AsyncIterator[Piece]:
        raise BackendUnavailable('the rule-based backend is not built yet: set [advisor] backend = "openai"')
        yield  # an async generator, as the protocol has it


# --- end of TEMPORARY ---


def backend_of(settings: Settings, http: aiohttp.ClientSession) -> Backend:
    if settings.advisor.backend == "openai":
        return OpenAIBackend(settings.advisor, no_constraints, http)
    return RulesNotBuilt()


@asynccontextmanager
async def open_deps(settings: Settings, bus: Bus | None) -> AsyncIterator[AdvisorDeps]:
    if bus is None:
        raise RuntimeError("the advisor asks the catalog, the market and the chat")
    database = domain_database(settings)
    http = aiohttp.ClientSession()
    writer = AnswerWriter(settings.advisor, database.write, bus, backend_of(settings, http), NoCars())
    writer.start()
    try:
        yield AdvisorDeps(
            settings=settings, db=database.write, read_db=database.read, bus=bus, answers=writer
        )
    finally:
        try:
            await writer.close()
        finally:
            await http.close()
            await database.dispose()
