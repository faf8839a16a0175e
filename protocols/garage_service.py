"""The garage domain's service side (Membership Auto): service locations, the published services, and
members' appointments.

A location opens on the weekdays its hours name, on its own clock (an IANA time zone), with a number
of bays: that many cars are served at once. Each day is cut into 30-minute slots from its opening;
an appointment takes as many consecutive slots as its services need (their minutes added up and
rounded up to whole slots), all in one bay, so a slot is free while fewer appointments than bays hold
it. Two members asking for the last bay of a slot at the same moment: one books it, the other is told
it is taken (`validation`, naming `start_time`).

A member books for one of his own vehicles (another's is `not_found`, as a missing one), cancels
before the appointment starts, and sees only his own appointments; staff (moderators, managers,
admins) manage the locations, see a location's day and mark appointments completed. The scheduler
has each booked appointment's member reminded once, through notify, when it is a day away.
"""

from __future__ import annotations

import math
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, model_validator

from . import subjects
from .envelope import Batched, Command, Message
from .fields import (
    Bays,
    ClockTime,
    Latitude,
    LocationName,
    Longitude,
    Moment,
    Offset,
    PageSize,
    Phone,
    ServiceDate,
    SomeChoiceCount,
    StreetAddress,
    TimeZoneName,
    UuidText,
    WeekdayCount,
)
from .garage import DOMAIN

SLOT_MINUTES = 30
APPOINTMENT_REMINDER = "appointment_reminder"  # the notification's type


def canonical_uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError("not a UUID") from None


def new_id() -> str:
    return str(uuid.uuid4())


# A location's, an appointment's, an offer's or a member's id: a UUID, written as the garage writes it.
Ident = Annotated[UuidText, AfterValidator(canonical_uuid)]


def _stripped(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


# --- services --------------------------------------------------------------------------------------


class ServiceCode(StrEnum):
    OIL_CHANGE = "oil_change"
    TIRE_ROTATION = "tire_rotation"
    BRAKE_INSPECTION = "brake_inspection"
    BRAKE_PADS = "brake_pads"
    BATTERY_CHECK = "battery_check"
    AIR_FILTER = "air_filter"
    CABIN_FILTER = "cabin_filter"
    WHEEL_ALIGNMENT = "wheel_alignment"
    COOLANT_FLUSH = "coolant_flush"
    DIAGNOSTICS = "diagnostics"
    MULTIPOINT_INSPECTION = "multipoint_inspection"
    TRANSMISSION_SERVICE = "transmission_service"


class Service(Message):
    code: ServiceCode
    name: str
    minutes: int


# The published list: what a member may book, and how long each takes in a bay.
SERVICES: dict[ServiceCode, Service] = {
    s.code: s
    for s in (
        Service(code=ServiceCode.OIL_CHANGE, name="Oil and filter change", minutes=30),
        Service(code=ServiceCode.TIRE_ROTATION, name="Tire rotation", minutes=30),
        Service(code=ServiceCode.BRAKE_INSPECTION, name="Brake inspection", minutes=30),
        Service(code=ServiceCode.BRAKE_PADS, name="Brake pad replacement", minutes=90),
        Service(code=ServiceCode.BATTERY_CHECK, name="Battery test", minutes=15),
        Service(code=ServiceCode.AIR_FILTER, name="Engine air filter replacement", minutes=15),
        Service(code=ServiceCode.CABIN_FILTER, name="Cabin air filter replacement", minutes=15),
        Service(code=ServiceCode.WHEEL_ALIGNMENT, name="Wheel alignment", minutes=60),
        Service(code=ServiceCode.COOLANT_FLUSH, name="Coolant flush", minutes=60),
        Service(code=ServiceCode.DIAGNOSTICS, name="Diagnostic scan and check-engine light", minutes=60),
        Service(code=ServiceCode.MULTIPOINT_INSPECTION, name="Multi-point inspection", minutes=45),
        Service(code=ServiceCode.TRANSMISSION_SERVICE, name="Transmission fluid service", minutes=90),
    )
}


def slots_needed(services: list[ServiceCode]) -> int:
    """Whole slots the services take one after another."""
    return math.ceil(sum(SERVICES[code].minutes for code in services) / SLOT_MINUTES)


def _distinct(codes: list[ServiceCode]) -> list[ServiceCode]:
    if len(set(codes)) != len(codes):
        raise ValueError("a service is named twice")
    return codes


ServiceCodes = Annotated[list[ServiceCode], SomeChoiceCount, AfterValidator(_distinct)]


# --- locations -------------------------------------------------------------------------------------


class Weekday(StrEnum):
    """In `date.weekday()`'s order: Monday is 0."""

    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @classmethod
    def of(cls, day: date) -> Weekday:
        return list(cls)[day.weekday()]


def minute_of_day(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class DayHours(Message):
    """When a location opens and closes on a weekday, on its own clock."""

    weekday: Weekday
    opens: ClockTime
    closes: ClockTime

    @model_validator(mode="after")
    def _opens_first(self) -> Self:
        if minute_of_day(self.closes) - minute_of_day(self.opens) < SLOT_MINUTES:
            raise ValueError("closes at least 30 minutes after it opens")
        return self


def _once_a_day(hours: list[DayHours]) -> list[DayHours]:
    if len({day.weekday for day in hours}) != len(hours):
        raise ValueError("a weekday is given twice")
    return hours


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not an IANA time zone (such as America/New_York)") from None
    return name


OpeningHours = Annotated[list[DayHours], WeekdayCount, AfterValidator(_once_a_day)]
Zone = Annotated[TimeZoneName, AfterValidator(_known_zone)]


class LocationFields(Message):
    """What staff write about a location; a weekday its hours leave out it is closed."""

    name: Annotated[LocationName, BeforeValidator(_stripped)]
    address: Annotated[StreetAddress, BeforeValidator(_stripped)]
    latitude: Latitude
    longitude: Longitude
    time_zone: Zone
    bays: Bays
    opening_hours: OpeningHours
    phone: Phone | None = None
    active: bool = True  # an inactive location is not listed nor bookable; its appointments stay


class Location(LocationFields):
    id: str
    created_at: datetime
    updated_at: datetime


class LocationList(Message):
    items: list[Location]  # by name


class LocationPage(Message):
    items: list[Location]  # by name
    total: int


class ListLocationsForStaff(Command[LocationPage]):
    """Admins only (the console): every location, inactive ones too, by name."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_locations_for_staff")
    idempotent: ClassVar[bool] = True
    offset: Offset = 0
    limit: PageSize = 20


class ListLocations(Command[LocationList]):
    """The active locations; staff may ask for the inactive ones too."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_locations")
    idempotent: ClassVar[bool] = True
    include_inactive: bool = False


class CreateLocation(LocationFields, Command[Location]):
    """Staff only."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "create_location")


class UpdateLocation(LocationFields, Command[Location]):
    """Staff only: every field again. Fewer bays or other hours leave booked appointments as they are."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "update_location")
    idempotent: ClassVar[bool] = True
    location_id: Ident


# --- appointments ----------------------------------------------------------------------------------


class Slot(Message):
    start: datetime
    end: datetime


class SlotList(Message):
    items: list[Slot]  # in time order


class GetAvailability(Command[SlotList]):
    """The free slots of a location's day (its own date): not past, within the booking horizon."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_availability")
    idempotent: ClassVar[bool] = True
    location_id: Ident
    day: ServiceDate  # on the location's clock


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class Appointment(Message):
    id: str
    owner_id: int
    owner_public_id: str
    vehicle_id: str
    location_id: str
    start_at: datetime
    end_at: datetime
    services: list[ServiceCode]
    status: AppointmentStatus
    created_at: datetime
    updated_at: datetime


class AppointmentList(Message):
    items: list[Appointment]  # in time order


class BookAppointment(Command[Appointment]):
    """At a slot's start, for the actor's own vehicle."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "book_appointment")
    vehicle_id: Ident
    location_id: Ident
    start_time: Moment
    services: ServiceCodes


class ListUpcoming(Command[AppointmentList]):
    """The actor's booked appointments that have not ended."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_upcoming")
    idempotent: ClassVar[bool] = True


class CancelAppointment(Command[Appointment]):
    """The actor's own (or any, for an admin: the console), before it starts; cancelling one again
    answers it as it is."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "cancel_appointment")
    idempotent: ClassVar[bool] = True
    appointment_id: Ident


class ListAppointments(Command[AppointmentList]):
    """Staff only: every appointment of a location's day, whatever its status."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_appointments")
    idempotent: ClassVar[bool] = True
    location_id: Ident
    day: ServiceDate  # on the location's clock


class AppointmentPage(Message):
    items: list[Appointment]  # latest start first
    total: int


class ListAppointmentsForStaff(Command[AppointmentPage]):
    """Admins only (the console): every appointment, the latest start first, by status, location and
    day (a UTC date: those starting on it)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_appointments_for_staff")
    idempotent: ClassVar[bool] = True
    status: AppointmentStatus | None = None
    location_id: Ident | None = None
    day: ServiceDate | None = None
    offset: Offset = 0
    limit: PageSize = 20


class CompleteAppointment(Command[Appointment]):
    """Staff only. Completing one again answers it as it is; a cancelled one cannot be. The member's
    first completed appointment credits whoever referred him (protocols/garage_members.py)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "complete_appointment")
    idempotent: ClassVar[bool] = True
    appointment_id: Ident


class RemindersSent(Batched):
    sent: int  # members told now (not those told before by another run)


class RemindAppointments(Command[RemindersSent]):
    """Scheduled, the system only: one batch of booked appointments starting within
    `[garage] reminder_lead_s` whose members were not told yet."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "remind_appointments")
    idempotent: ClassVar[bool] = True
