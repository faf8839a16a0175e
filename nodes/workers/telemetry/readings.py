"""A vehicle's telemetry read back: recent samples, trips with their fuel, active fault codes, and
the latest odometer of several vehicles. The edge asks these only for a vehicle the garage says is
the member's; a signed-in actor is all this side checks."""

from __future__ import annotations

from protocols import telemetry as wire
from protocols.envelope import Actor
from storage.models.telemetry import Sample, Trip

from . import queries
from .codes import describe
from .deps import TelemetryDeps
from .handlers import handlers


def sample_view(row: Sample) -> wire.StoredSample:
    codes = row.fault_codes
    return wire.StoredSample(
        t=row.t, speed=row.speed, fuel_rate=row.fuel_rate, odometer=row.odometer, rpm=row.rpm,
        coolant_temp=row.coolant_temp, fuel_level=row.fuel_level, battery_voltage=row.battery_voltage,
        latitude=row.latitude, longitude=row.longitude, ignition=row.ignition,
        fault_codes=codes.split(",") if codes else ([] if codes is not None else None),
    )  # fmt: skip


def trip_view(row: Trip) -> wire.Trip:
    return wire.Trip(
        id=row.id, started_at=row.started_at, ended_at=row.ended_at, ongoing=row.open,
        distance_km=round(row.distance_km, 3), fuel_used_l=round(row.fuel_used_l, 3), max_speed=row.max_speed,
        samples=row.samples,
    )  # fmt: skip


@handlers.on(wire.RecentSamples)
async def recent_samples(cmd: wire.RecentSamples, actor: Actor, deps: TelemetryDeps) -> wire.SamplePage:
    actor.require_user()
    async with deps.read_db() as db:
        rows = await queries.recent_samples(db, cmd.vehicle_id, cmd.before, cmd.limit)
    return wire.SamplePage(items=[sample_view(row) for row in rows])


@handlers.on(wire.ListTrips)
async def list_trips(cmd: wire.ListTrips, actor: Actor, deps: TelemetryDeps) -> wire.TripPage:
    actor.require_user()
    async with deps.read_db() as db:
        rows = await queries.trips(db, cmd.vehicle_id, cmd.limit)
        distance, fuel = await queries.trip_totals(db, cmd.vehicle_id)
    return wire.TripPage(items=[trip_view(row) for row in rows], distance_km=round(distance, 3),
                         fuel_used_l=round(fuel, 3))  # fmt: skip


@handlers.on(wire.ActiveFaults)
async def active_faults(cmd: wire.ActiveFaults, actor: Actor, deps: TelemetryDeps) -> wire.FaultList:
    actor.require_user()
    async with deps.read_db() as db:
        rows = await queries.active_faults(db, cmd.vehicle_id)
    return wire.FaultList(
        items=[wire.Fault(code=row.code, description=describe(row.code), first_seen=row.first_seen,
                          last_seen=row.last_seen) for row in rows]
    )  # fmt: skip


@handlers.on(wire.LatestOdometers)
async def latest_odometers(cmd: wire.LatestOdometers, actor: Actor, deps: TelemetryDeps) -> wire.Odometers:
    actor.require_user()
    if not cmd.vehicle_ids:
        return wire.Odometers(items=[])
    async with deps.read_db() as db:
        rows = await queries.odometers(db, cmd.vehicle_ids)
    return wire.Odometers(
        items=[wire.OdometerReading(vehicle_id=row.vehicle_id, odometer=row.odometer, t=row.odometer_t)
               for row in rows if row.odometer is not None and row.odometer_t is not None]
    )  # fmt: skip
