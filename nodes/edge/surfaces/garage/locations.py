"""Membership Auto (004): the service locations a member books at. The document names `locationId`s
but no path that lists them; `GET /api/locations/` does (staff write them: staff.py).

A location: `id`, `name`, `address`, `latitude`, `longitude`, `timeZone` (IANA), `bays` (cars served
at once), `phone`, `openingHours` (`[{"weekday": "monday", "opens": "08:00", "closes": "18:00"}]`, on
the location's clock; a weekday not listed it is closed; "24:00" closes at midnight), `active`,
`createdAt`. Only active locations are listed here, by name.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import RootModel

from nodes.edge.http import SurfaceRoutes
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.garage_service import DayHours, ListLocations, Location

from .errors import SURFACE
from .shapes import CamelModel, camel

routes = SurfaceRoutes(SURFACE)


class LocationOut(CamelModel):
    id: str
    name: str
    address: str
    latitude: float
    longitude: float
    time_zone: str
    bays: int
    phone: str | None
    opening_hours: list[DayHours]
    active: bool
    created_at: datetime


class LocationListOut(RootModel[list[LocationOut]]):
    pass


def location_out(location: Location) -> LocationOut:
    return LocationOut(**location.model_dump(exclude={"updated_at"}))


def locations_out(locations: list[Location]) -> web.Response:
    return camel(LocationListOut([location_out(location) for location in locations]))


@routes.get("/api/locations/", auth=True, responses={200: LocationListOut, 401: None})
async def list_locations(request: web.Request) -> web.Response:
    """List the service locations (active ones, by name)."""
    listed = await request.app[BUS].request(ListLocations(), actor=require_actor(request))
    return locations_out(listed.items)
