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
) -> list[Fault]:
    """Update the vehicle's `state` (locked) and its open `trip` from its newly stored `samples` (in
    time order); the fault occurrences they opened."""
    for sample in samples:
        if sample.odometer is not None and (state.odometer_t is None or sample.t > state.odometer_t):
            state.odometer, state.odometer_t = sample.odometer, sample.t
    fresh = [s for s in samples if s.t > state.last_t]
    if not fresh:
        return []
    await follow_trips(db, state, trip, fresh, trip_gap_ms)
    opened = await follow_faults(db, state.vehicle_id, owner_id, fresh)
    state.last_t = fresh[-1].t
    return opened


def active(sample: Sample) -> bool:
    return sample.ignition is True or (sample.ignition is None and bool(sample.speed))


def trip_over(trip: Trip, sample: Sample, gap_ms: int) -> bool:
    if sample.t - trip.ended_at > gap_ms:
        return True
    return sample.ignition is None and not sample.speed and sample.t - trip.last_moving_at > gap_ms


async def follow_trips(
    db: AsyncSession, state: VehicleState, trip: Trip | None, samples: Sequence[Sample], gap_ms: int
) -> None:
    for sample in samples:
        if trip is not None and trip_over(trip, sample, gap_ms):
            trip.open, trip = False, None
        if trip is None and active(sample):
            trip = open_trip(state.vehicle_id, sample)
            db.add(trip)
        elif trip is not None:
            extend(trip, sample)
        if trip is not None and sample.ignition is False:
            trip.open, trip = False, None
    if trip is not None and trip.id is None:
        await db.flush([trip])
    state.trip_id = trip.id if trip is not None else None


def open_trip(vehicle_id: str, sample: Sample) -> Trip:
    return Trip(
        vehicle_id=vehicle_id, started_at=sample.t, ended_at=sample.t, last_moving_at=sample.t, open=True,
        distance_km=0.0, fuel_used_l=0.0, max_speed=sample.speed, samples=1, last_odometer=sample.odometer,
    )  # fmt: skip


def extend(trip: Trip, sample: Sample) -> None:
    hours = (sample.t - trip.ended_at) / MS_PER_HOUR
    if sample.odometer is not None and trip.last_odometer is not None:
        trip.distance_km += max(0.0, sample.odometer - trip.last_odometer)
    else:
        trip.distance_km += (sample.speed or 0.0) * hours
    trip.fuel_used_l += (sample.fuel_rate or 0.0) * hours
    if sample.odometer is not None:
        trip.last_odometer = sample.odometer
    if sample.speed:
        trip.last_moving_at = sample.t
        trip.max_speed = max(trip.max_speed or 0.0, sample.speed)
    trip.ended_at = sample.t
    trip.samples += 1


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
