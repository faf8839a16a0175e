"""The garage domain: Membership Auto's vehicles, each with at most one OBD dongle linked.

A vehicle belongs to one member; anyone else's answers `not_found`, as a missing one. Its id is a
UUID (as text). Its VIN is checked as ISO 3779 writes it (17 characters, no I, O or Q) and, for a
vehicle built for North America (first character 1 to 5), by its check digit (the ninth character),
through `vininfo`; the VIN's model-year letter is never compared with `year`: the letters repeat
every 30 years (the contract's own example, a 2020 Civic, carries the letter of 1991 and 2021). A
member has a VIN once among his vehicles; a dongle is linked to one vehicle at a time, anyone's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BeforeValidator
from vininfo import Vin as VinInfo
from vininfo.exceptions import ValidationError as VinInfoError

from . import subjects
from .envelope import Command, Empty, Event, Message
from .fields import (
    DongleId,
    Id,
    LicensePlate,
    Odometer,
    Offset,
    PageSize,
    UuidText,
    UuidTexts,
    VehicleName,
    Vin,
    Year,
)

DOMAIN = "garage"
# Model years run ahead of the calendar: a car of next year's model is sold from this summer on.
MODEL_YEARS_AHEAD = 1
# The regions whose VINs carry the SAE check digit (FMVSS 115 makes it mandatory there).
CHECK_DIGIT_REGIONS = frozenset({"North America"})


class FuelType(StrEnum):
    GASOLINE = "gasoline"
    DIESEL = "diesel"
    HYBRID = "hybrid"
    PLUGIN_HYBRID = "plugin_hybrid"
    ELECTRIC = "electric"
    FLEX_FUEL = "flex_fuel"
    CNG = "cng"
    LPG = "lpg"
    HYDROGEN = "hydrogen"


class ConnectionType(StrEnum):
    """How a dongle reaches the platform: through the app over Bluetooth or Wi-Fi, or on its own."""

    BLE = "BLE"
    WIFI = "WIFI"
    CLOUD = "CLOUD"


def _upper_stripped(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _checked_vin(value: str) -> str:
    try:
        vin = VinInfo(value)
    except VinInfoError as exc:
        raise ValueError(str(exc).strip()) from None
    if vin.region in CHECK_DIGIT_REGIONS and not vin.verify_checksum(check_year=False):
        raise ValueError("VIN check digit (its 9th character) does not match the rest of the VIN")
    return value


def _not_in_the_future(year: int) -> int:
    latest = datetime.now(UTC).year + MODEL_YEARS_AHEAD
    if year > latest:
        raise ValueError(f"a model year is at most {latest}")
    return year


def _canonical_uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError("not a UUID") from None


def _stripped(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


CheckedVin = Annotated[Vin, BeforeValidator(_upper_stripped), AfterValidator(_checked_vin)]
ModelYear = Annotated[Year, AfterValidator(_not_in_the_future)]
VehicleId = Annotated[UuidText, AfterValidator(_canonical_uuid)]
VehicleIds = Annotated[UuidTexts, AfterValidator(lambda ids: [_canonical_uuid(i) for i in ids])]
Name = Annotated[VehicleName, BeforeValidator(_stripped)]  # " Honda " is "Honda"; blank is refused
Plate = Annotated[LicensePlate, BeforeValidator(_upper_stripped)]  # "abc 123" is "ABC 123"


def new_vehicle_id() -> str:
    return str(uuid.uuid4())


class Vehicle(Message):
    id: str
    owner_id: int
    owner_public_id: str  # the member's account id as the contract shows it (a UUID)
    vin: str
    make: str
    model: str
    trim: str | None
    year: int
    license_plate: str | None
    odometer: float  # as the member last gave it
    odometer_at: datetime  # when the member gave it: telemetry read later is newer
    fuel_type: FuelType | None
    dongle_id: str | None
    dongle_connection_type: ConnectionType | None
    created_at: datetime
    updated_at: datetime


class VehicleList(Message):
    items: list[Vehicle]  # oldest first


class VehicleFields(Message):
    """What a member writes about a vehicle."""

    vin: CheckedVin
    make: Name
    model: Name
    trim: Name | None = None
    year: ModelYear
    license_plate: Plate | None = None
    odometer: Odometer = 0.0
    fuel_type: FuelType | None = None


class VehicleField(StrEnum):
    VIN = "vin"
    MAKE = "make"
    MODEL = "model"
    TRIM = "trim"
    YEAR = "year"
    LICENSE_PLATE = "license_plate"
    ODOMETER = "odometer"
    FUEL_TYPE = "fuel_type"


REQUIRED_FIELDS = frozenset({VehicleField.VIN, VehicleField.MAKE, VehicleField.MODEL, VehicleField.YEAR})


class VehiclePage(Message):
    items: list[Vehicle]  # newest first
    total: int


class ListVehiclesForStaff(Command[VehiclePage]):
    """Admins only (the console): every member's vehicles, newest first, by owner and make (its case
    aside)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_vehicles_for_staff")
    idempotent: ClassVar[bool] = True
    owner_id: Id | None = None
    make: Name | None = None
    offset: Offset = 0
    limit: PageSize = 20


class ListVehicles(Command[VehicleList]):
    """The actor's vehicles."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_vehicles")
    idempotent: ClassVar[bool] = True


class GetVehicle(Command[Vehicle]):
    """The actor's vehicle (its owner check, for other domains and the edges too)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_vehicle")
    idempotent: ClassVar[bool] = True
    vehicle_id: VehicleId


class VehicleOwner(Message):
    vehicle_id: str
    owner_id: int


class VehicleOwners(Message):
    items: list[VehicleOwner]  # the vehicles that are there; a missing one is not listed


class OwnersOfVehicles(Command[VehicleOwners]):
    """Whose vehicles these are: the edges ask for many uploads at once, and tell each member's
    apart themselves. The system only (a member learns of his own vehicles through `GetVehicle`)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "owners_of_vehicles")
    idempotent: ClassVar[bool] = True
    vehicle_ids: VehicleIds


class AddVehicle(VehicleFields, Command[Vehicle]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "add_vehicle")


class VehicleChanges(Message):
    """What a member changes about a vehicle: the fields given (None clears an optional one)."""

    vin: CheckedVin | None = None
    make: Name | None = None
    model: Name | None = None
    trim: Name | None = None
    year: ModelYear | None = None
    license_plate: Plate | None = None
    odometer: Odometer | None = None
    fuel_type: FuelType | None = None


class UpdateVehicle(VehicleChanges, Command[Vehicle]):
    """The fields `changed` names take the values given."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "update_vehicle")
    vehicle_id: VehicleId
    changed: frozenset[VehicleField]


class DeleteVehicle(Command[Empty]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "delete_vehicle")
    idempotent: ClassVar[bool] = True
    vehicle_id: VehicleId


class VehicleDeleted(Event):
    """Published once a vehicle is deleted, so that whoever remembers its owner forgets it (the
    edges' telemetry uploads)."""

    subject: ClassVar[str] = subjects.evt(DOMAIN, "vehicle_deleted")
    vehicle_id: VehicleId


class LinkDongle(Command[Vehicle]):
    """Link a dongle to the actor's vehicle. One linked to another of his vehicles moves here; one
    linked to anyone else's is refused (`validation`, naming `dongle_id`)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "link_dongle")
    idempotent: ClassVar[bool] = True
    vehicle_id: VehicleId
    dongle_id: DongleId
    connection_type: ConnectionType


class UnlinkDongle(Command[Vehicle]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "unlink_dongle")
    idempotent: ClassVar[bool] = True
    vehicle_id: VehicleId
