"""Service locations: listed for members, written by staff."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from protocols import garage_service as wire
from protocols.envelope import Actor, DomainError, ErrorCode
from storage.models.garage_service import ServiceLocation

from . import queries
from .deps import GarageDeps
from .handlers import handlers
from .staff import require_staff

NOT_FOUND = "Location not found"


def view(row: ServiceLocation) -> wire.Location:
    return wire.Location(
        id=row.id, name=row.name, address=row.address, latitude=row.latitude, longitude=row.longitude,
        time_zone=row.time_zone, bays=row.bays, opening_hours=row.opening_hours, phone=row.phone,
        active=row.active, created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


def zone_of(row: ServiceLocation) -> ZoneInfo:
    return ZoneInfo(row.time_zone)


def hours_of(row: ServiceLocation) -> list[wire.DayHours]:
    return [wire.DayHours.model_validate(day) for day in row.opening_hours]


async def written(db: AsyncSession, location_id: str) -> wire.Location:
    """The location as just written, from the same transaction."""
    row = await queries.location(db, location_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return view(row)


async def bookable(db: AsyncSession, location_id: str) -> ServiceLocation:
    """An active location; an inactive one is not there for members."""
    row = await queries.location(db, location_id)
    if row is None or not row.active:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return row


@handlers.on(wire.ListLocations)
async def list_locations(cmd: wire.ListLocations, actor: Actor, deps: GarageDeps) -> wire.LocationList:
    if cmd.include_inactive:
        require_staff(actor)
    async with deps.read_db() as db:
        rows = await queries.locations(db, include_inactive=cmd.include_inactive)
        return wire.LocationList(items=[view(row) for row in rows])


@handlers.on(wire.CreateLocation)
async def create_location(cmd: wire.CreateLocation, actor: Actor, deps: GarageDeps) -> wire.Location:
    require_staff(actor)
    now = datetime.now(UTC)
    values = cmd.model_dump(mode="json") | {"id": wire.new_id(), "created_at": now, "updated_at": now}
    async with deps.db() as db:
        await queries.insert_location(db, values)
        created = await written(db, values["id"])
        await db.commit()
    return created


@handlers.on(wire.UpdateLocation)
async def update_location(cmd: wire.UpdateLocation, actor: Actor, deps: GarageDeps) -> wire.Location:
    require_staff(actor)
    values = cmd.model_dump(mode="json", exclude={"location_id"}) | {"updated_at": datetime.now(UTC)}
    async with deps.db() as db:
        if not await queries.update_location(db, cmd.location_id, values):
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        updated = await written(db, cmd.location_id)
        await db.commit()
    return updated
