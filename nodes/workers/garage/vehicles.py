"""Vehicles: added, read, changed and deleted by their owner, who links a dongle to each; anyone
else's vehicle is not there."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from protocols import garage as wire
from protocols.envelope import Actor, DomainError, Empty, ErrorCode, Role
from protocols.fields import VEHICLES_MAX
from storage.models.garage import Vehicle

from . import queries
from .deps import GarageDeps
from .handlers import handlers

NOT_FOUND = "Vehicle not found"
VIN_TAKEN = "You already have a vehicle with this VIN"
DONGLE_TAKEN = "This dongle is linked to another member's vehicle"
TOO_MANY = f"A member keeps at most {VEHICLES_MAX} vehicles"
NOT_NULL = wire.REQUIRED_FIELDS | {wire.VehicleField.ODOMETER}


def view(row: Vehicle) -> wire.Vehicle:
    return wire.Vehicle(
        id=row.id, owner_id=row.owner_id, owner_public_id=row.owner_public_id, vin=row.vin, make=row.make,
        model=row.model, trim=row.trim, year=row.year, license_plate=row.license_plate,
        odometer=row.odometer, odometer_at=row.odometer_at,
        fuel_type=wire.FuelType(row.fuel_type) if row.fuel_type else None, dongle_id=row.dongle_id,
        dongle_connection_type=wire.ConnectionType(row.dongle_connection_type)
        if row.dongle_connection_type else None,
        created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


def invalid(field: str, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, message, {"field": field})


async def owned(db: AsyncSession, actor: Actor, vehicle_id: str) -> Vehicle:
    row = await queries.owned_vehicle(db, actor.require_user(), vehicle_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return row


async def written(db: AsyncSession, actor: Actor, vehicle_id: str) -> wire.Vehicle:
    """The vehicle as just written, from the same transaction."""
    return view(await owned(db, actor, vehicle_id))


@handlers.on(wire.ListVehicles)
async def list_vehicles(_cmd: wire.ListVehicles, actor: Actor, deps: GarageDeps) -> wire.VehicleList:
    async with deps.read_db() as db:
        rows = await queries.vehicles_of(db, actor.require_user())
        return wire.VehicleList(items=[view(row) for row in rows])


@handlers.on(wire.GetVehicle)
async def get_vehicle(cmd: wire.GetVehicle, actor: Actor, deps: GarageDeps) -> wire.Vehicle:
    async with deps.read_db() as db:
        return view(await owned(db, actor, cmd.vehicle_id))


@handlers.on(wire.OwnersOfVehicles)
async def owners_of_vehicles(
    cmd: wire.OwnersOfVehicles, actor: Actor, deps: GarageDeps
) -> wire.VehicleOwners:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "The system only")
    async with deps.read_db() as db:
        owners = await queries.owners_of(db, cmd.vehicle_ids)
    return wire.VehicleOwners(items=[wire.VehicleOwner(vehicle_id=v, owner_id=o) for v, o in owners])


@handlers.on(wire.AddVehicle)
async def add_vehicle(cmd: wire.AddVehicle, actor: Actor, deps: GarageDeps) -> wire.Vehicle:
    owner_id = actor.require_user()
    public_id = await deps.public_ids.of(owner_id)
    now = datetime.now(UTC)
    values = cmd.model_dump(mode="json") | {
        "id": wire.new_vehicle_id(), "owner_id": owner_id, "owner_public_id": public_id,
        "odometer_at": now, "created_at": now, "updated_at": now,
    }  # fmt: skip
    async with deps.db() as db:
        if await queries.count_of(db, owner_id) >= VEHICLES_MAX:
            raise DomainError(ErrorCode.VALIDATION, TOO_MANY)
        if await queries.vin_taken(db, owner_id, cmd.vin):
            raise invalid("vin", VIN_TAKEN)
        try:
            await queries.insert_vehicle(db, values)
            added = await written(db, actor, values["id"])
            await db.commit()
        except IntegrityError:  # the same VIN added at once by another request
            raise invalid("vin", VIN_TAKEN) from None
    return added


@handlers.on(wire.UpdateVehicle)
async def update_vehicle(cmd: wire.UpdateVehicle, actor: Actor, deps: GarageDeps) -> wire.Vehicle:
    changes: dict[str, Any] = {field.value: getattr(cmd, field.value) for field in cmd.changed}
    for field in NOT_NULL & cmd.changed:
        if changes[field.value] is None:
            raise invalid(field.value, "This field may not be null.")
    owner_id = actor.require_user()
    now = datetime.now(UTC)
    async with deps.db() as db:
        current = await owned(db, actor, cmd.vehicle_id)
        if cmd.vin is not None and await queries.vin_taken(db, owner_id, cmd.vin, besides=current.id):
            raise invalid("vin", VIN_TAKEN)
        if "odometer" in changes:
            changes["odometer_at"] = now  # the member's reading is now the latest known
        if isinstance(changes.get("fuel_type"), wire.FuelType):
            changes["fuel_type"] = changes["fuel_type"].value
        try:
            await queries.update_vehicle(db, owner_id, current.id, changes | {"updated_at": now})
            updated = await written(db, actor, current.id)
            await db.commit()
        except IntegrityError:
            raise invalid("vin", VIN_TAKEN) from None
    return updated


@handlers.on(wire.DeleteVehicle)
async def delete_vehicle(cmd: wire.DeleteVehicle, actor: Actor, deps: GarageDeps) -> Empty:
    async with deps.db() as db:
        if not await queries.delete_vehicle(db, actor.require_user(), cmd.vehicle_id):
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        await db.commit()
    await deps.bus.publish(wire.VehicleDeleted(vehicle_id=cmd.vehicle_id))
    return Empty()


@handlers.on(wire.LinkDongle)
async def link_dongle(cmd: wire.LinkDongle, actor: Actor, deps: GarageDeps) -> wire.Vehicle:
    owner_id = actor.require_user()
    link = {"dongle_id": cmd.dongle_id, "dongle_connection_type": cmd.connection_type.value}
    async with deps.db() as db:
        vehicle = await owned(db, actor, cmd.vehicle_id)
        holder = await queries.dongle_holder(db, cmd.dongle_id)
        if holder is not None and holder.owner_id != owner_id:
            raise invalid("dongle_id", DONGLE_TAKEN)
        await queries.unlink_dongle_of_owner(db, owner_id, cmd.dongle_id)  # moved from his other car
        try:
            await queries.update_vehicle(db, owner_id, vehicle.id, link | {"updated_at": datetime.now(UTC)})
            linked = await written(db, actor, vehicle.id)
            await db.commit()
        except IntegrityError:  # linked to someone else's at the same moment
            raise invalid("dongle_id", DONGLE_TAKEN) from None
    return linked


@handlers.on(wire.UnlinkDongle)
async def unlink_dongle(cmd: wire.UnlinkDongle, actor: Actor, deps: GarageDeps) -> wire.Vehicle:
    unlinked = {"dongle_id": None, "dongle_connection_type": None, "updated_at": datetime.now(UTC)}
    async with deps.db() as db:
        vehicle = await owned(db, actor, cmd.vehicle_id)
        await queries.update_vehicle(db, vehicle.owner_id, vehicle.id, unlinked)
        result = await written(db, actor, vehicle.id)
        await db.commit()
    return result
