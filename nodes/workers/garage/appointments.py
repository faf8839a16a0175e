"""Appointments: a location's free slots, booking one for a member's own vehicle, his upcoming ones,
cancelling them (an admin any of them); a location's day for staff, and completing.

A booking holds one bay at every slot its services need (the first bay free at all of them). The
bays' key decides between bookings made at the same moment: on PostgreSQL the second insert waits for
the first transaction and then fails, so that booking tries the next bay; on SQLite the write lock
taken at BEGIN has the second booking read the first's bays. With no bay left the member is told the
time is taken, and nothing of his booking is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from protocols import garage_service as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from storage.models.garage_service import Appointment, ServiceLocation

from . import queries
from .deps import GarageDeps
from .handlers import handlers
from .locations import NOT_FOUND as LOCATION_NOT_FOUND
from .locations import bookable, hours_of, zone_of
from .referrals import credit_referrer, referrer_of
from .slots import SLOT, covered, local_date, opening, whole_day
from .staff import require_staff

NOT_FOUND = "Appointment not found"
VEHICLE_NOT_FOUND = "Vehicle not found"
TAKEN = "This time is no longer available"
UPCOMING_MAX = 100
BOOKED, CANCELLED, COMPLETED = (s.value for s in wire.AppointmentStatus)


def view(row: Appointment) -> wire.Appointment:
    return wire.Appointment(
        id=row.id, owner_id=row.owner_id, owner_public_id=row.owner_public_id, vehicle_id=row.vehicle_id,
        location_id=row.location_id, start_at=row.start_at, end_at=row.end_at,
        services=[wire.ServiceCode(code) for code in row.services], status=wire.AppointmentStatus(row.status),
        created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


def invalid(field: str | None, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, message, {"field": field} if field else {})


async def found(db: AsyncSession, appointment_id: str, owner_id: int | None = None) -> Appointment:
    row = await queries.appointment(db, appointment_id, owner_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return row


def check_start(
    location: ServiceLocation, start: datetime, slots: int, now: datetime, horizon_days: int
) -> None:
    """An appointment may start there then: a slot's start, ahead, and its services done by closing."""
    if start <= now:
        raise invalid("start_time", "This time has passed")
    if start > now + timedelta(days=horizon_days):
        raise invalid("start_time", f"Appointments are booked at most {horizon_days} days ahead")
    zone = zone_of(location)
    day = opening(hours_of(location), zone, local_date(start, zone))
    if day is None or start not in day.starts():
        raise invalid("start_time", "Not the start of a 30-minute slot within the location's opening hours")
    if not day.fits(start, slots):
        raise invalid(
            "start_time",
            f"The services take {slots * wire.SLOT_MINUTES} minutes and would run past closing time",
        )


async def hold_a_bay(
    db: AsyncSession, location: ServiceLocation, starts: list[datetime], appointment_id: str
) -> None:
    held = await queries.held_bays(db, location.id, starts)
    for bay in range(location.bays):
        if bay in held:
            continue
        try:
            async with db.begin_nested():
                await queries.hold(db, location.id, starts, bay, appointment_id)
            return
        except IntegrityError:
            continue  # taken meanwhile, by a booking made at the same moment
    raise invalid("start_time", TAKEN)


@handlers.on(wire.GetAvailability)
async def availability(cmd: wire.GetAvailability, actor: Actor, deps: GarageDeps) -> wire.SlotList:
    actor.require_user()
    now = datetime.now(UTC)
    horizon = now + timedelta(days=deps.settings.garage.booking_horizon_days)
    async with deps.read_db() as db:
        location = await bookable(db, cmd.location_id)
        day = opening(hours_of(location), zone_of(location), cmd.day)
        if day is None:
            return wire.SlotList(items=[])
        held = await queries.held_per_slot(db, location.id, day.opens, day.closes)
    free = [s for s in day.starts() if now < s <= horizon and held.get(s, 0) < location.bays]
    return wire.SlotList(items=[wire.Slot(start=s, end=s + SLOT) for s in free])


@handlers.on(wire.BookAppointment)
async def book(cmd: wire.BookAppointment, actor: Actor, deps: GarageDeps) -> wire.Appointment:
    owner_id = actor.require_user()
    public_id = await deps.public_ids.of(owner_id)
    now = datetime.now(UTC)
    slots = wire.slots_needed(cmd.services)
    end = cmd.start_time + slots * SLOT
    appointment_id = wire.new_id()
    values = {
        "id": appointment_id, "owner_id": owner_id, "owner_public_id": public_id, "vehicle_id": cmd.vehicle_id,
        "location_id": cmd.location_id, "start_at": cmd.start_time, "end_at": end,
        "services": [code.value for code in cmd.services], "status": BOOKED, "created_at": now, "updated_at": now,
    }  # fmt: skip
    async with deps.db() as db:
        if await queries.owned_vehicle(db, owner_id, cmd.vehicle_id) is None:
            raise DomainError(ErrorCode.NOT_FOUND, VEHICLE_NOT_FOUND)
        location = await bookable(db, cmd.location_id)
        check_start(location, cmd.start_time, slots, now, deps.settings.garage.booking_horizon_days)
        if await queries.vehicle_booked(db, cmd.vehicle_id, cmd.start_time, end):
            raise invalid("vehicle_id", "This vehicle has another appointment at that time")
        await queries.insert_appointment(db, values)
        await hold_a_bay(db, location, covered(cmd.start_time, slots), appointment_id)
        booked = view(await found(db, appointment_id))
        await db.commit()
    return booked


@handlers.on(wire.ListUpcoming)
async def upcoming(_cmd: wire.ListUpcoming, actor: Actor, deps: GarageDeps) -> wire.AppointmentList:
    async with deps.read_db() as db:
        rows = await queries.upcoming(db, actor.require_user(), datetime.now(UTC), UPCOMING_MAX)
        return wire.AppointmentList(items=[view(row) for row in rows])


@handlers.on(wire.CancelAppointment)
async def cancel(cmd: wire.CancelAppointment, actor: Actor, deps: GarageDeps) -> wire.Appointment:
    owner_id = None if actor.role is Role.ADMIN else actor.require_user()  # an admin cancels anyone's
    now = datetime.now(UTC)
    async with deps.db() as db:
        row = await found(db, cmd.appointment_id, owner_id)
        if row.status == COMPLETED:
            raise invalid(None, "A completed appointment cannot be cancelled")
        if row.status == BOOKED:
            if row.start_at <= now:
                raise invalid(None, "This appointment has already started")
            if await queries.change_status(db, row.id, BOOKED, CANCELLED, now):
                await queries.release(db, row.id)  # its bays are free again
        cancelled = view(await found(db, row.id))
        if cancelled.status is not wire.AppointmentStatus.CANCELLED:  # completed by staff meanwhile
            raise invalid(None, "A completed appointment cannot be cancelled")
        await db.commit()
    return cancelled


@handlers.on(wire.ListAppointments)
async def location_day(cmd: wire.ListAppointments, actor: Actor, deps: GarageDeps) -> wire.AppointmentList:
    require_staff(actor)
    async with deps.read_db() as db:
        location = await queries.location(db, cmd.location_id)
        if location is None:
            raise DomainError(ErrorCode.NOT_FOUND, LOCATION_NOT_FOUND)
        start, end = whole_day(zone_of(location), cmd.day)
        return wire.AppointmentList(
            items=[view(row) for row in await queries.at_location(db, location.id, start, end)]
        )


@handlers.on(wire.CompleteAppointment)
async def complete(cmd: wire.CompleteAppointment, actor: Actor, deps: GarageDeps) -> wire.Appointment:
    """The status change and the referrer's credit are one transaction: both happen, or neither."""
    require_staff(actor)
    async with deps.read_db() as db:
        member_id = (await found(db, cmd.appointment_id)).owner_id
    referrer = await referrer_of(deps, member_id)  # asked first: nothing is written if identity is silent
    now = datetime.now(UTC)
    async with deps.db() as db:
        if (
            await queries.change_status(db, cmd.appointment_id, BOOKED, COMPLETED, now)
            and referrer is not None
        ):
            await credit_referrer(db, deps.settings, referrer, member_id, cmd.appointment_id, now)
        completed = view(await found(db, cmd.appointment_id))
        if completed.status is not wire.AppointmentStatus.COMPLETED:
            raise invalid(None, "A cancelled appointment cannot be completed")
        await db.commit()
    return completed
