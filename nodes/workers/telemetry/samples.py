"""Storing batches: every sample in multi-row inserts that skip what is stored already, then the
derivation of each vehicle's new samples, all in the caller's one transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from protocols.telemetry import Sample, TelemetryBatch
from storage.models.telemetry import Fault

from . import queries
from .derive import derive


def row_of(vehicle_id: str, sample: Sample) -> dict[str, Any]:
    row = sample.model_dump(exclude={"fault_codes"})
    row["vehicle_id"] = vehicle_id
    row["fault_codes"] = ",".join(sample.fault_codes) if sample.fault_codes is not None else None
    return row


async def store(db: AsyncSession, batches: Sequence[TelemetryBatch], trip_gap_ms: int) -> list[Fault]:
    """Store `batches` and derive what their new samples tell; the fault occurrences they opened."""
    # Vehicles in one order in every transaction, so that two workers never wait on each other's locks.
    batches = sorted(batches, key=lambda b: (b.vehicle_id, b.start_timestamp))
    rows = [row_of(batch.vehicle_id, sample) for batch in batches for sample in batch.samples]
    stored = await queries.insert_samples(db, rows)
    new: dict[tuple[str, int], list[Sample]] = defaultdict(list)
    for batch in batches:
        for sample in batch.samples:
            if (batch.vehicle_id, sample.t) in stored:
                new[(batch.vehicle_id, batch.owner_id)].append(sample)
    for samples in new.values():
        samples.sort(key=lambda s: s.t)
    # Every vehicle's state and open trip in two queries, not two per vehicle.
    states = await queries.locked_states(db, {vehicle_id: s[0].t for (vehicle_id, _), s in new.items()})
    trips = await queries.trips_by_id(db, [s.trip_id for s in states.values() if s.trip_id is not None])
    opened: list[Fault] = []
    for (vehicle_id, owner_id), samples in new.items():
        state = states[vehicle_id]
        trip = trips.get(state.trip_id) if state.trip_id is not None else None
        opened += await derive(db, state, trip, owner_id, samples, trip_gap_ms)
    return opened
