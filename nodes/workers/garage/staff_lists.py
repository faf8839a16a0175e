"""The console's tables of the garage (admins only): every member's vehicles (by owner and make) and
appointments (by status, location and UTC day), every location and every offer; each a page, with how
many there are in all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import TypeVar

from sqlalchemy import Select

from protocols import garage as vehicles_wire
from protocols import garage_members as members_wire
from protocols import garage_service as wire
from protocols.envelope import Actor

from . import queries
from .appointments import view as appointment_view
from .deps import GarageDeps
from .handlers import handlers
from .locations import view as location_view
from .offers import views as offer_views
from .staff import require_admin
from .vehicles import view as vehicle_view

DAY = timedelta(days=1)
Row = TypeVar("Row")
Shown = TypeVar("Shown")


async def page_of(
    deps: GarageDeps, query: Select[Row], offset: int, limit: int, view: Callable[[Row], Shown]
) -> tuple[list[Shown], int]:
    async with deps.read_db() as db:
        rows, total = await queries.paged(db, query, offset, limit)
    return [view(row) for row in rows], total


@handlers.on(vehicles_wire.ListVehiclesForStaff)
async def list_vehicles_for_staff(
    cmd: vehicles_wire.ListVehiclesForStaff, actor: Actor, deps: GarageDeps
) -> vehicles_wire.VehiclePage:
    require_admin(actor)
    query = queries.vehicles_where(cmd.owner_id, cmd.make)
    items, total = await page_of(deps, query, cmd.offset, cmd.limit, vehicle_view)
    return vehicles_wire.VehiclePage(items=items, total=total)


@handlers.on(wire.ListAppointmentsForStaff)
async def list_appointments_for_staff(
    cmd: wire.ListAppointmentsForStaff, actor: Actor, deps: GarageDeps
) -> wire.AppointmentPage:
    require_admin(actor)
    start = datetime.combine(cmd.day, time(), UTC) if cmd.day is not None else None
    status = cmd.status.value if cmd.status is not None else None
    query = queries.appointments_where(status, cmd.location_id, start, start and start + DAY)
    items, total = await page_of(deps, query, cmd.offset, cmd.limit, appointment_view)
    return wire.AppointmentPage(items=items, total=total)


@handlers.on(wire.ListLocationsForStaff)
async def list_locations_for_staff(
    cmd: wire.ListLocationsForStaff, actor: Actor, deps: GarageDeps
) -> wire.LocationPage:
    require_admin(actor)
    items, total = await page_of(deps, queries.every_location(), cmd.offset, cmd.limit, location_view)
    return wire.LocationPage(items=items, total=total)


@handlers.on(members_wire.ListOffersForStaff)
async def list_offers_for_staff(
    cmd: members_wire.ListOffersForStaff, actor: Actor, deps: GarageDeps
) -> members_wire.OfferPage:
    require_admin(actor)
    async with deps.read_db() as db:
        rows, total = await queries.paged(db, queries.every_offer(), cmd.offset, cmd.limit)
        return members_wire.OfferPage(items=await offer_views(db, rows), total=total)
