"""MillionAvto (000) section 5: locations under `/api/v1/locations`, on the catalog domain. No auth.

- `countries`: `{id, iso2, iso3, name, name_ru, phone_code, currency}`, by name.
- `regions?country_id`: `{id, country_id, code, name, name_native}` (`code` ISO 3166-2).
- `cities?region_id` (or `?country_id`): `{id, country_id, region_id, name, latitude, longitude,
  population}`, largest first; ids are GeoNames'.
- `major-cities`: the cities of the platform's markets, Russia's of at least 500,000 people then
  Kazakhstan's of at least 250,000, each largest first.
- `nearby?lat&lon&radius_km`: the cities within the radius (km, above 0 and at most 1,000, 50 when not
  given), nearest first, each with `distance_km`; at most 100.
- `detect`: `{city, detected}`: the city of the client's address in the MaxMind-format database
  `[catalog] geoip_db` names; without one, for a private or loopback address, or one it does not
  know, the configured `[catalog] default_city` with `detected` false.

Choices where the document is silent: filters are optional (`regions` without one: every region;
`cities` without one: the major cities, as every city would be megabytes); an id that names nothing
has nothing under it, an empty list; a bad parameter is 422 naming it. The lists carry an `ETag` and
`Cache-Control` (kit/caching.py) and are 304 to a matching `If-None-Match`; `nearby` is cached by its
body's digest; `detect` depends on the caller and is never cached.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, RootModel

from nodes.edge.http import SurfaceRoutes, json_response
from nodes.edge.kit.caching import cached_json
from nodes.edge.kit.fastapi import answers_422, query_of
from nodes.edge.session_http import client_ip
from nodes.edge.state import BUS
from protocols.catalog import (
    City,
    Country,
    DetectedLocation,
    DetectLocation,
    FindNearbyCities,
    ListCities,
    ListCountries,
    ListMajorCities,
    ListRegions,
    NearbyCity,
    Region,
)
from protocols.envelope import Command
from protocols.fields import Id, Latitude, Longitude, RadiusKm

from .errors import SURFACE

routes = SurfaceRoutes(SURFACE)

PREFIX = "/api/v1/locations"
MAX_AGE_S = 3600
NEARBY_DEFAULT_KM = 50.0


class RegionsQuery(BaseModel):
    country_id: Id | None = None


class CitiesQuery(BaseModel):
    region_id: Id | None = None
    country_id: Id | None = None


class NearbyQuery(BaseModel):
    lat: Latitude
    lon: Longitude
    radius_km: RadiusKm = NEARBY_DEFAULT_KM


async def relayed(request: web.Request, cmd: Command[Any]) -> web.Response:
    found = await request.app[BUS].request_json(cmd)
    return cached_json(request, found["items"], version=found["version"], max_age_s=MAX_AGE_S)


@routes.get(PREFIX + "/countries", responses={200: RootModel[list[Country]], 304: None})
async def list_countries(request: web.Request) -> web.Response:
    """List countries."""
    return await relayed(request, ListCountries())


@routes.get(PREFIX + "/regions", query=RegionsQuery,
            responses={200: RootModel[list[Region]], 304: None, 422: None})  # fmt: skip
@answers_422
async def list_regions(request: web.Request) -> web.Response:
    """List regions (filter by country)."""
    query = query_of(request, RegionsQuery)
    return await relayed(request, ListRegions(country_id=query.country_id))


@routes.get(PREFIX + "/cities", query=CitiesQuery,
            responses={200: RootModel[list[City]], 304: None, 422: None})  # fmt: skip
@answers_422
async def list_cities(request: web.Request) -> web.Response:
    """List cities (filter by region)."""
    query = query_of(request, CitiesQuery)
    return await relayed(request, ListCities(region_id=query.region_id, country_id=query.country_id))


@routes.get(PREFIX + "/detect", responses={200: DetectedLocation})
async def detect(request: web.Request) -> web.Response:
    """Detect location by IP."""
    found = await request.app[BUS].request_json(DetectLocation(ip=client_ip(request)))
    return json_response(found, headers={"Cache-Control": "no-store"})


@routes.get(PREFIX + "/nearby", query=NearbyQuery,
            responses={200: RootModel[list[NearbyCity]], 304: None, 422: None})  # fmt: skip
@answers_422
async def nearby(request: web.Request) -> web.Response:
    """Find nearby cities (radius)."""
    query = query_of(request, NearbyQuery)
    cmd = FindNearbyCities(latitude=query.lat, longitude=query.lon, radius_km=query.radius_km)
    found = await request.app[BUS].request_json(cmd)
    return cached_json(request, found["items"], max_age_s=MAX_AGE_S)


@routes.get(PREFIX + "/major-cities", responses={200: RootModel[list[City]], 304: None})
async def major_cities(request: web.Request) -> web.Response:
    """List major cities."""
    return await relayed(request, ListMajorCities())
