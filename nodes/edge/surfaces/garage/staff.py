"""Membership Auto (004): the staff's paths, which the document does not have. Staff are moderators,
managers and admins (`souk users create-admin` makes an admin); anyone else signed in gets 403
`{"error": "Staff only"}`. Bodies and answers in the document's camelCase, errors as everywhere here.

- Locations (the shape of locations.py): `GET /api/staff/locations/` lists every one, inactive ones
  too; `POST /api/staff/locations/` adds one (201) and `PUT /api/staff/locations/{locationId}/`
  writes one whole: `name`, `address`, `latitude`, `longitude`, `timeZone` (IANA), `bays` (1 to 100),
  `openingHours`, `phone` (optional), `active` (default true; an inactive one is neither listed nor
  bookable, its appointments stay).
- Appointments (the shape of appointments.py): `GET /api/staff/appointments/?locationId=&date=`, a
  location's appointments that day (its own clock), every status, in time order;
  `POST /api/staff/appointments/{appointmentId}/complete/` marks one completed (again: the same
  answer; a cancelled one is a 400). A member's first completed appointment credits whoever referred
  him (referrals.py).
- Offers (the shape of offers.py, with `startsAt`): `GET /api/staff/offers/` lists every offer, past
  and future ones too, newest first; `POST /api/staff/offers/` (201) and
  `PUT /api/staff/offers/{offerId}/`: `title`, `description`, `terms`, `startsAt` (optional: from
  now), `expiry` (in the future), `eligibleMemberships` (`basic`, `plus`, `premium`; none: every
  member), `locations` (1 to 50 location ids, each existing: else a 400); `DELETE` (204).
- Memberships: `PUT /api/staff/members/{userId}/membership/` `{"tier": "plus"}` gives the member (by
  the account id the account endpoints show) a membership of that tier, or moves his to it (200,
  `{"id", "user", "tier", "createdAt", "updatedAt"}`; `id` is his account's `membershipId`);
  `DELETE` ends it (204). An unknown member is 404 `{"error": "Member not found"}`.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import Field, RootModel

from nodes.edge.http import SurfaceRoutes, read_body, read_query
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.garage_members import (
    CreateOffer,
    DeleteOffer,
    EndMembership,
    ListOffers,
    Membership,
    MembershipTier,
    Offer,
    OfferFields,
    SetMembership,
    UpdateOffer,
)
from protocols.garage_service import (
    CompleteAppointment,
    CreateLocation,
    ListAppointments,
    ListLocations,
    LocationFields,
    UpdateLocation,
)

from .appointments import LOCATION_NOT_FOUND, AppointmentListOut, AppointmentOut, DayQuery, appointment_out
from .appointments import NOT_FOUND as APPOINTMENT_NOT_FOUND
from .errors import SURFACE
from .locations import LocationListOut, LocationOut, location_out, locations_out
from .offers import OfferOut, offer_out
from .shapes import CamelModel, camel, garage_id, path_uuid
from .vehicles import CAMEL_BODY

routes = SurfaceRoutes(SURFACE)

PREFIX = "/api/staff/"
STAFF = frozenset({Role.MODERATOR, Role.MANAGER, Role.ADMIN})
STAFF_ONLY = "Staff only"
DENIED = {401: None, 403: None}
OFFER_NOT_FOUND = "Offer not found"
MEMBER_NOT_FOUND = "Member not found"


def require_staff(request: web.Request) -> Actor:
    """Refused before a body is read; the garage checks again."""
    actor = require_actor(request)
    if actor.role not in STAFF:
        raise DomainError(ErrorCode.FORBIDDEN, STAFF_ONLY)
    return actor


class LocationBody(LocationFields):
    model_config = CAMEL_BODY


class OfferBody(OfferFields):
    model_config = CAMEL_BODY


class StaffOfferOut(OfferOut):
    starts_at: datetime


class StaffOfferListOut(RootModel[list[StaffOfferOut]]):
    pass


class MembershipBody(CamelModel):
    tier: MembershipTier


class MembershipOut(CamelModel):
    id: str = Field(description="The member's membershipId.")
    user: str
    tier: MembershipTier
    created_at: datetime
    updated_at: datetime


def staff_offer_out(offer: Offer) -> StaffOfferOut:
    return StaffOfferOut(**offer_out(offer).model_dump(), starts_at=offer.starts_at)


def membership_out(membership: Membership) -> MembershipOut:
    return MembershipOut(
        id=membership.id, user=membership.user_public_id, tier=membership.tier, created_at=membership.created_at,
        updated_at=membership.updated_at,
    )  # fmt: skip


# --- locations -------------------------------------------------------------------------------------


@routes.get(PREFIX + "locations/", auth=True, responses={200: LocationListOut, **DENIED})
async def list_locations(request: web.Request) -> web.Response:
    """Staff: every location, inactive ones too."""
    listed = await request.app[BUS].request(
        ListLocations(include_inactive=True), actor=require_staff(request)
    )
    return locations_out(listed.items)


@routes.post(PREFIX + "locations/", auth=True, body=LocationBody,
             responses={201: LocationOut, 400: None, **DENIED})  # fmt: skip
async def create_location(request: web.Request) -> web.Response:
    """Staff: add a service location."""
    actor = require_staff(request)
    body = await read_body(request, LocationBody)
    created = await request.app[BUS].request(CreateLocation(**body.model_dump()), actor=actor)
    return camel(location_out(created), 201)


@routes.put(PREFIX + "locations/{locationId}/", auth=True, body=LocationBody,
            responses={200: LocationOut, 400: None, **DENIED, 404: None})  # fmt: skip
async def update_location(request: web.Request) -> web.Response:
    """Staff: write a service location whole (hours, bays, whether it is active)."""
    actor = require_staff(request)
    location_id = path_uuid(request, "locationId", LOCATION_NOT_FOUND)
    body = await read_body(request, LocationBody)
    cmd = UpdateLocation(location_id=location_id, **body.model_dump())
    return camel(location_out(await request.app[BUS].request(cmd, actor=actor)))


# --- appointments ----------------------------------------------------------------------------------


@routes.get(PREFIX + "appointments/", query=DayQuery, auth=True,
            responses={200: AppointmentListOut, 400: None, **DENIED, 404: None})  # fmt: skip
async def location_day(request: web.Request) -> web.Response:
    """Staff: a location's appointments on a date, every status."""
    actor = require_staff(request)
    query = read_query(request, DayQuery)
    cmd = ListAppointments(location_id=garage_id(query.location_id, LOCATION_NOT_FOUND), day=query.date)
    listed = await request.app[BUS].request(cmd, actor=actor)
    return camel(AppointmentListOut([appointment_out(a) for a in listed.items]))


@routes.post(PREFIX + "appointments/{appointmentId}/complete/", auth=True,
             responses={200: AppointmentOut, 400: None, **DENIED, 404: None})  # fmt: skip
async def complete(request: web.Request) -> web.Response:
    """Staff: mark an appointment completed."""
    actor = require_staff(request)
    cmd = CompleteAppointment(appointment_id=path_uuid(request, "appointmentId", APPOINTMENT_NOT_FOUND))
    return camel(appointment_out(await request.app[BUS].request(cmd, actor=actor)))


# --- offers ----------------------------------------------------------------------------------------


@routes.get(PREFIX + "offers/", auth=True, responses={200: StaffOfferListOut, **DENIED})
async def list_offers(request: web.Request) -> web.Response:
    """Staff: every offer, newest first."""
    listed = await request.app[BUS].request(ListOffers(), actor=require_staff(request))
    return camel(StaffOfferListOut([staff_offer_out(offer) for offer in listed.items]))


@routes.post(
    PREFIX + "offers/", auth=True, body=OfferBody, responses={201: StaffOfferOut, 400: None, **DENIED}
)
async def create_offer(request: web.Request) -> web.Response:
    """Staff: add an offer."""
    actor = require_staff(request)
    body = await read_body(request, OfferBody)
    created = await request.app[BUS].request(CreateOffer(**body.model_dump()), actor=actor)
    return camel(staff_offer_out(created), 201)


@routes.put(PREFIX + "offers/{offerId}/", auth=True, body=OfferBody,
            responses={200: StaffOfferOut, 400: None, **DENIED, 404: None})  # fmt: skip
async def update_offer(request: web.Request) -> web.Response:
    """Staff: write an offer whole."""
    actor = require_staff(request)
    offer_id = path_uuid(request, "offerId", OFFER_NOT_FOUND)
    body = await read_body(request, OfferBody)
    updated = await request.app[BUS].request(UpdateOffer(offer_id=offer_id, **body.model_dump()), actor=actor)
    return camel(staff_offer_out(updated))


@routes.delete(PREFIX + "offers/{offerId}/", auth=True, responses={204: None, **DENIED, 404: None})
async def delete_offer(request: web.Request) -> web.Response:
    """Staff: delete an offer."""
    actor = require_staff(request)
    cmd = DeleteOffer(offer_id=path_uuid(request, "offerId", OFFER_NOT_FOUND))
    await request.app[BUS].request(cmd, actor=actor)
    return web.Response(status=204)


# --- memberships -----------------------------------------------------------------------------------


@routes.put(PREFIX + "members/{userId}/membership/", auth=True, body=MembershipBody,
            responses={200: MembershipOut, 400: None, **DENIED, 404: None})  # fmt: skip
async def set_membership(request: web.Request) -> web.Response:
    """Staff: give a member a membership of a tier, or move his to it."""
    actor = require_staff(request)
    member = path_uuid(request, "userId", MEMBER_NOT_FOUND)
    body = await read_body(request, MembershipBody)
    assigned = await request.app[BUS].request(
        SetMembership(user_public_id=member, tier=body.tier), actor=actor
    )
    return camel(membership_out(assigned))


@routes.delete(PREFIX + "members/{userId}/membership/", auth=True, responses={204: None, **DENIED, 404: None})
async def end_membership(request: web.Request) -> web.Response:
    """Staff: end a member's membership."""
    actor = require_staff(request)
    cmd = EndMembership(user_public_id=path_uuid(request, "userId", MEMBER_NOT_FOUND))
    await request.app[BUS].request(cmd, actor=actor)
    return web.Response(status=204)
