"""Membership Auto (004) "Appointments": availability, booking, the member's upcoming appointments,
and cancelling one (the garage's rules: protocols/garage_service.py).

- `GET /api/appointments/availability/?locationId=&date=2024-01-15`: `{"availableSlots": [{"start",
  "end"}]}`, the free 30-minute slots of that date on the location's clock, in UTC, in time order:
  not past, within `[garage] booking_horizon_days`, at least one bay free. A closed day has none.
- `POST /api/appointments/book/` `{"vehicleId", "locationId", "startTime", "services"}`: 201 with the
  appointment. `startTime` is a slot's start (a time without a zone is UTC); `services` are codes of
  `GET /api/appointments/services/` (the published list: `code`, `name`, `durationMinutes`), done one
  after the other in one bay: their minutes, rounded up to whole slots, must end by closing time.
  A time taken meanwhile (every bay held, as when two members ask for the last one at once) is a 400
  on `startTime`; so is a time past, too far ahead or off the slots; one vehicle cannot be in two
  appointments at once (400 on `vehicleId`).
- `GET /api/appointments/upcoming/`: the member's booked appointments that have not ended, soonest
  first.
- `POST /api/appointments/{appointmentId}/cancel/` (the document names no way to cancel): 200 with
  the appointment, `cancelled`; its slots are free again. Only before it starts; a completed one is a
  400; cancelling again answers it as it is.

An appointment: `id`, `user` (the member's account id), `vehicleId`, `locationId`, `startTime`,
`endTime`, `services`, `status` (`booked`, `cancelled`, `completed`: staff complete them, staff.py),
`createdAt`. Another member's vehicle or appointment, an unknown or inactive location, or an id that
is no UUID, is 404 `{"error": "... not found"}`. The day before, the member is sent a reminder
notification (`appointment_reminder`) on every transport.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import RootModel

from nodes.edge.http import SurfaceRoutes, read_body, read_query
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.fields import Moment, QueryId, ServiceDate
from protocols.garage_service import (
    SERVICES,
    Appointment,
    BookAppointment,
    CancelAppointment,
    GetAvailability,
    Ident,
    ListUpcoming,
    ServiceCode,
    ServiceCodes,
)
from protocols.garage_service import AppointmentStatus as Status

from .errors import SURFACE
from .shapes import CamelModel, camel, garage_id, path_uuid
from .vehicles import CAMEL_BODY

routes = SurfaceRoutes(SURFACE)

PREFIX = "/api/appointments/"
NOT_FOUND = "Appointment not found"
LOCATION_NOT_FOUND = "Location not found"


class ServiceOut(CamelModel):
    code: ServiceCode
    name: str
    duration_minutes: int


class ServiceListOut(RootModel[list[ServiceOut]]):
    pass


class DayQuery(CamelModel):
    location_id: QueryId
    date: ServiceDate


class SlotOut(CamelModel):
    start: datetime
    end: datetime


class AvailabilityOut(CamelModel):
    available_slots: list[SlotOut]


class BookBody(CamelModel):
    model_config = CAMEL_BODY
    vehicle_id: Ident
    location_id: Ident
    start_time: Moment
    services: ServiceCodes


class AppointmentOut(CamelModel):
    id: str
    user: str
    vehicle_id: str
    location_id: str
    start_time: datetime
    end_time: datetime
    services: list[ServiceCode]
    status: Status
    created_at: datetime


class AppointmentListOut(RootModel[list[AppointmentOut]]):
    pass


def appointment_out(appointment: Appointment) -> AppointmentOut:
    return AppointmentOut(
        id=appointment.id, user=appointment.owner_public_id, vehicle_id=appointment.vehicle_id,
        location_id=appointment.location_id, start_time=appointment.start_at, end_time=appointment.end_at,
        services=appointment.services, status=appointment.status, created_at=appointment.created_at,
    )  # fmt: skip


def appointments_out(appointments: list[Appointment]) -> web.Response:
    return camel(AppointmentListOut([appointment_out(a) for a in appointments]))


def location_of(query: DayQuery) -> str:
    return garage_id(query.location_id, LOCATION_NOT_FOUND)


@routes.get(PREFIX + "services/", auth=True, responses={200: ServiceListOut, 401: None})
async def list_services(request: web.Request) -> web.Response:
    """The services one may book, with how long each takes."""
    require_actor(request)
    services = [ServiceOut(code=s.code, name=s.name, duration_minutes=s.minutes) for s in SERVICES.values()]
    return camel(ServiceListOut(services))


@routes.get(PREFIX + "availability/", query=DayQuery, auth=True,
            responses={200: AvailabilityOut, 400: None, 401: None, 404: None})  # fmt: skip
async def availability(request: web.Request) -> web.Response:
    """Check availability: a location's free 30-minute slots on a date."""
    actor = require_actor(request)
    query = read_query(request, DayQuery)
    cmd = GetAvailability(location_id=location_of(query), day=query.date)
    slots = await request.app[BUS].request(cmd, actor=actor)
    return camel(AvailabilityOut(available_slots=[SlotOut(start=s.start, end=s.end) for s in slots.items]))


@routes.post(PREFIX + "book/", body=BookBody, auth=True,
             responses={201: AppointmentOut, 400: None, 401: None, 404: None})  # fmt: skip
async def book(request: web.Request) -> web.Response:
    """Book an appointment for one of the member's vehicles."""
    actor = require_actor(request)
    body = await read_body(request, BookBody)
    cmd = BookAppointment(vehicle_id=body.vehicle_id, location_id=body.location_id, start_time=body.start_time,
                          services=body.services)  # fmt: skip
    booked = await request.app[BUS].request(cmd, actor=actor)
    return camel(appointment_out(booked), 201)


@routes.get(PREFIX + "upcoming/", auth=True, responses={200: AppointmentListOut, 401: None})
async def upcoming(request: web.Request) -> web.Response:
    """List the member's upcoming appointments, soonest first."""
    listed = await request.app[BUS].request(ListUpcoming(), actor=require_actor(request))
    return appointments_out(listed.items)


@routes.post(PREFIX + "{appointmentId}/cancel/", auth=True,
             responses={200: AppointmentOut, 400: None, 401: None, 404: None})  # fmt: skip
async def cancel(request: web.Request) -> web.Response:
    """Cancel one of the member's appointments, before it starts."""
    cmd = CancelAppointment(appointment_id=path_uuid(request, "appointmentId", NOT_FOUND))
    cancelled = await request.app[BUS].request(cmd, actor=require_actor(request))
    return camel(appointment_out(cancelled))
