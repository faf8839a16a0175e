"""The telemetry domain: OBD dongles' batches of samples, and what is derived from them.

A batch reaches the telemetry workers through the JetStream stream `TELEMETRY` (never request/reply):
an edge publishes a `TelemetryBatch` once it has checked the batch and that the vehicle is the
member's, and answers only after JetStream stored it. The workers store every sample once (the key
is the vehicle and its `t`), and derive the vehicle's odometer, its trips (distance, fuel used) and
its fault codes as samples land; a fault code newly seen is told to the owner once (notify).

Units: `t` in Unix milliseconds; speed in km/h, fuel rate in L/h, odometer in km (as the member
entered it), rpm, coolant temperature in °C, fuel level in %, battery voltage in V, position in
degrees. Read-backs (commands below) name the vehicle; the edge asks them only for the vehicle's
owner, as the garage answered it.
"""

from __future__ import annotations

import zlib
from typing import Annotated, ClassVar

from pydantic import Field

from . import subjects
from .counts import Buckets, Window
from .envelope import Batched, Command, Message
from .fields import (
    SAMPLE_PAGE_MAX,
    SAMPLES_LENGTH,
    FaultCodes,
    Int32,
    Latitude,
    Longitude,
    Odometer,
    PageSize,
)
from .garage import VehicleId, VehicleIds

DOMAIN = "telemetry"
FAULT_CODE = "fault_code"  # the notification a new fault code gives its vehicle's owner

# What a dongle may say; anything past these is a broken sensor or a forged batch (400).
Millis = Annotated[int, Field(ge=0, le=2**53)]  # JavaScript's safe integers, as dongles' apps send them
Speed = Annotated[float, Field(ge=0, le=500, allow_inf_nan=False)]  # km/h
FuelRate = Annotated[float, Field(ge=0, le=500, allow_inf_nan=False)]  # L/h
Rpm = Annotated[float, Field(ge=0, le=20_000, allow_inf_nan=False)]
CoolantTemp = Annotated[float, Field(ge=-60, le=250, allow_inf_nan=False)]  # °C
FuelLevel = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]  # %
BatteryVoltage = Annotated[float, Field(ge=0, le=60, allow_inf_nan=False)]  # V


class Sample(Message):
    t: Millis
    speed: Speed | None = None
    fuel_rate: FuelRate | None = None
    odometer: Odometer | None = None
    rpm: Rpm | None = None
    coolant_temp: CoolantTemp | None = None
    fuel_level: FuelLevel | None = None
    battery_voltage: BatteryVoltage | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    ignition: bool | None = None
    # The codes the dongle reads now; an empty list says there are none (clears active ones), no list
    # says nothing about them.
    fault_codes: FaultCodes | None = None


class TelemetryBatch(Message):
    """On `telemetry.batch.<shard>`, published by an edge once checked (the owner is the garage's
    answer, never the dongle's)."""

    subject: ClassVar[str] = f"{subjects.TELEMETRY_BATCH_PREFIX}.*"
    vehicle_id: VehicleId
    owner_id: Int32
    start_timestamp: Millis
    end_timestamp: Millis
    samples: Annotated[list[Sample], SAMPLES_LENGTH]

    @property
    def msg_id(self) -> str:
        """What makes a batch sent again the same message: its vehicle, window and sample count."""
        return f"{self.vehicle_id}:{self.start_timestamp}:{self.end_timestamp}:{len(self.samples)}"


def shard_of(vehicle_id: str, shards: int) -> int:
    """A vehicle's batches always go to one shard subject (crc32: stable across processes)."""
    return zlib.crc32(vehicle_id.encode()) % shards


# --- read-backs ------------------------------------------------------------------------------------


class StoredSample(Sample):
    pass


class SamplePage(Message):
    items: list[StoredSample]  # newest first


class RecentSamples(Command[SamplePage]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "recent_samples")
    idempotent: ClassVar[bool] = True
    vehicle_id: VehicleId
    before: Millis | None = None  # only samples older than this
    limit: Annotated[int, Field(ge=1, le=SAMPLE_PAGE_MAX)] = 100


class Trip(Message):
    id: int
    started_at: int  # ms
    ended_at: int  # the last sample's
    ongoing: bool
    distance_km: float
    fuel_used_l: float
    max_speed: float | None
    samples: int

    @property
    def economy_l_per_100km(self) -> float | None:
        return fuel_economy(self.fuel_used_l, self.distance_km)


def fuel_economy(fuel_used_l: float, distance_km: float) -> float | None:
    """Litres per 100 km; None when too short a distance says nothing."""
    return round(fuel_used_l / distance_km * 100, 2) if distance_km >= 0.1 and fuel_used_l > 0 else None


class TripPage(Message):
    items: list[Trip]  # newest first
    distance_km: float  # over every trip of the vehicle
    fuel_used_l: float


class ListTrips(Command[TripPage]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_trips")
    idempotent: ClassVar[bool] = True
    vehicle_id: VehicleId
    limit: PageSize = 20


class Fault(Message):
    code: str
    description: str
    first_seen: int  # ms
    last_seen: int


class FaultList(Message):
    items: list[Fault]  # the active ones, first seen first


class ActiveFaults(Command[FaultList]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "active_faults")
    idempotent: ClassVar[bool] = True
    vehicle_id: VehicleId


class OdometerReading(Message):
    vehicle_id: str
    odometer: float
    t: int  # ms: when the dongle read it


class Odometers(Message):
    items: list[OdometerReading]  # the vehicles that have one


class LatestOdometers(Command[Odometers]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "latest_odometers")
    idempotent: ClassVar[bool] = True
    vehicle_ids: VehicleIds


# --- retention (scheduled) -------------------------------------------------------------------------


class RolledUp(Batched):
    samples: int  # raw samples rolled into minutes and deleted
    minutes: int  # per-minute rows written or updated


class RollUpSamples(Command[RolledUp]):
    """Roll raw samples older than `[telemetry] raw_retention_s` into per-minute summaries, one bounded
    batch; and send the fault notices not sent yet. The system only."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "roll_up_samples")
    idempotent: ClassVar[bool] = True


class CountSamples(Window, Command[Buckets]):
    """Staff and the system: samples taken in each bucket of the window, by their own time `t`, raw
    or rolled into minutes (the console's dashboard)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "count_samples")
    idempotent: ClassVar[bool] = True
