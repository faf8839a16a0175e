"""MillionAvto (000) section 10: promotional banners under `/api/v1/banners`, on the market domain.

- `GET /?location=&page=&size=` (no auth): the banners shown now (active, from `starts_at` until
  before `ends_at`, either open when null), of one of the four documented locations (`home_top`,
  `home_middle`, `category_top`, `ad_detail_sidebar`; anything else is 422) or all, by `position` then
  id, paged as the ad list: `{items, total, page, size}`. An admin lists every banner with
  `include_inactive=true` (anyone else: 401/403).
- `GET /{id}` (no auth): a banner shown now; an admin reads any; else 404.
- `POST /`, `PUT /{id}`, `DELETE /{id}` (admin; no token 401, another role 403, checked before the body
  is read): a banner is `{id, title, image_url, link_url, location, starts_at, ends_at, is_active,
  position, created_at, updated_at}`. The URLs are `http(s)://` addresses or site paths (`/...`);
  times without a zone are UTC's; `ends_at` must come after `starts_at` (422 on `ends_at`). `PUT`
  changes the fields the body gives (`null` clears `link_url` or a date). Create answers 201, delete 204.

Reads carry an `ETag` and `Cache-Control` (kit/caching.py): an admin's change, or a banner's start or
end, reaches clients within `MAX_AGE_S`.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from nodes.edge.http import SurfaceRoutes, json_response
from nodes.edge.kit.caching import cached_json
from nodes.edge.kit.fastapi import answers_422, body_of, located, path_id, query_of
from nodes.edge.kit.rewording import reworded
from nodes.edge.state import ACTOR, BUS
from protocols.fields import BannerTitle, Int32, Moment, WebLink
from protocols.market import (
    Banner,
    BannerField,
    BannerLocation,
    CreateBanner,
    DeleteBanner,
    GetBanner,
    ListBanners,
    UpdateBanner,
)

from .categories import ADMIN_ONLY, require_admin
from .errors import SURFACE
from .shapes import Paging, offset_of

routes = SurfaceRoutes(SURFACE)

PREFIX = "/api/v1/banners"
MAX_AGE_S = 60


class BannersQuery(Paging):
    location: BannerLocation | None = None
    include_inactive: bool = False


class BannerBody(BaseModel):
    title: BannerTitle
    image_url: WebLink
    link_url: WebLink | None = None
    location: BannerLocation
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    is_active: bool = True
    position: Int32 = 0


class BannerChanges(BaseModel):
    """Only the fields given change."""

    title: BannerTitle | None = None
    image_url: WebLink | None = None
    link_url: WebLink | None = None
    location: BannerLocation | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    is_active: bool | None = None
    position: Int32 | None = None


class BannerPageOut(BaseModel):
    items: list[Banner]
    total: int
    page: int
    size: int


@routes.get(
    PREFIX + "/", query=BannersQuery, responses={200: BannerPageOut, 304: None, **ADMIN_ONLY, 422: None}
)
@answers_422
async def list_banners(request: web.Request) -> web.Response:
    """List active banners (of a location); admins: every banner, with `include_inactive`."""
    query = query_of(request, BannersQuery)
    actor = require_admin(request) if query.include_inactive else request.get(ACTOR)
    cmd = ListBanners(location=query.location, include_inactive=query.include_inactive,
                      offset=offset_of(query), limit=query.size)  # fmt: skip
    found = await request.app[BUS].request_json(cmd, actor=actor)
    page = {"items": found["items"], "total": found["total"], "page": query.page, "size": query.size}
    return cached_json(request, page, max_age_s=MAX_AGE_S)


@routes.get(PREFIX + "/{id}", responses={200: Banner, 304: None, 404: None, 422: None})
@answers_422
async def get_banner(request: web.Request) -> web.Response:
    """Get banner details."""
    banner_id = path_id(request, "id")
    found = await request.app[BUS].request_json(GetBanner(banner_id=banner_id), actor=request.get(ACTOR))
    return cached_json(request, found, max_age_s=MAX_AGE_S)


@routes.post(PREFIX + "/", auth=True, body=BannerBody, responses={201: Banner, **ADMIN_ONLY, 422: None})
@answers_422
async def create_banner(request: web.Request) -> web.Response:
    """Create banner (admin)."""
    actor = require_admin(request)
    body = await body_of(request, BannerBody)
    with reworded(located("body")):  # dates out of order are the body's error, as a schema's would be
        created = await request.app[BUS].request(CreateBanner(**body.model_dump()), actor=actor)
    return json_response(created, status=201)


@routes.put(PREFIX + "/{id}", auth=True, body=BannerChanges,
            responses={200: Banner, **ADMIN_ONLY, 404: None, 422: None})  # fmt: skip
@answers_422
async def update_banner(request: web.Request) -> web.Response:
    """Update banner (admin): the fields the body gives."""
    actor = require_admin(request)
    banner_id = path_id(request, "id")
    body = await body_of(request, BannerChanges)
    changed = frozenset(BannerField(name) for name in body.model_fields_set)
    cmd = UpdateBanner(banner_id=banner_id, changed=changed, **body.model_dump())
    with reworded(located("body")):
        updated = await request.app[BUS].request(cmd, actor=actor)
    return json_response(updated)


@routes.delete(PREFIX + "/{id}", auth=True, responses={204: None, **ADMIN_ONLY, 404: None, 422: None})
@answers_422
async def delete_banner(request: web.Request) -> web.Response:
    """Delete banner (admin)."""
    actor = require_admin(request)
    banner_id = path_id(request, "id")
    await request.app[BUS].request(DeleteBanner(banner_id=banner_id), actor=actor)
    return web.Response(status=204)
