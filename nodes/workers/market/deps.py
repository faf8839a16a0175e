"""What the market handlers need, opened once per worker process."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.media import MediaStore, open_media_store
from nodes.runtime.settings import Settings
from nodes.workers.database import domain_database
from protocols.catalog import PlaceSaved
from protocols.envelope import DomainError, decode_data, decode_request
from protocols.identity import DealerProfileChanged
from protocols.market import ListingsChanged

from .barter_places import BarterPlaces
from .companies import DealerCompanies
from .counters import ViewCounter
from .totals import SearchTotals

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MarketDeps:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    read_db: async_sessionmaker[AsyncSession]  # for handlers that only read: no write lock on SQLite
    bus: Bus  # an ad's references are checked with the catalog; its dealer asked of identity
    media: MediaStore  # where an ad's images and videos are: their URLs, and deleted with the ad
    views: ViewCounter  # views counted, their counters written in batches
    totals: SearchTotals  # searches' totals, kept a while
    companies: DealerCompanies  # dealers' companies, kept a while
    barter: BarterPlaces = field(default_factory=BarterPlaces)  # what barter items ask of other domains


@asynccontextmanager
async def open_deps(settings: Settings, bus: Bus | None) -> AsyncIterator[MarketDeps]:
    if bus is None:
        raise RuntimeError("market checks references with the catalog: it needs the bus")
    database = domain_database(settings)
    market = settings.market
    views = ViewCounter(
        database.write, database.read, every_s=market.view_flush_interval_s, most=market.view_flush_max
    )
    views.start()
    totals = SearchTotals(market.search_total_ttl_s)

    companies = DealerCompanies(market.dealer_company_ttl_s)

    async def changed(_msg: Msg) -> None:
        totals.forget()

    async def profile_changed(msg: Msg) -> None:
        try:
            changed = decode_data(DealerProfileChanged, decode_request(msg.data).data)
        except DomainError:
            log.warning("a malformed dealer profile announcement was dropped")
            return
        companies.forget(changed.user_id)

    barter = BarterPlaces()

    async def place_saved(_msg: Msg) -> None:
        barter.forget_cities()

    # Outside the queue group: every replica hears of a write made by any of them.
    subscriptions = [
        await bus.subscribe(ListingsChanged.subject, changed),
        await bus.subscribe(DealerProfileChanged.subject, profile_changed),
        await bus.subscribe(PlaceSaved.subject, place_saved),
    ]
    try:
        yield MarketDeps(
            settings=settings, db=database.write, read_db=database.read, bus=bus,
            media=open_media_store(settings), views=views, totals=totals,
            companies=companies, barter=barter,
        )  # fmt: skip
    finally:
        for subscription in subscriptions:
            with suppress(NatsError):  # the connection went first: the subscription went with it
                await subscription.unsubscribe()
        # The runtime has finished every request it took by now: the views they counted are all held.
        await views.close()
        await database.dispose()
