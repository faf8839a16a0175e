"""What a vehicle's new samples tell, derived in the transaction that stores them, so a batch delivered
again (which stores nothing new) derives nothing again either.

- Odometer: the reading of the latest sample that has one.
- Trips: one starts at a sample with the ignition on (or, from a dongle that does not report the
  ignition, one that moves); it ends at a sample with the ignition off, when no sample came for
  `[telemetry] trip_gap_s`, or, without an ignition report, after that long without moving. Its
  distance is what the odometer went up by (the speed over time where there is no odometer), its fuel
  the fuel rate over time.
- Fault codes: a code a sample reads that is not active opens an occurrence (its owner is told once,
  notices.py); a sample that reports its codes and lacks an active one clears it.

Samples are taken in time order. One at or before the last sample derived (it came late, through a
retry that took longer than later batches) is stored, and counts for the odometer only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from protocols.telemetry import Sample
from storage.models.telemetry import Fault, Trip, VehicleState

from . import queries

MS_PER_HOUR = 3_600_000


async def derive(
    db: AsyncSession,
    state: VehicleState,
    trip: Trip | None,
    owner_id: int,
    samples: Sequence[Sample],
    trip_gap_ms: int,
) -> tuple[Trip | None, list[Fault]]:
    """Update the vehicle's `state` (locked) and its open `trip` from its newly stored `samples` (in
    time order); the trip open after them (one just added has no id yet: the caller flushes every
    vehicle's at once, then sets `state.trip_id`) and the fault occurrences they opened."""
    read = [s for s in samples if s.odometer is not None]
    if read and (state.odometer_t is None or read[-1].t > state.odometer_t):
        state.odometer, state.odometer_t = read[-1].odometer, read[-1].t
    fresh = [s for s in samples if s.t > state.last_t]
    if (
        trip is not None
        and len(fresh) < len(samples)
        and await open_trip_takes(db, trip, samples[0].t, trip_gap_ms)
    ):
        trip = await follow_again(db, state, trip, min(samples[0].t, trip.started_at), trip_gap_ms)
    elif fresh:
        trip = follow_trips(db, state, trip, fresh, trip_gap_ms)
    if not fresh:
        return trip, []
    opened = await follow_faults(db, state.vehicle_id, owner_id, fresh)
    state.last_t = fresh[-1].t
    return trip, opened


def active(sample: Sample) -> bool:
    return sample.ignition is True or (sample.ignition is None and bool(sample.speed))


@dataclass
class Leg:
    """An open trip's running figures while samples are followed: plain attributes, written to the
    trip's row once per batch rather than each an ORM attribute event per sample."""

    trip: Trip
    ended_at: int
    last_moving_at: int
    distance_km: float
    fuel_used_l: float
    max_speed: float | None
    samples: int
    last_odometer: float | None

    @classmethod
    def of(cls, trip: Trip) -> Leg:
        return cls(trip, *(getattr(trip, name) for name in LEG_FIELDS))

    def written(self, *, still_open: bool) -> Trip:
        for name in LEG_FIELDS:
            setattr(self.trip, name, getattr(self, name))
        self.trip.open = still_open
        return self.trip


LEG_FIELDS = (
    "ended_at",
    "last_moving_at",
    "distance_km",
    "fuel_used_l",
    "max_speed",
    "samples",
    "last_odometer",
)


def trip_over(leg: Leg, sample: Sample, gap_ms: int) -> bool:
    if sample.t - leg.ended_at > gap_ms:
        return True
    return sample.ignition is None and not sample.speed and sample.t - leg.last_moving_at > gap_ms


def follow_trips(
    db: AsyncSession, state: VehicleState, trip: Trip | None, samples: Sequence[Sample], gap_ms: int
) -> Trip | None:
    leg = Leg.of(trip) if trip is not None else None
    for sample in samples:
        if leg is not None and trip_over(leg, sample, gap_ms):
            leg.written(still_open=False)
            leg = None
        if leg is None and active(sample):
            leg = Leg.of(open_trip(state.vehicle_id, sample))
            db.add(leg.trip)
        elif leg is not None:
            extend(leg, sample)
        if leg is not None and sample.ignition is False:
            leg.written(still_open=False)
            leg = None
    return leg.written(still_open=True) if leg is not None else None


async def open_trip_takes(db: AsyncSession, trip: Trip, late: int, gap_ms: int) -> bool:
    """Whether a sample at `late` (before the last derived) belongs to the open `trip`: within it, or
    before it by less than the gap and after every other trip of the vehicle."""
    if late >= trip.started_at:
        return True
    return (
        late >= trip.started_at - gap_ms and await queries.last_trip_end(db, trip.vehicle_id, trip.id) < late
    )


async def follow_again(
    db: AsyncSession, state: VehicleState, trip: Trip, since: int, gap_ms: int
) -> Trip | None:
    """The open `trip` followed again over every stored sample of the vehicle from `since` on (the
    late ones among them, and those just stored), started afresh at the first that is active.

    Samples came late: a dongle's retry that took longer than its next batch, or two workers that
    took consecutive batches of one vehicle and stored the later first. Those within or just before
    the open trip count for it as if they had come in order; one before a trip that has ended counts
    for the odometer only."""
    stored = [reading_of(row) for row in await queries.samples_since(db, state.vehicle_id, since)]
    first = next((i for i, sample in enumerate(stored) if active(sample)), None)
    if first is None:
        return trip
    begun = stored[first]
    trip.started_at = begun.t
    for name, value in zip(LEG_FIELDS, fresh_leg(begun), strict=True):
        setattr(trip, name, value)
    return follow_trips(db, state, trip, stored[first + 1 :], gap_ms)


def reading_of(row: Sequence[Any]) -> Sample:
    """A stored sample, as far as trips read it (the columns of `queries.samples_since`, in order)."""
    t, speed, fuel_rate, odometer, ignition = row
    return Sample.model_construct(t=t, speed=speed, fuel_rate=fuel_rate, odometer=odometer, ignition=ignition)


def fresh_leg(sample: Sample) -> tuple[int, int, float, float, float | None, int, float | None]:
    """A trip's figures at its first sample, in `LEG_FIELDS` order."""
    return sample.t, sample.t, 0.0, 0.0, sample.speed, 1, sample.odometer


def open_trip(vehicle_id: str, sample: Sample) -> Trip:
    return Trip(
        vehicle_id=vehicle_id, started_at=sample.t, ended_at=sample.t, last_moving_at=sample.t, open=True,
        distance_km=0.0, fuel_used_l=0.0, max_speed=sample.speed, samples=1, last_odometer=sample.odometer,
    )  # fmt: skip


def extend(leg: Leg, sample: Sample) -> None:
    hours = (sample.t - leg.ended_at) / MS_PER_HOUR
    if sample.odometer is not None and leg.last_odometer is not None:
        leg.distance_km += max(0.0, sample.odometer - leg.last_odometer)
    else:
        leg.distance_km += (sample.speed or 0.0) * hours
    leg.fuel_used_l += (sample.fuel_rate or 0.0) * hours
    if sample.odometer is not None:
        leg.last_odometer = sample.odometer
    if sample.speed:
        leg.last_moving_at = sample.t
        leg.max_speed = max(leg.max_speed or 0.0, sample.speed)
    leg.ended_at = sample.t
    leg.samples += 1


async def follow_faults(
    db: AsyncSession, vehicle_id: str, owner_id: int, samples: Sequence[Sample]
) -> list[Fault]:
    reporting = [s for s in samples if s.fault_codes is not None]
    if not reporting:
        return []
    current = {fault.code: fault for fault in await queries.active_faults(db, vehicle_id)}
    opened: list[Fault] = []
    for sample in reporting:
        codes = set(sample.fault_codes or ())
        for code in sorted(codes):
            fault = current.get(code)
            if fault is None:
                fault = current[code] = Fault(vehicle_id=vehicle_id, owner_id=owner_id, code=code,
                                              first_seen=sample.t, last_seen=sample.t)  # fmt: skip
                db.add(fault)
                opened.append(fault)
            fault.last_seen = sample.t
        for code in set(current) - codes:
            current.pop(code).cleared_at = sample.t
    if opened:
        await db.flush(opened)
    return opened
