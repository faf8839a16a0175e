"""FreeMarket (seeds/001): exchange chains, on the matching domain (protocols.matching).

A chain is an exchange of three or more people (two people's swaps are the bilateral matches). Its
number is the `id` here and in the paths; its exchange id (chat, confirm, history) is `chain_{id}`.
A chain is `pending` until every participant accepted, then `active` (its chat opens with all of
them), `completed` once everyone confirmed, or `dissolved` (one participant declined, or an item was
withdrawn; its items return to the pool).

Choices where the document is silent:

- Every endpoint needs the token. `/api/chains/all` lists every chain for admins, and for anyone else
  the chains he takes part in (nobody sees who else swaps what); `/api/chains/user/{user_id}` is the
  caller's own (another's id: 403). Both page with `skip`/`limit` (default 20, at most 100), `sort`
  `created` (default), `score` or `participants`, and `order` `desc` (default) or `asc`;
  `participants` are usernames in ring order (each gives his item to the next) and `items` the items
  they give, in the same order.
- `discover` runs the engine and keeps chains of `min_participants` to `max_participants` people
  (2 to 10; min above max is 400): an admin's over the whole pool, anyone else's around himself.
  Its `participants` is a count, as documented.
- `accept` / `decline`: `user_id` in the body, when given, must be the token's user (else 403).
  Saying it again answers 200 with the same status and a message that nothing changed; declining an
  agreed chain, or answering a dissolved one, is 409; a chain one is not in is 404.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from enum import StrEnum
from typing import Literal

from aiohttp import web
from pydantic import BaseModel

from nodes.edge.http import SurfaceRoutes, json_response, path_int, read_body, read_query
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from nodes.runtime.bus import Bus
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.fields import CHAIN_PARTICIPANTS_MAX, ChainSize, DeclineReason, Id, Offset, PageSize
from protocols.identity import GetUser
from protocols.matching import (
    DiscoverChains,
    Exchange,
    ExchangeKind,
    ExchangeSort,
    ExchangeStatus,
    ListExchanges,
    RespondToChain,
)

from .errors import SURFACE
from .matching import run_timeout

routes = SurfaceRoutes(SURFACE)

CHAIN_STATUS: dict[ExchangeStatus, str] = {
    ExchangeStatus.PROPOSED: "pending",
    ExchangeStatus.ACTIVE: "active",
    ExchangeStatus.COMPLETED: "completed",
    ExchangeStatus.DISSOLVED: "dissolved",
}


class Order(StrEnum):
    ASC = "asc"
    DESC = "desc"


class ChainsQuery(BaseModel):
    skip: Offset = 0
    limit: PageSize = 20
    sort: ExchangeSort = ExchangeSort.CREATED
    order: Order = Order.DESC


class DiscoverBody(BaseModel):
    min_participants: ChainSize = 3
    max_participants: ChainSize = CHAIN_PARTICIPANTS_MAX


class AnswerBody(BaseModel):
    user_id: Id | None = None


class DeclineBody(AnswerBody):
    reason: DeclineReason | None = None


class DiscoveredChainOut(BaseModel):
    id: int
    participants: int
    items: list[int]
    score: float


class DiscoveredOut(BaseModel):
    chains_created: int
    total_participants: int
    chains: list[DiscoveredChainOut]


class ChainOut(BaseModel):
    id: int
    participants: list[str]
    items: list[int]
    status: str
    score: float
    created_at: datetime


class ChainPageOut(BaseModel):
    items: list[ChainOut]
    total: int
    skip: int
    limit: int


class AnsweredOut(BaseModel):
    chain_id: int
    user_id: int
    status: Literal["accepted", "declined"]
    message: str


def gives(chain: Exchange) -> list[int]:
    return [leg.gives_item_id for leg in chain.legs]


async def usernames(bus: Bus, actor: Actor, user_ids: list[int]) -> dict[int, str]:
    ids = list(dict.fromkeys(user_ids))
    found = await asyncio.gather(
        *(bus.request(GetUser(user_id=u), actor=actor) for u in ids), return_exceptions=True
    )
    names = {}
    for user_id, user in zip(ids, found, strict=True):
        if isinstance(user, DomainError):
            names[user_id] = f"user_{user_id}"  # an account deleted since
        elif isinstance(user, BaseException):
            raise user
        else:
            names[user_id] = user.username or f"user_{user_id}"
    return names


async def chain_page(request: web.Request, user_id: int | None) -> web.Response:
    query = read_query(request, ChainsQuery)
    actor = require_actor(request)
    cmd = ListExchanges(
        user_id=user_id, kind=ExchangeKind.CHAIN, sort=query.sort, descending=query.order is Order.DESC,
        offset=query.skip, limit=query.limit,
    )  # fmt: skip
    page = await request.app[BUS].request(cmd, actor=actor)
    names = await usernames(
        request.app[BUS], actor, [u for chain in page.items for u in chain.participant_ids]
    )
    items = [
        ChainOut(
            id=chain.id,
            participants=[names[u] for u in chain.participant_ids],
            items=gives(chain),
            status=CHAIN_STATUS[chain.status],
            score=round(chain.score, 4),
            created_at=chain.created_at,
        )
        for chain in page.items
    ]
    return json_response(ChainPageOut(items=items, total=page.total, skip=query.skip, limit=query.limit))


@routes.post("/api/chains/discover", body=DiscoverBody, auth=True,
             responses={200: DiscoveredOut, 400: None, 401: None})  # fmt: skip
async def discover(request: web.Request) -> web.Response:
    """Look for exchange chains now (admins: everyone's; anyone else: around himself)."""
    body = await read_body(request, DiscoverBody)
    if body.min_participants > body.max_participants:
        raise DomainError(ErrorCode.VALIDATION, "min_participants must not exceed max_participants")
    cmd = DiscoverChains(min_participants=body.min_participants, max_participants=body.max_participants)
    done = await request.app[BUS].request(cmd, actor=require_actor(request), timeout=run_timeout(request))
    chains = [
        DiscoveredChainOut(id=c.id, participants=len(c.legs), items=gives(c), score=round(c.score, 4))
        for c in done.created
    ]
    return json_response(
        DiscoveredOut(
            chains_created=done.bilateral_matches + done.exchange_chains,  # `chains` may list fewer
            total_participants=done.total_participants,
            chains=chains,
        )
    )


@routes.get(
    "/api/chains/all", query=ChainsQuery, auth=True, responses={200: ChainPageOut, 400: None, 401: None}
)
async def all_chains(request: web.Request) -> web.Response:
    """Exchange chains: every one for admins, one's own for anyone else."""
    actor = require_actor(request)
    return await chain_page(request, None if actor.role is Role.ADMIN else actor.user_id)


@routes.get("/api/chains/user/{user_id}", query=ChainsQuery, auth=True,
            responses={200: ChainPageOut, 400: None, 401: None, 403: None, 404: None})  # fmt: skip
async def user_chains(request: web.Request) -> web.Response:
    """The chains of a user: your own."""
    actor = require_actor(request)
    user_id = path_int(request, "user_id")
    if user_id != actor.user_id and actor.role is not Role.ADMIN:
        raise DomainError(ErrorCode.FORBIDDEN, "You can only see your own chains")
    return await chain_page(request, user_id)


async def answer(request: web.Request, accept: bool) -> web.Response:
    actor = require_actor(request)
    chain_id = path_int(request, "chain_id")
    body = await read_body(request, AnswerBody if accept else DeclineBody)
    if body.user_id is not None and body.user_id != actor.user_id:
        raise DomainError(ErrorCode.FORBIDDEN, "user_id must be your own")
    reason = body.reason if isinstance(body, DeclineBody) else None
    cmd = RespondToChain(exchange_id=chain_id, accept=accept, reason=reason)
    done = await request.app[BUS].request(cmd, actor=actor)
    said = "accepted" if accept else "declined"
    message = f"You've {said} this exchange chain"
    if not done.changed:
        message = f"You had already {said} this exchange chain; nothing changed"
    elif done.exchange.status is ExchangeStatus.ACTIVE:
        message += "; every participant accepted: the exchange is agreed"
    return json_response(AnsweredOut(chain_id=chain_id, user_id=actor.user_id, status=said, message=message))


@routes.post("/api/chains/{chain_id}/accept", body=AnswerBody, auth=True,
             responses={200: AnsweredOut, 400: None, 401: None, 403: None, 404: None, 409: None})  # fmt: skip
async def accept(request: web.Request) -> web.Response:
    """Accept a proposed chain."""
    return await answer(request, accept=True)


@routes.post("/api/chains/{chain_id}/decline", body=DeclineBody, auth=True,
             responses={200: AnsweredOut, 400: None, 401: None, 403: None, 404: None, 409: None})  # fmt: skip
async def decline(request: web.Request) -> web.Response:
    """Decline a proposed chain: it is dissolved, and its items return to the pool."""
    return await answer(request, accept=False)
