"""MillionAvto (000) section 8: favourites, comparison and browsing history, each the signed-in
user's own (no token: 401), on the market domain.

- `POST /api/v1/favorites/` and `/api/v1/comparison/` with `{"ad_id": N}`: an active ad (anything else
  is 404, as for a search). 201 with the ad when added; 200 with it when it was there already, as
  adding is idempotent. The comparison holds at most `[market] comparison_max` ads (4 by default): one
  more is 409, unless an ad in it is no longer active, which then gives its place up.
- `GET` on either: the ads in the ads endpoints' shape, the latest added first, paged as the ad list
  (`page`, `size`: `{items, total, page, size}`).
- `DELETE /{ad_id}` on either: 204; an ad not in the caller's list is 404 (another user's list is
  never touched).
- `GET /api/v1/history/`: the ads the user viewed, the latest viewed first, each once, paged alike.
  A view is recorded by `POST /api/v1/ads/{id}/view` with a token (ads.py), not of one's own ad.

An ad that stops being active (archived, expired, back to moderation) drops out of all three lists
until it is active again; a deleted ad leaves them for good.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from nodes.edge.http import SurfaceRoutes, json_response
from nodes.edge.kit.fastapi import answers_422, body_of, path_id, query_of
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.fields import Id
from protocols.market import Ad, ListHistory, ListSaved, SaveAd, SavedList, UnsaveAd

from .errors import SURFACE
from .shapes import AdPageOut, Paging, offset_of, paged

routes = SurfaceRoutes(SURFACE)

FAVORITES = "/api/v1/favorites/"
COMPARISON = "/api/v1/comparison/"
HISTORY = "/api/v1/history/"
SIGNED_IN = {401: None, 422: None}


class SavedBody(BaseModel):
    ad_id: Id


async def save(request: web.Request, saved_list: SavedList) -> web.Response:
    actor = require_actor(request)
    body = await body_of(request, SavedBody)
    saved = await request.app[BUS].request(SaveAd(saved_list=saved_list, ad_id=body.ad_id), actor=actor)
    return json_response(saved.ad, status=201 if saved.added else 200)


async def listed(request: web.Request, saved_list: SavedList) -> web.Response:
    actor = require_actor(request)
    query = query_of(request, Paging)
    cmd = ListSaved(saved_list=saved_list, offset=offset_of(query), limit=query.size)
    return paged(await request.app[BUS].request_json(cmd, actor=actor), query)


async def unsave(request: web.Request, saved_list: SavedList) -> web.Response:
    actor = require_actor(request)
    cmd = UnsaveAd(saved_list=saved_list, ad_id=path_id(request, "ad_id"))
    await request.app[BUS].request(cmd, actor=actor)
    return web.Response(status=204)


@routes.post(FAVORITES, auth=True, body=SavedBody, responses={201: Ad, 200: Ad, **SIGNED_IN, 404: None})
@answers_422
async def add_favorite(request: web.Request) -> web.Response:
    """Add to favorites (an active ad; again: 200, nothing changes)."""
    return await save(request, SavedList.FAVORITES)


@routes.get(FAVORITES, auth=True, query=Paging, responses={200: AdPageOut, **SIGNED_IN})
@answers_422
async def list_favorites(request: web.Request) -> web.Response:
    """List favorites, the latest added first."""
    return await listed(request, SavedList.FAVORITES)


@routes.delete(FAVORITES + "{ad_id}", auth=True, responses={204: None, **SIGNED_IN, 404: None})
@answers_422
async def remove_favorite(request: web.Request) -> web.Response:
    """Remove from favorites."""
    return await unsave(request, SavedList.FAVORITES)


@routes.post(COMPARISON, auth=True, body=SavedBody,
             responses={201: Ad, 200: Ad, **SIGNED_IN, 404: None, 409: None})  # fmt: skip
@answers_422
async def add_comparison(request: web.Request) -> web.Response:
    """Add to comparison (an active ad, up to the configured number; again: 200, nothing changes)."""
    return await save(request, SavedList.COMPARISON)


@routes.get(COMPARISON, auth=True, query=Paging, responses={200: AdPageOut, **SIGNED_IN})
@answers_422
async def list_comparison(request: web.Request) -> web.Response:
    """List comparison items, the latest added first."""
    return await listed(request, SavedList.COMPARISON)


@routes.delete(COMPARISON + "{ad_id}", auth=True, responses={204: None, **SIGNED_IN, 404: None})
@answers_422
async def remove_comparison(request: web.Request) -> web.Response:
    """Remove from comparison."""
    return await unsave(request, SavedList.COMPARISON)


@routes.get(HISTORY, auth=True, query=Paging, responses={200: AdPageOut, **SIGNED_IN})
@answers_422
async def view_history(request: web.Request) -> web.Response:
    """View browsing history, the latest viewed first."""
    actor = require_actor(request)
    query = query_of(request, Paging)
    cmd = ListHistory(offset=offset_of(query), limit=query.size)
    return paged(await request.app[BUS].request_json(cmd, actor=actor), query)
