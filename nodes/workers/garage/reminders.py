"""Reminders (scheduled): the member of each booked appointment starting within `[garage]
reminder_lead_s` (a day) is told once, through notify.

An appointment is marked reminded only once notify has answered for it; until then every run sends it
again (notify did not answer, the worker died between the two), and notify gives the member the
notification of its key (the appointment's id) once, even when two runs send it at the same moment.
One notify refuses for good (the member is gone) is marked too, with a warning.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nodes.runtime.notices import tell
from protocols import garage_service as wire
from protocols import notify
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from storage.models.garage_service import Appointment, ServiceLocation

from . import queries
from .deps import GarageDeps
from .handlers import handlers
from .locations import zone_of


def notice_of(appointment: Appointment, location: ServiceLocation) -> notify.Notify:
    local = appointment.start_at.astimezone(zone_of(location))
    services = ", ".join(wire.SERVICES[wire.ServiceCode(code)].name for code in appointment.services)
    return notify.Notify(
        user_ids=[appointment.owner_id],
        type=wire.APPOINTMENT_REMINDER,
        title="Your service appointment is coming up",
        message=f"{location.name}, {local:%A %d %B at %H:%M}: {services}.",
        payload={
            "appointmentId": appointment.id,
            "locationId": location.id,
            "vehicleId": appointment.vehicle_id,
            "startTime": appointment.start_at.isoformat(),
            "services": list(appointment.services),
        },
        dedupe_key=f"{wire.APPOINTMENT_REMINDER}:{appointment.id}",
    )


@handlers.on(wire.RemindAppointments)
async def remind(_cmd: wire.RemindAppointments, actor: Actor, deps: GarageDeps) -> wire.RemindersSent:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "scheduled work: the system only")
    garage = deps.settings.garage
    now = datetime.now(UTC)
    async with deps.read_db() as db:
        due = await queries.due_reminders(
            db, now, now + timedelta(seconds=garage.reminder_lead_s), garage.reminder_batch
        )
        places = {row.id: row for row in await queries.locations(db, include_inactive=True)} if due else {}
    told = await tell(
        deps.bus,
        [(a.id, notice_of(a, places[a.location_id])) for a in due],
        lambda appointment_id: f"the member of appointment {appointment_id}",
    )
    if told.done:
        async with deps.db() as db:
            await queries.mark_reminded(db, told.done, now)
            await db.commit()
    # More may be due only when a whole batch was, and went out: with notify silent, wait for a later run.
    whole = len(due) == garage.reminder_batch and len(told.done) == len(due)
    return wire.RemindersSent(sent=told.sent, more=whole)
