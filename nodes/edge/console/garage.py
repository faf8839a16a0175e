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

from .pages import page
from .sections import GARAGE
from .session import Staff
from .tabbed import Recorded, RowsQuery, Table, act, lead_to_first, table_page

routes = web.RouteTableDef()

VEHICLES = "/admin/garage/vehicles"
APPOINTMENTS = "/admin/garage/appointments"
LOCATIONS = "/admin/garage/locations"
OFFERS = "/admin/garage/offers"
TABS = (("Vehicles", VEHICLES), ("Appointments", APPOINTMENTS), ("Service locations", LOCATIONS),
        ("Offers", OFFERS))  # fmt: skip
ROW = r"/{row:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}}"
VEHICLE_TABLE = Table(GARAGE, TABS, VEHICLES, "garage_vehicles.html")
LOCATION_TABLE = Table(GARAGE, TABS, LOCATIONS, "garage_locations.html")
APPOINTMENT_TABLE = Table(
    GARAGE,
    TABS,
    APPOINTMENTS,
    "garage_appointments.html",
    {
        "cancelled": "Appointment {row} cancelled: its bays are free again.",
        "missing": "Appointment {row} is not there.",
        "refused": "Appointment {row} was not cancelled: it has started or is completed.",
    },
)
OFFER_TABLE = Table(
    GARAGE,
    TABS,
    OFFERS,
    "garage_offers.html",
    {
        "deleted": "Offer {row} deleted.",
        "missing": "Offer {row} is not there.",
        "refused": "Offer {row} was not deleted.",
    },
)


class VehiclesQuery(RowsQuery):
    owner: Id | None = None
    make: Name | None = None


class AppointmentsQuery(RowsQuery):
    status: AppointmentStatus | None = None
    location: Ident | None = None
    day: ServiceDate | None = None


lead_to_first(routes, GARAGE, VEHICLES)


@routes.get(VEHICLES)
@page(GARAGE)
async def vehicles(request: web.Request, staff: Staff) -> web.Response:
    def command(query: VehiclesQuery, offset: int, limit: int) -> ListVehiclesForStaff:
        return ListVehiclesForStaff(owner_id=query.owner, make=query.make, offset=offset, limit=limit)

    return await table_page(request, staff, VEHICLE_TABLE, VehiclesQuery, command)


@routes.get(APPOINTMENTS)
@page(GARAGE)
async def appointments(request: web.Request, staff: Staff) -> web.Response:
    def command(query: AppointmentsQuery, offset: int, limit: int) -> ListAppointmentsForStaff:
        return ListAppointmentsForStaff(status=query.status, location_id=query.location, day=query.day,
                                        offset=offset, limit=limit)  # fmt: skip

    # Locations are few (a service network's): their names for the rows and the filter, in one list.
    places = (await request.app[BUS].request(ListLocations(include_inactive=True), actor=staff.actor)).items
    return await table_page(
        request, staff, APPOINTMENT_TABLE, AppointmentsQuery, command, statuses=list(AppointmentStatus),
        places=places, place_names={place.id: place.name for place in places},
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
    def command(_query: RowsQuery, offset: int, limit: int) -> ListLocationsForStaff:
        return ListLocationsForStaff(offset=offset, limit=limit)

    return await table_page(request, staff, LOCATION_TABLE, RowsQuery, command)


@routes.get(OFFERS)
@page(GARAGE)
async def offers(request: web.Request, staff: Staff) -> web.Response:
    def command(_query: RowsQuery, offset: int, limit: int) -> ListOffersForStaff:
        return ListOffersForStaff(offset=offset, limit=limit)

    return await table_page(request, staff, OFFER_TABLE, RowsQuery, command)


@routes.post(OFFERS + ROW + "/delete")
@page(GARAGE)
async def delete(request: web.Request, staff: Staff) -> web.Response:
    offer_id = request.match_info["row"]

    def recorded(_deleted: Empty) -> Recorded:
        return ("user", staff.actor.user_id), {"offer": offer_id}

    cmd = DeleteOffer(offer_id=offer_id)
    return await act(request, staff, OFFERS, cmd, LogAction.DELETE_OFFER, recorded, "deleted")
