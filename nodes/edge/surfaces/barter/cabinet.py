"""FreeMarket (seeds/001): the user cabinet's aggregate views, `/user/cabinet` and `/user/exchanges`
(`/user/listings` is listings.py's), on identity, the market's barter items and the matching domain.

Choices where the document is silent:

- "Active" exchanges are those not over yet: proposed (a chain waiting for acceptances) and agreed
  (under way). `/user/exchanges` says `pending` for the first and `active` for the second; both lists
  are newest first, at most 100.
- `chain_id` and `match_id` are numbers, as the document shows them: the exchange's number (the one
  `/api/chains/{chain_id}/accept` takes for a chain). Beside each, `exchange_id` is its public id
  (`mutual_…` or `chain_…`), the one the exchange's other endpoints (confirm, chat, history) take.
- The partner is the participant whose item the caller receives (history.py says the same).
  `matching_categories` are the category slugs of the two items the caller gives and receives.
- `my_listings` are the caller's barter items (wants and offers) as he sees them, newest first, at
  most 100; `title` is the item's name.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, Field, RootModel

from nodes.edge.http import SurfaceRoutes, json_response
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.envelope import Actor
from protocols.fields import PAGE_MAX
from protocols.identity import GetMe
from protocols.market_barter import ExchangeType, ListBarterItems
from protocols.matching import ExchangeStatus
from protocols.matching_reviews import HistoryPage, ListMyExchanges

from .errors import SURFACE
from .people import barter_items, profiles, shown_name

routes = SurfaceRoutes(SURFACE)

UNDER_WAY = [ExchangeStatus.PROPOSED, ExchangeStatus.ACTIVE]
SHOWN_STATUS = {ExchangeStatus.PROPOSED: "pending", ExchangeStatus.ACTIVE: "active"}


class CabinetProfileOut(BaseModel):
    id: int
    username: str | None
    full_name: str | None


class CabinetListingOut(BaseModel):
    id: int
    title: str
    exchange_type: ExchangeType


EXCHANGE_NUMBER = "The exchange's number: the one /api/chains/{chain_id}/accept takes for a chain."
PUBLIC_ID = "The exchange's public id (mutual_… or chain_…): the one confirm, chat and history take."


class CabinetExchangeOut(BaseModel):
    chain_id: int = Field(description=EXCHANGE_NUMBER)
    exchange_id: str = Field(description=PUBLIC_ID)
    partner_name: str


class CabinetOut(BaseModel):
    user_profile: CabinetProfileOut
    my_listings: list[CabinetListingOut]
    active_exchanges: list[CabinetExchangeOut]


class UserExchangeOut(BaseModel):
    match_id: int = Field(description=EXCHANGE_NUMBER)
    exchange_id: str = Field(description=PUBLIC_ID)
    partner_username: str
    status: str = Field(description="pending (a chain awaiting acceptances) or active.")
    matching_categories: list[str]
    created_at: datetime


class UserExchangesOut(RootModel[list[UserExchangeOut]]):
    pass


async def under_way(request: web.Request, actor: Actor) -> HistoryPage:
    cmd = ListMyExchanges(statuses=UNDER_WAY, limit=PAGE_MAX)
    return await request.app[BUS].request(cmd, actor=actor)


@routes.get("/user/cabinet", auth=True, responses={200: CabinetOut, 401: None})
async def cabinet(request: web.Request) -> web.Response:
    """The caller's cabinet: profile, listings and exchanges under way."""
    actor = require_actor(request)
    bus = request.app[BUS]
    me, listings, exchanges = await asyncio.gather(
        bus.request(GetMe(), actor=actor),
        bus.request(ListBarterItems(owner_id=actor.user_id, limit=PAGE_MAX), actor=actor),
        under_way(request, actor),
    )
    people = await profiles(request, (entry.partner_id for entry in exchanges.items))
    return json_response(
        CabinetOut(
            user_profile=CabinetProfileOut(id=me.id, username=me.username, full_name=me.full_name),
            my_listings=[
                CabinetListingOut(id=item.id, title=item.item_name, exchange_type=item.exchange_type)
                for item in listings.items
            ],
            active_exchanges=[
                CabinetExchangeOut(
                    chain_id=entry.exchange.id,
                    exchange_id=entry.exchange.public_id,
                    partner_name=shown_name(people.get(entry.partner_id)),
                )
                for entry in exchanges.items
            ],
        )
    )


@routes.get("/user/exchanges", auth=True, responses={200: UserExchangesOut, 401: None})
async def user_exchanges(request: web.Request) -> web.Response:
    """The caller's exchanges under way: chains proposed to him and agreed exchanges."""
    actor = require_actor(request)
    exchanges = await under_way(request, actor)
    item_ids = [i for entry in exchanges.items for i in (entry.gives_item_id, entry.receives_item_id)]
    people, by_id = await asyncio.gather(
        profiles(request, (entry.partner_id for entry in exchanges.items)),
        barter_items(request, actor, item_ids),
    )
    out = []
    for entry in exchanges.items:
        partner = people.get(entry.partner_id)
        own = [by_id.get(entry.gives_item_id), by_id.get(entry.receives_item_id)]
        categories = list(dict.fromkeys(item.category for item in own if item is not None and item.category))
        out.append(
            UserExchangeOut(
                match_id=entry.exchange.id,
                exchange_id=entry.exchange.public_id,
                partner_username=(partner.username if partner else None) or shown_name(partner),
                status=SHOWN_STATUS.get(entry.exchange.status, entry.exchange.status.value),
                matching_categories=categories,
                created_at=entry.exchange.created_at,
            )
        )
    return json_response(UserExchangesOut(out))
