"""An active MillionAvto ad to talk about: posted by its owner over HTTP, approved over NATS as a
moderator's decision reaches the market worker. Needs the catalog and market domains running."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import ClientResponse
from sqlalchemy import update

from nodes.runtime.bus import Bus
from protocols.envelope import Actor
from protocols.market import ModerateAd, ModerationDecision
from storage.engine import create_engine, session_factory
from storage.models.market import Listing
from tests.support.http import json_of

ADS = "/api/v1/ads/"
CAR = {"category_id": 1, "title": "Toyota Camry 2019", "price": 2_100_000, "year": 2019, "mileage": 60_000}

# `post(path, json=..., headers=...)`: a test client's own, or a session's bound to an edge's URL.
Post = Callable[..., Awaitable[ClientResponse]]


async def approve(bus: Bus, ad_id: int) -> None:
    await bus.request(ModerateAd(ad_id=ad_id, decision=ModerationDecision.APPROVE), actor=Actor.system())


async def active_ad(post: Post, bus: Bus, owner_headers: Mapping[str, str], **fields: Any) -> int:
    """A new ad of the owner's, approved; its id."""
    created = await json_of(await post(ADS, json={**CAR, **fields}, headers=dict(owner_headers)), 201)
    await approve(bus, created["id"])
    return int(created["id"])


async def lifetime_over(database_url: str, ad_ids: Iterable[int]) -> None:
    """Their lifetime is over: `expires_at` moved into the past, as the clock would move it."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as db:
            past = datetime.now(UTC) - timedelta(seconds=1)
            await db.execute(update(Listing).where(Listing.id.in_(list(ad_ids))).values(expires_at=past))
            await db.commit()
    finally:
        await engine.dispose()
