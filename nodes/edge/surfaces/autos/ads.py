"""MillionAvto (000) section 6: ads under `/api/v1/ads`, on the market domain.

- `GET /` searches active ads with every documented filter (section "Search & Filters": `q`, places,
  the nine comma-separated `*_ids`, the ranges, `condition`, `has_images`, `has_vin`, `from_dealers`,
  `latitude`+`longitude`+`radius_km` together, radius one of 50, 100, 200, 500, 1000), the eight
  `sort_by`, `page` (from 1) and `size` (20, at most 100): `{items, total, page, size}`;
  `has_images=true` keeps the ads with an uploaded image (ad_media.py).
- `GET /{id}`: an active ad for anyone; the owner reads his own in any status; anything else is 404.
- `POST /` (signed in): a new ad, `pending`, or `draft` with `"draft": true`; 201.
- `PUT /{id}` (the owner): the fields the body gives; `"status": "pending"` submits a draft (or
  resubmits), `"archived"` archives; an edited rejected ad is `pending` again. `DELETE /{id}`: 204,
  and its images and videos leave the media store.
  Another user's ad is 404 to both, and nothing changes.
- Expiry and renewal (the document lists `expired` and no path to renew): an ad is active for
  `[market] listing_lifetime_days` from its approval (`expires_at`); then the scheduler expires it and
  its owner gets a notification of type `ad_expired` (payload `ad_id`, `expired_at`) on the one
  notification stream. `PUT /{id}` with `"status": "active"` renews an expired ad (and only an
  expired one: 409 otherwise): active at once, with a new `published_at` and `expires_at`, without
  moderation even when the same request edits it (edits of an active ad are not moderated either).
- Limits: a seller keeps at most `[market] private_active_limit` ads active or pending at once, a
  dealer account `dealer_active_limit`; creating (not as a draft), submitting, resubmitting or
  renewing past it is 409 with a `detail` saying so.
- `GET /my/ads?status=` (signed in): the user's ads, newest first, paged as the list.
- `POST /{id}/view` (no auth): counted once per viewer per UTC day, the viewer being the token's user
  or else the client address; `{counted, views_count}`. With a token, another's ad also goes to the
  top of the user's browsing history (favorites.py). Counters are written in batches (at most
  `[market] view_flush_interval_s` apart): an ad's `views_count` may lag by one flush, the reply's
  by the views other market workers hold unwritten.
- A dealer's ad carries `dealer: {company_name, phone, logo_url}` once the dealer has set a company
  profile (dealers.py); `null` otherwise.

An ad is the market's `Ad`, relayed as it comes, its `images` and `videos` with their URLs. An
unknown category or vehicle reference is 422 on its field, as a schema error is.
"""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import BeforeValidator

from nodes.edge.http import SurfaceRoutes, json_response
from nodes.edge.kit.fastapi import answers_422, body_of, located, path_id, query_of, unprocessable
from nodes.edge.kit.rewording import reworded
from nodes.edge.session_http import client_ip, require_actor
from nodes.edge.state import ACTOR, BUS
from protocols.fields import (
    AdDescription,
    AdSearchText,
    AdTitle,
    Currency,
    EnginePower,
    EngineVolume,
    Id,
    Latitude,
    Longitude,
    Mileage,
    Price,
    SearchIds,
    Year,
)
from protocols.market import (
    DEFAULT_CURRENCY,
    Ad,
    AdField,
    AdSort,
    AdStatus,
    Circle,
    Condition,
    CreateAd,
    DeleteAd,
    GetAd,
    ListAds,
    ListMyAds,
    OwnerStatus,
    RecordView,
    SearchRadius,
    UpdateAd,
    VehicleFields,
    ViewRecorded,
)

from .errors import SURFACE
from .shapes import AdPageOut, Paging, offset_of, paged

routes = SurfaceRoutes(SURFACE)

PREFIX = "/api/v1/ads"


class AdBody(VehicleFields):
    category_id: Id
    title: AdTitle
    description: AdDescription | None = None
    price: Price
    currency: Currency = DEFAULT_CURRENCY
    city_id: Id | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    draft: bool = False


class AdChanges(VehicleFields):
    """Only the fields given change."""

    status: OwnerStatus | None = None
    category_id: Id | None = None
    title: AdTitle | None = None
    description: AdDescription | None = None
    price: Price | None = None
    currency: Currency | None = None
    city_id: Id | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None


def _comma_separated(value: object) -> object:
    return [item.strip() for item in value.split(",")] if isinstance(value, str) else value


Ids = Annotated[SearchIds, BeforeValidator(_comma_separated)]  # `5,10`
CIRCLE = ("latitude", "longitude", "radius_km")


class AdsQuery(Paging):
    q: AdSearchText | None = None
    category_id: Id | None = None
    city_id: Id | None = None
    region_id: Id | None = None
    country_id: Id | None = None
    brand_ids: Ids | None = None
    model_ids: Ids | None = None
    generation_ids: Ids | None = None
    modification_ids: Ids | None = None
    body_type_ids: Ids | None = None
    transmission_ids: Ids | None = None
    fuel_type_ids: Ids | None = None
    drive_type_ids: Ids | None = None
    color_ids: Ids | None = None
    price_from: Price | None = None
    price_to: Price | None = None
    year_from: Year | None = None
    year_to: Year | None = None
    mileage_from: Mileage | None = None
    mileage_to: Mileage | None = None
    engine_volume_from: EngineVolume | None = None
    engine_volume_to: EngineVolume | None = None
    engine_power_from: EnginePower | None = None
    engine_power_to: EnginePower | None = None
    condition: Condition | None = None
    has_images: bool = False
    has_vin: bool = False
    from_dealers: bool = False
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    radius_km: SearchRadius | None = None
    sort_by: AdSort = AdSort.CREATED_DESC


def circle_of(query: AdsQuery) -> Circle | None:
    """The point and radius, given all three or none; a partial one is 422 on what is missing."""
    given = [getattr(query, name) for name in CIRCLE]
    if all(value is None for value in given):
        return None
    missing = [name for name, value in zip(CIRCLE, given, strict=True) if value is None]
    if missing:
        errors = [{"type": "missing", "loc": [name], "msg": "Field required with " + ", ".join(CIRCLE)}
                  for name in missing]  # fmt: skip
        raise unprocessable("query", errors, f"{missing[0]}: required with {', '.join(CIRCLE)}")
    return Circle(latitude=query.latitude, longitude=query.longitude, radius_km=query.radius_km)


class MyAdsQuery(Paging):
    status: AdStatus | None = None


@routes.get(PREFIX + "/", query=AdsQuery, responses={200: AdPageOut, 422: None})
@answers_422
async def list_ads(request: web.Request) -> web.Response:
    """List ads (with filters & search)."""
    query = query_of(request, AdsQuery)
    filters = query.model_dump(exclude={"page", "size", *CIRCLE})
    cmd = ListAds(**filters, near=circle_of(query), offset=offset_of(query), limit=query.size)
    return paged(await request.app[BUS].request_json(cmd), query)


@routes.get(PREFIX + "/my/ads", auth=True, query=MyAdsQuery, responses={200: AdPageOut, 401: None, 422: None})
@answers_422
async def my_ads(request: web.Request) -> web.Response:
    """List my ads (with status filter)."""
    actor = require_actor(request)
    query = query_of(request, MyAdsQuery)
    cmd = ListMyAds(status=query.status, offset=offset_of(query), limit=query.size)
    return paged(await request.app[BUS].request_json(cmd, actor=actor), query)


@routes.get(PREFIX + "/{id}", responses={200: Ad, 404: None, 422: None})
@answers_422
async def get_ad(request: web.Request) -> web.Response:
    """Get single ad details."""
    ad_id = path_id(request, "id")
    return json_response(await request.app[BUS].request_json(GetAd(ad_id=ad_id), actor=request.get(ACTOR)))


@routes.post(PREFIX + "/", auth=True, body=AdBody, responses={201: Ad, 401: None, 409: None, 422: None})
@answers_422
async def create_ad(request: web.Request) -> web.Response:
    """Create new ad (pending, or a draft)."""
    actor = require_actor(request)
    body = await body_of(request, AdBody)
    with reworded(located("body")):  # an unknown reference is the body's error, as a schema's would be
        created = await request.app[BUS].request_json(CreateAd(**body.model_dump()), actor=actor)
    return json_response(created, status=201)


@routes.put(PREFIX + "/{id}", auth=True, body=AdChanges,
            responses={200: Ad, 401: None, 404: None, 409: None, 422: None})  # fmt: skip
@answers_422
async def update_ad(request: web.Request) -> web.Response:
    """Update ad (owner): the fields the body gives."""
    actor = require_actor(request)
    ad_id = path_id(request, "id")
    body = await body_of(request, AdChanges)
    changed = frozenset(AdField(name) for name in body.model_fields_set if name != "status")
    cmd = UpdateAd(ad_id=ad_id, changed=changed, **body.model_dump())
    with reworded(located("body")):
        updated = await request.app[BUS].request_json(cmd, actor=actor)
    return json_response(updated)


@routes.delete(PREFIX + "/{id}", auth=True, responses={204: None, 401: None, 404: None, 422: None})
@answers_422
async def delete_ad(request: web.Request) -> web.Response:
    """Delete ad (owner)."""
    actor = require_actor(request)
    ad_id = path_id(request, "id")
    await request.app[BUS].request(DeleteAd(ad_id=ad_id), actor=actor)
    return web.Response(status=204)


@routes.post(PREFIX + "/{id}/view", responses={200: ViewRecorded, 404: None, 422: None})
@answers_422
async def view_ad(request: web.Request) -> web.Response:
    """Track ad view: once per viewer per day."""
    ad_id = path_id(request, "id")
    actor = request.get(ACTOR)
    viewer = f"user:{actor.user_id}" if actor is not None and actor.signed_in else f"ip:{client_ip(request)}"
    recorded = await request.app[BUS].request_json(RecordView(ad_id=ad_id, viewer=viewer), actor=actor)
    return json_response(recorded)
