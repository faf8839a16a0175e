"""FreeMarket (seeds/001): `POST /api/exchanges/{exchange_id}/confirm` (also at
`/exchanges/{exchange_id}/confirm`, as the document writes it in two places), on the matching domain.

Each participant of an agreed exchange (a bilateral `mutual_…` swap, or an accepted `chain_{id}`)
confirms it took place. The last confirmation archives the exchanged items (all or nothing), completes
the exchange, notifies every participant (`exchange_completed`) and re-matches their remaining items.
The answer is the document's `{status, exchange_id, confirmed_by, participants, items_archived,
message}`; `items_archived` is empty until the exchange completes.

Choices where the document is silent:

- The token is required; `confirmer_user_id`, when given, must be the token's user (else 403).
- A participant's repeated confirm answers 200 and changes nothing (`message` says so). An exchange
  one is not in is 404; a chain not yet accepted by everyone, or a dissolved exchange, is 409, as is
  an item that was archived meanwhile (the confirm is taken back: nothing changes).
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel

from nodes.edge.http import SurfaceRoutes, json_response, read_query
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.envelope import DomainError, ErrorCode
from protocols.fields import Id
from protocols.matching import ConfirmExchange, ExchangeStatus

from .errors import SURFACE

routes = SurfaceRoutes(SURFACE)


class ConfirmQuery(BaseModel):
    confirmer_user_id: Id | None = None


class ConfirmedOut(BaseModel):
    status: Literal["success"] = "success"
    exchange_id: str
    confirmed_by: int
    participants: list[int]
    items_archived: list[int]
    message: str


async def confirm(request: web.Request) -> web.Response:
    actor = require_actor(request)
    query = read_query(request, ConfirmQuery)
    if query.confirmer_user_id is not None and query.confirmer_user_id != actor.user_id:
        raise DomainError(ErrorCode.FORBIDDEN, "confirmer_user_id must be your own")
    exchange_id = request.match_info["exchange_id"]
    if len(exchange_id) > 120:
        raise DomainError(ErrorCode.NOT_FOUND, "Exchange not found")
    done = await request.app[BUS].request(ConfirmExchange(public_id=exchange_id), actor=actor)
    exchange = done.exchange
    waiting = sum(leg.confirmed_at is None for leg in exchange.legs)
    if not done.changed:
        message = "You have already confirmed this exchange; nothing changed"
    elif exchange.status is ExchangeStatus.COMPLETED:
        message = "Exchange confirmed and items automatically cleaned up from listings"
    else:
        message = f"Confirmation recorded; waiting for {waiting} more participant(s)"
    return json_response(ConfirmedOut(
        exchange_id=exchange.public_id, confirmed_by=actor.user_id, participants=exchange.participant_ids,
        items_archived=done.items_archived, message=message,
    ))  # fmt: skip


RESPONSES = {200: ConfirmedOut, 400: None, 401: None, 403: None, 404: None, 409: None}


@routes.post("/api/exchanges/{exchange_id}/confirm", query=ConfirmQuery, auth=True, responses=RESPONSES)
async def confirm_exchange(request: web.Request) -> web.Response:
    """Confirm that an exchange took place; the last confirmation archives its items."""
    return await confirm(request)


@routes.post("/exchanges/{exchange_id}/confirm", query=ConfirmQuery, auth=True, responses=RESPONSES)
async def confirm_exchange_at_root(request: web.Request) -> web.Response:
    """The same, at the path the document's incremental-updates section gives."""
    return await confirm(request)
