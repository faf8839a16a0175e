"""Storing batches: every sample in multi-row inserts that skip what is stored already, then the
derivation of each vehicle's new samples, all in the caller's one transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from nodes.workers.database import is_postgresql
from protocols.telemetry import Sample, TelemetryBatch
from storage.models.telemetry import Fault, Trip, VehicleState

from . import queries
from .derive import derive

# A sample's own values, read off its fields' dict (a fetch holds thousands of samples).
VALUE_COLUMNS = tuple(name for name in queries.SAMPLE_ARRAYS if name not in ("vehicle_id", "fault_codes"))


def codes_of(sample: Sample) -> str | None:
    return ",".join(sample.fault_codes) if sample.fault_codes is not None else None


def row_of(vehicle_id: str, sample: Sample) -> dict[str, Any]:
    row = sample.model_dump(exclude={"fault_codes"})
    row["vehicle_id"] = vehicle_id
    row["fault_codes"] = codes_of(sample)
    return row


def columns_of(batches: Sequence[TelemetryBatch]) -> dict[str, list[Any]]:
    """The batches' samples as one list per column (PostgreSQL's arrays)."""
    values = itemgetter(*VALUE_COLUMNS)
    rows = [values(sample.__dict__) for batch in batches for sample in batch.samples]
    transposed = [list(column) for column in zip(*rows, strict=True)] or [[] for _ in VALUE_COLUMNS]
    columns: dict[str, list[Any]] = dict(zip(VALUE_COLUMNS, transposed, strict=True))
    columns["vehicle_id"] = [batch.vehicle_id for batch in batches for _ in batch.samples]
    columns["fault_codes"] = [codes_of(sample) for batch in batches for sample in batch.samples]
    return columns


async def insert(db: AsyncSession, batches: Sequence[TelemetryBatch]) -> set[tuple[str, int]]:
    if is_postgresql(db):
        return await queries.insert_sample_columns(db, columns_of(batches))
    return await queries.insert_samples(db, [row_of(b.vehicle_id, s) for b in batches for s in b.samples])


async def store(db: AsyncSession, batches: Sequence[TelemetryBatch], trip_gap_ms: int) -> list[Fault]:
    """Store `batches` and derive what their new samples tell; the fault occurrences they opened."""
    # Vehicles in one order in every transaction, so that two workers never wait on each other's locks.
    batches = sorted(batches, key=lambda b: (b.vehicle_id, b.start_timestamp))
    stored = await insert(db, batches)
    new: dict[tuple[str, int], list[Sample]] = defaultdict(list)
    for batch in batches:
        for sample in batch.samples:
            key = (batch.vehicle_id, sample.t)
            if key in stored:  # the row this sample stored; two overlapping batches of a fetch store it once
                stored.discard(key)
                new[(batch.vehicle_id, batch.owner_id)].append(sample)
    for samples in new.values():
        samples.sort(key=lambda s: s.t)
    # Every vehicle's state and open trip in two queries, not two per vehicle.
    states = await queries.locked_states(db, {vehicle_id: s[0].t for (vehicle_id, _), s in new.items()})
    trips = await queries.trips_by_id(db, [s.trip_id for s in states.values() if s.trip_id is not None])
    opened: list[Fault] = []
    open_trips: list[tuple[VehicleState, Trip | None]] = []
    for (vehicle_id, owner_id), samples in new.items():
        state = states[vehicle_id]
        trip = trips.get(state.trip_id) if state.trip_id is not None else None
        trip, found = await derive(db, state, trip, owner_id, samples, trip_gap_ms)
        open_trips.append((state, trip))
        opened += found
    # The trips just opened get their ids in one statement, not one per vehicle.
    if started := [trip for _, trip in open_trips if trip is not None and trip.id is None]:
        await db.flush(started)
    for state, trip in open_trips:
        state.trip_id = trip.id if trip is not None else None
    return opened
