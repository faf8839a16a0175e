"""The garage's data (admins), each table a page of the garage's staff lists:
- `GET /admin/garage/vehicles?owner=&make=&page=`: every member's vehicles, VIN in full, the dongle
  linked and the odometer as the member last gave it;
- `GET /admin/garage/appointments?status=&location=&day=&page=` (a UTC date), an appointment cancelled
  from its row (`POST /admin/garage/appointments/{id}/cancel`, the member's own command, which the garage
  lets an admin use on anyone's, before it starts);
- `GET /admin/garage/locations?page=`, inactive ones too;
- `GET /admin/garage/offers?page=`, an offer deleted from its row (`POST /admin/garage/offers/{id}/delete`).
Each action is recorded in the audit log. The garage's ids are UUIDs and the log's targets numbers: a
cancellation is recorded against the member (the appointment in its details), a deleted offer, which is
nobody's, against the staff member who deleted it (the offer in its details).
`/admin/garage` leads to the first table."""

from __future__ import annotations

from aiohttp import web

from nodes.edge.state import BUS
from protocols.envelope import Empty
from protocols.fields import Id, ServiceDate
from protocols.garage import ListVehiclesForStaff, Name
from protocols.garage_members import DeleteOffer, ListOffersForStaff
from protocols.garage_service import (
    Appointment,
    AppointmentStatus,
    CancelAppointment,
    Ident,
    ListAppointmentsForStaff,
    ListLocations,
    ListLocationsForStaff,
)
from protocols.moderation import LogAction

from .pages import filters_of, page, page_size, see_other
from .sections import GARAGE
from .session import Staff
from .tabbed import Recorded, RowsQuery, act, table_page

routes = web.RouteTableDef()

VEHICLES = "/admin/garage/vehicles"
APPOINTMENTS = "/admin/garage/appointments"
LOCATIONS = "/admin/garage/locations"
OFFERS = "/admin/garage/offers"
TABS = (("Vehicles", VEHICLES), ("Appointments", APPOINTMENTS), ("Service locations", LOCATIONS),
        ("Offers", OFFERS))  # fmt: skip
ROW = r"/{row:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}}"
NOTHING: dict[str, str] = {}
APPOINTMENT_NOTICES = {
    "cancelled": "Appointment {row} cancelled: its bays are free again.",
    "missing": "Appointment {row} is not there.",
    "refused": "Appointment {row} was not cancelled: it has started or is completed.",
}
OFFER_NOTICES = {
    "deleted": "Offer {row} deleted.",
    "missing": "Offer {row} is not there.",
    "refused": "Offer {row} was not deleted.",
}


class VehiclesQuery(RowsQuery):
    owner: Id | None = None
    make: Name | None = None


class AppointmentsQuery(RowsQuery):
    status: AppointmentStatus | None = None
    location: Ident | None = None
    day: ServiceDate | None = None


@routes.get("/admin/garage")
@page(GARAGE)
async def garage(_request: web.Request, _staff: Staff) -> web.Response:
    return see_other(VEHICLES)


@routes.get(VEHICLES)
@page(GARAGE)
async def vehicles(request: web.Request, staff: Staff) -> web.Response:
    query = filters_of(request, VehiclesQuery)
    size = page_size(request)
    cmd = ListVehiclesForStaff(owner_id=query.owner, make=query.make, offset=query.offset(size), limit=size)
    found = await request.app[BUS].request(cmd, actor=staff.actor)
    return table_page(
        request, staff, GARAGE, "garage_vehicles.html", TABS, VEHICLES, query, found, size, NOTHING
    )


@routes.get(APPOINTMENTS)
@page(GARAGE)
async def appointments(request: web.Request, staff: Staff) -> web.Response:
    query = filters_of(request, AppointmentsQuery)
    size = page_size(request)
    bus = request.app[BUS]
    cmd = ListAppointmentsForStaff(status=query.status, location_id=query.location, day=query.day,
                                   offset=query.offset(size), limit=size)  # fmt: skip
    found = await bus.request(cmd, actor=staff.actor)
    # Locations are few (a service network's): their names for the rows and the filter, in one list.
    places = (await bus.request(ListLocations(include_inactive=True), actor=staff.actor)).items
    return table_page(
        request, staff, GARAGE, "garage_appointments.html", TABS, APPOINTMENTS, query, found, size,
        APPOINTMENT_NOTICES, statuses=list(AppointmentStatus), places=places,
        place_names={place.id: place.name for place in places},
    )  # fmt: skip


def _appointment(item: Appointment) -> Recorded:
    return ("user", item.owner_id), {"appointment": item.id, "starts": item.start_at.isoformat()}


@routes.post(APPOINTMENTS + ROW + "/cancel")
@page(GARAGE)
async def cancel(request: web.Request, staff: Staff) -> web.Response:
    cmd = CancelAppointment(appointment_id=request.match_info["row"])
    return await act(
        request, staff, APPOINTMENTS, cmd, LogAction.CANCEL_APPOINTMENT, _appointment, "cancelled"
    )


@routes.get(LOCATIONS)
@page(GARAGE)
async def locations(request: web.Request, staff: Staff) -> web.Response:
    query = filters_of(request, RowsQuery)
    size = page_size(request)
    cmd = ListLocationsForStaff(offset=query.offset(size), limit=size)
    found = await request.app[BUS].request(cmd, actor=staff.actor)
    return table_page(
        request, staff, GARAGE, "garage_locations.html", TABS, LOCATIONS, query, found, size, NOTHING
    )


@routes.get(OFFERS)
@page(GARAGE)
async def offers(request: web.Request, staff: Staff) -> web.Response:
    query = filters_of(request, RowsQuery)
    size = page_size(request)
    cmd = ListOffersForStaff(offset=query.offset(size), limit=size)
    found = await request.app[BUS].request(cmd, actor=staff.actor)
    return table_page(
        request, staff, GARAGE, "garage_offers.html", TABS, OFFERS, query, found, size, OFFER_NOTICES
    )


@routes.post(OFFERS + ROW + "/delete")
@page(GARAGE)
async def delete(request: web.Request, staff: Staff) -> web.Response:
    offer_id = request.match_info["row"]

    def recorded(_deleted: Empty) -> Recorded:
        return ("user", staff.actor.user_id), {"offer": offer_id}

    cmd = DeleteOffer(offer_id=offer_id)
    return await act(request, staff, OFFERS, cmd, LogAction.DELETE_OFFER, recorded, "deleted")
