"""Membership Auto (004) "Vehicles": `/api/vehicles/`, on the garage domain.

- `GET /api/vehicles/`: the member's vehicles, oldest first, as a plain array.
- `POST /api/vehicles/`: add one (`vin`, `make`, `model`, `year` required; `trim`, `licensePlate`,
  `odometer`, `fuelType` optional); 201 with the vehicle.
- `GET`, `PUT` (every field again), `PATCH` (the fields given), `DELETE` (204) `/api/vehicles/{vehicleId}/`.
- `POST /api/vehicles/{vehicleId}/link-dongle/` `{"dongleId", "connectionType"}` (`BLE`, `WIFI` or
  `CLOUD`): 200 with the vehicle. A dongle is on one vehicle at a time: linked to another of the
  member's vehicles, it moves; linked to another member's, it is a 400 on `dongleId`.
  `DELETE` on the same path unlinks it (the document is silent on unlinking).

Choices where the document is silent: ids are UUIDs; `user` is the owner's account id (the same
UUID the account endpoints show). The VIN is checked as protocols/garage.py says (17 characters, no
I, O or Q, the check digit of a North American VIN) and kept upper-case; a VIN the member has on
another vehicle is a 400 on `vin`; `year` is a model year from 1885 to next year, never compared with
the VIN's year letter. `fuelType` is one of `gasoline`, `diesel`, `hybrid`, `plugin_hybrid`,
`electric`, `flex_fuel`, `cng`, `lpg`, `hydrogen`. `odometer` is the latest reading known: the
member's, or a dongle's telemetry read after it. A vehicle that is not the member's (or an id that
is no UUID) is 404 `{"error": "Vehicle not found"}`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import ConfigDict, RootModel
from pydantic.alias_generators import to_camel

from nodes.edge.http import SurfaceRoutes, read_body
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.envelope import DomainError, ErrorCode
from protocols.fields import DongleId
from protocols.garage import (
    AddVehicle,
    ConnectionType,
    DeleteVehicle,
    FuelType,
    GetVehicle,
    LinkDongle,
    ListVehicles,
    UnlinkDongle,
    UpdateVehicle,
    Vehicle,
    VehicleChanges,
    VehicleField,
    VehicleFields,
)
from protocols.telemetry import LatestOdometers, OdometerReading

from .errors import SURFACE
from .shapes import CamelModel, camel

routes = SurfaceRoutes(SURFACE)

PREFIX = "/api/vehicles/"
ONE = PREFIX + "{vehicleId}/"
NOT_FOUND = "Vehicle not found"
# The garage's own field types, read in the contract's camelCase; fields the client sends back that
# it cannot write (`id`, `user`, `dongleId`...) are ignored, as DRF's read-only fields are.
CAMEL_BODY = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=False)


class VehicleOut(CamelModel):
    id: str
    user: str
    vin: str
    make: str
    model: str
    trim: str | None
    year: int
    license_plate: str | None
    odometer: float
    dongle_id: str | None
    dongle_connection_type: ConnectionType | None
    fuel_type: FuelType | None
    created_at: datetime


class VehicleListOut(RootModel[list[VehicleOut]]):
    pass


class VehicleBody(VehicleFields):
    model_config = CAMEL_BODY


class VehicleChangesBody(VehicleChanges):
    """Only the fields given change."""

    model_config = CAMEL_BODY


class DongleBody(CamelModel):
    dongle_id: DongleId
    connection_type: ConnectionType


def vehicle_out(vehicle: Vehicle, reading: OdometerReading | None = None) -> VehicleOut:
    """The vehicle; its odometer the dongle's `reading` when that is newer than the member's."""
    newer = reading is not None and reading.t > vehicle.odometer_at.timestamp() * 1000
    return VehicleOut(
        id=vehicle.id, user=vehicle.owner_public_id, vin=vehicle.vin, make=vehicle.make, model=vehicle.model,
        trim=vehicle.trim, year=vehicle.year, license_plate=vehicle.license_plate,
        odometer=reading.odometer if reading is not None and newer else vehicle.odometer, dongle_id=vehicle.dongle_id,
        dongle_connection_type=vehicle.dongle_connection_type, fuel_type=vehicle.fuel_type,
        created_at=vehicle.created_at,
    )  # fmt: skip


async def shown(request: web.Request, vehicles: list[Vehicle]) -> list[VehicleOut]:
    """The vehicles with the latest odometer known: the telemetry's, where it is newer. Without an
    answer from telemetry, the member's readings are shown."""
    if not vehicles:
        return []
    cmd = LatestOdometers(vehicle_ids=[v.id for v in vehicles])
    try:
        readings = await request.app[BUS].request(cmd, actor=require_actor(request))
    except DomainError as exc:
        if exc.code is not ErrorCode.UNAVAILABLE:
            raise
        return [vehicle_out(v) for v in vehicles]
    by_vehicle = {r.vehicle_id: r for r in readings.items}
    return [vehicle_out(v, by_vehicle.get(v.id)) for v in vehicles]


async def one_shown(request: web.Request, vehicle: Vehicle) -> web.Response:
    return camel((await shown(request, [vehicle]))[0])


def vehicle_id_of(request: web.Request) -> str:
    """The path's vehicle id, as the garage writes it; anything that is no UUID is no vehicle."""
    try:
        return str(uuid.UUID(request.match_info["vehicleId"]))
    except ValueError:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND) from None


async def owned_vehicle(request: web.Request) -> Vehicle:
    """The member's vehicle of the path; anyone else's is 404 as a missing one."""
    cmd = GetVehicle(vehicle_id=vehicle_id_of(request))
    return await request.app[BUS].request(cmd, actor=require_actor(request))


@routes.get(PREFIX, auth=True, responses={200: VehicleListOut, 401: None})
async def list_vehicles(request: web.Request) -> web.Response:
    """List the member's vehicles."""
    listed = await request.app[BUS].request(ListVehicles(), actor=require_actor(request))
    return camel(VehicleListOut(await shown(request, listed.items)))


@routes.post(PREFIX, auth=True, body=VehicleBody, responses={201: VehicleOut, 400: None, 401: None})
async def add_vehicle(request: web.Request) -> web.Response:
    """Add a vehicle."""
    actor = require_actor(request)
    body = await read_body(request, VehicleBody)
    added = await request.app[BUS].request(AddVehicle(**body.model_dump()), actor=actor)
    return camel(vehicle_out(added), 201)


@routes.get(ONE, auth=True, responses={200: VehicleOut, 401: None, 404: None})
async def get_vehicle(request: web.Request) -> web.Response:
    """Get one of the member's vehicles."""
    return await one_shown(request, await owned_vehicle(request))


async def update(
    request: web.Request, values: dict[str, Any], changed: frozenset[VehicleField]
) -> web.Response:
    cmd = UpdateVehicle(vehicle_id=vehicle_id_of(request), changed=changed, **values)
    return await one_shown(request, await request.app[BUS].request(cmd, actor=require_actor(request)))


@routes.put(ONE, auth=True, body=VehicleBody, responses={200: VehicleOut, 400: None, 401: None, 404: None})
async def replace_vehicle(request: web.Request) -> web.Response:
    """Update a vehicle: every field again (one left out takes its default)."""
    vehicle_id_of(request)  # a path that names no vehicle is 404 before its body is read
    body = await read_body(request, VehicleBody)
    return await update(request, body.model_dump(), frozenset(VehicleField))


@routes.patch(
    ONE, auth=True, body=VehicleChangesBody, responses={200: VehicleOut, 400: None, 401: None, 404: None}
)
async def change_vehicle(request: web.Request) -> web.Response:
    """Update a vehicle: the fields given."""
    vehicle_id_of(request)
    body = await read_body(request, VehicleChangesBody)
    return await update(request, body.model_dump(), frozenset(VehicleField(n) for n in body.model_fields_set))


@routes.delete(ONE, auth=True, responses={204: None, 401: None, 404: None})
async def delete_vehicle(request: web.Request) -> web.Response:
    """Delete a vehicle."""
    cmd = DeleteVehicle(vehicle_id=vehicle_id_of(request))
    await request.app[BUS].request(cmd, actor=require_actor(request))
    return web.Response(status=204)


@routes.post(ONE + "link-dongle/", auth=True, body=DongleBody,
             responses={200: VehicleOut, 400: None, 401: None, 404: None})  # fmt: skip
async def link_dongle(request: web.Request) -> web.Response:
    """Link an OBD dongle (BLE, WIFI or CLOUD) to a vehicle."""
    actor = require_actor(request)
    body = await read_body(request, DongleBody)
    cmd = LinkDongle(vehicle_id=vehicle_id_of(request), **body.model_dump())
    return await one_shown(request, await request.app[BUS].request(cmd, actor=actor))


@routes.delete(ONE + "link-dongle/", auth=True, responses={200: VehicleOut, 401: None, 404: None})
async def unlink_dongle(request: web.Request) -> web.Response:
    """Unlink the vehicle's dongle."""
    cmd = UnlinkDongle(vehicle_id=vehicle_id_of(request))
    return await one_shown(request, await request.app[BUS].request(cmd, actor=require_actor(request)))
