"""Membership Auto (004) "Offers": `GET /api/offers/?vehicleId=&lat=&lng=`.

The offers running now for the member's membership tier: an offer naming tiers (`eligibleMemberships`)
is shown to members holding one of them, one naming none to every member. With `lat` and `lng`
(together), only offers at a location within `[garage] offers_radius_km` of the point, nearest first;
without them, every running offer, newest first. `vehicleId`, when given, must be one of the member's
vehicles (another's, or an id that is no UUID, is 404 `{"error": "Vehicle not found"}`). An offer as
documented: `id`, `title`, `description`, `terms`, `expiry`, `eligibleMemberships`, `locations` (their
ids), `createdAt`. Staff write them (staff.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Self

from aiohttp import web
from pydantic import RootModel, model_validator

from nodes.edge.http import SurfaceRoutes, read_query
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.fields import Latitude, Longitude, QueryId
from protocols.garage_members import MembershipTier, Offer, OffersNear

from .errors import SURFACE
from .shapes import CamelModel, camel, garage_id

routes = SurfaceRoutes(SURFACE)

VEHICLE_NOT_FOUND = "Vehicle not found"


class OffersQuery(CamelModel):
    vehicle_id: QueryId | None = None
    lat: Latitude | None = None
    lng: Longitude | None = None

    @model_validator(mode="after")
    def _a_whole_point(self) -> Self:
        if (self.lat is None) != (self.lng is None):
            raise ValueError("lat and lng go together")
        return self


class OfferOut(CamelModel):
    id: str
    title: str
    description: str
    terms: str
    expiry: datetime
    eligible_memberships: list[MembershipTier]
    locations: list[str]
    created_at: datetime


class OfferListOut(RootModel[list[OfferOut]]):
    pass


def offer_out(offer: Offer) -> OfferOut:
    return OfferOut(**offer.model_dump(exclude={"starts_at", "updated_at"}))


@routes.get("/api/offers/", query=OffersQuery, auth=True,
            responses={200: OfferListOut, 400: None, 401: None, 404: None})  # fmt: skip
async def list_offers(request: web.Request) -> web.Response:
    """List the offers for the member near a point, nearest first."""
    actor = require_actor(request)
    query = read_query(request, OffersQuery)
    vehicle_id = garage_id(query.vehicle_id, VEHICLE_NOT_FOUND) if query.vehicle_id else None
    cmd = OffersNear(vehicle_id=vehicle_id, latitude=query.lat, longitude=query.lng)
    offers = await request.app[BUS].request(cmd, actor=actor)
    return camel(OfferListOut([offer_out(offer) for offer in offers.items]))
