"""MillionAvto (000) section 4: vehicle references under `/api/v1/vehicles`, on the catalog domain. No
auth. Each answer is a JSON array of the catalog's entries, relayed as they come:

- `types`, `body-types`, `transmissions`, `fuel-types`, `drive-types`: `{id, slug, name, name_en}`
  (`name` Russian); `colors` add `hex`.
- `brands?vehicle_type_id`: `{id, name, slug, country, is_popular, vehicle_type_ids}`.
- `models?brand_id`: `{id, brand_id, vehicle_type_id, name, slug, year_from, year_to}`.
- `generations?model_id`: `{id, model_id, name, year_from, year_to}`.
- `modifications?generation_id`: `{id, generation_id, name, year_from, year_to, body_type_id,
  fuel_type_id, engine_volume_l, power_hp, transmission_id, drive_type_id, seats, price_new_rub}`.

Choices where the document is silent: the filter is optional (without it, the whole list), except
`generation_id`, which modifications require (all of them at once would be megabytes); an id that
names nothing has nothing under it, an empty list, as a filter would; a filter that is missing where
required, or no positive 32-bit integer, is 422 naming it. Every answer carries an `ETag` and `Cache-Control` (kit/caching.py)
and is 304 to a matching `If-None-Match`: the references change with a release, or an admin's edit (a
new ETag at once).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, RootModel

from nodes.edge.http import SurfaceRoutes
from nodes.edge.kit.caching import cached_json
from nodes.edge.kit.fastapi import answers_422, query_of
from nodes.edge.state import BUS
from protocols.catalog import (
    Brand,
    Color,
    Generation,
    ListBrands,
    ListColors,
    ListGenerations,
    ListModifications,
    ListReferences,
    ListVehicleModels,
    Modification,
    Reference,
    ReferenceKind,
    VehicleModel,
)
from protocols.envelope import Command
from protocols.fields import Id

from .errors import SURFACE

routes = SurfaceRoutes(SURFACE)

PREFIX = "/api/v1/vehicles"
MAX_AGE_S = 3600


class BrandsQuery(BaseModel):
    vehicle_type_id: Id | None = None


class ModelsQuery(BaseModel):
    brand_id: Id | None = None


class GenerationsQuery(BaseModel):
    model_id: Id | None = None


class ModificationsQuery(BaseModel):
    generation_id: Id


async def relayed(request: web.Request, cmd: Command[Any]) -> web.Response:
    found = await request.app[BUS].request_json(cmd)
    return cached_json(request, found["items"], version=found["version"], max_age_s=MAX_AGE_S)


def plain_list(path: str, kind: ReferenceKind, summary: str) -> None:
    """A route answering one of the plain lists."""

    async def handler(request: web.Request) -> web.Response:
        return await relayed(request, ListReferences(kind=kind))

    handler.__name__ = f"list_{kind.value}"
    routes.get(PREFIX + path, summary=summary, responses={200: RootModel[list[Reference]], 304: None})(
        handler
    )


plain_list("/types", ReferenceKind.VEHICLE_TYPES, "List vehicle types")


@routes.get(PREFIX + "/brands", query=BrandsQuery,
            responses={200: RootModel[list[Brand]], 304: None, 422: None})  # fmt: skip
@answers_422
async def list_brands(request: web.Request) -> web.Response:
    """List brands (filter by vehicle type)."""
    query = query_of(request, BrandsQuery)
    return await relayed(request, ListBrands(vehicle_type_id=query.vehicle_type_id))


@routes.get(PREFIX + "/models", query=ModelsQuery,
            responses={200: RootModel[list[VehicleModel]], 304: None, 422: None})  # fmt: skip
@answers_422
async def list_models(request: web.Request) -> web.Response:
    """List models (filter by brand)."""
    query = query_of(request, ModelsQuery)
    return await relayed(request, ListVehicleModels(brand_id=query.brand_id))


@routes.get(PREFIX + "/generations", query=GenerationsQuery,
            responses={200: RootModel[list[Generation]], 304: None, 422: None})  # fmt: skip
@answers_422
async def list_generations(request: web.Request) -> web.Response:
    """List generations (filter by model)."""
    query = query_of(request, GenerationsQuery)
    return await relayed(request, ListGenerations(model_id=query.model_id))


@routes.get(PREFIX + "/modifications", query=ModificationsQuery,
            responses={200: RootModel[list[Modification]], 304: None, 422: None})  # fmt: skip
@answers_422
async def list_modifications(request: web.Request) -> web.Response:
    """List modifications (filter by generation)."""
    query = query_of(request, ModificationsQuery)
    return await relayed(request, ListModifications(generation_id=query.generation_id))


plain_list("/body-types", ReferenceKind.BODY_TYPES, "List body types")
plain_list("/transmissions", ReferenceKind.TRANSMISSIONS, "List transmission types")
plain_list("/fuel-types", ReferenceKind.FUEL_TYPES, "List fuel types")
plain_list("/drive-types", ReferenceKind.DRIVE_TYPES, "List drive types")


@routes.get(PREFIX + "/colors", responses={200: RootModel[list[Color]], 304: None})
async def list_colors(request: web.Request) -> web.Response:
    """List available colors."""
    return await relayed(request, ListColors())
