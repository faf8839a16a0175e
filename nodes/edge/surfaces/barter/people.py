"""What FreeMarket's answers say about other people and their things: names (identity), standings
(matching) and barter items (the market), asked for a whole page of them at once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiohttp import web

from nodes.edge.errors import found_or_none
from nodes.edge.kit.names import display_name
from nodes.edge.state import BUS
from protocols.envelope import Actor, ErrorCode
from protocols.identity import GetUser, UserProfile
from protocols.market_barter import BarterItem, GetBarterItems
from protocols.matching_reviews import GetStandings, Standing

from .errors import unless

ANONYMOUS = "Anonymous"
GONE = "Deleted user"  # an account that no longer exists


def shown_name(user: UserProfile | None) -> str:
    if user is None:
        return GONE
    return display_name(user) or user.username or f"User {user.id}"


async def profiles(request: web.Request, user_ids: Iterable[int]) -> dict[int, UserProfile]:
    """These accounts (each asked once, all at once); those that do not exist are left out."""
    wanted = list(dict.fromkeys(user_ids))
    bus = request.app[BUS]
    found = await asyncio.gather(*(found_or_none(bus.request(GetUser(user_id=uid))) for uid in wanted))
    return {user.id: user for user in found if user is not None}


async def names(request: web.Request, user_ids: Iterable[int]) -> dict[int, str]:
    """How each of these users is named to others (a missing account reads as a deleted user)."""
    wanted = list(dict.fromkeys(user_ids))
    found = await profiles(request, wanted)
    return {user_id: shown_name(found.get(user_id)) for user_id in wanted}


async def standings(request: web.Request, user_ids: Iterable[int]) -> dict[int, Standing]:
    """The matching domain's standing of each of these users, in one request (no account has id 0)."""
    wanted = [user_id for user_id in dict.fromkeys(user_ids) if user_id > 0]
    if not wanted:
        return {}
    found = await request.app[BUS].request(GetStandings(user_ids=wanted))
    return {standing.user_id: standing for standing in found.items}


async def barter_items(request: web.Request, actor: Actor, item_ids: list[int]) -> dict[int, BarterItem]:
    """These items whatever their status (an exchange's, say); ids that are not items are left out."""
    if not item_ids:
        return {}
    page = await request.app[BUS].request(GetBarterItems(item_ids=list(dict.fromkeys(item_ids))), actor=actor)
    return {item.id: item for item in page.items}


async def standing_if_known(request: web.Request, user_id: int) -> Standing | None:
    """One user's standing, or None while the matching domain does not answer (his profile is
    identity's, and stays readable)."""
    found = await unless(standings(request, [user_id]), ErrorCode.UNAVAILABLE)
    return None if found is None else found.get(user_id)
