"""The telemetry tables' SQL. Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from nodes.workers.counting import per_bucket
from nodes.workers.database import dialect_insert as _insert
from protocols.counts import Buckets, Window
from storage.models.telemetry import Fault, MinuteSummary, Sample, Trip, VehicleState

# Rows per multi-row INSERT: 13 parameters each stays far under both databases' limits (32,767).
ROWS_PER_INSERT = 2000
KEYS_PER_DELETE = 500


# PostgreSQL takes a fetch's samples as one array per column: one statement of constant text, planned
# once per connection, where a multi-row VALUES is a new statement to build and plan for every row count.
SAMPLE_ARRAYS = {
    "vehicle_id": "varchar", "t": "bigint", "speed": "float8", "fuel_rate": "float8", "odometer": "float8",
    "rpm": "float8", "coolant_temp": "float8", "fuel_level": "float8", "battery_voltage": "float8",
    "latitude": "float8", "longitude": "float8", "ignition": "boolean", "fault_codes": "varchar",
}  # fmt: skip
# asyncpg's own placeholders: the statement goes to the driver's connection as it is (see below).
INSERT_SAMPLE_ARRAYS = (
    f"INSERT INTO {Sample.__tablename__} ({', '.join(SAMPLE_ARRAYS)}) "
    f"SELECT * FROM unnest({', '.join(f'${n}::{t}[]' for n, t in enumerate(SAMPLE_ARRAYS.values(), 1))}) "
    "ON CONFLICT (vehicle_id, t) DO NOTHING RETURNING vehicle_id, t"
)


async def insert_sample_columns(db: AsyncSession, columns: dict[str, list[Any]]) -> set[tuple[str, int]]:
    """PostgreSQL: every row (one list per column of `SAMPLE_ARRAYS`) not stored yet, in one statement;
    the (vehicle, t) of those this stored."""
    # On the session's connection, in its transaction, but straight through asyncpg: a fetch returns
    # thousands of keys, and SQLAlchemy's result rows cost more than the statement.
    connection = await (await db.connection()).get_raw_connection()
    driver = connection.driver_connection
    assert driver is not None
    if not driver.is_in_transaction():
        await db.execute(select(1))  # SQLAlchemy begins the transaction with its first statement
    assert driver.is_in_transaction()
    rows = await driver.fetch(INSERT_SAMPLE_ARRAYS, *(columns[name] for name in SAMPLE_ARRAYS))
    return {(row[0], row[1]) for row in rows}


async def insert_samples(db: AsyncSession, rows: Sequence[dict[str, Any]]) -> set[tuple[str, int]]:
    """Every row not stored yet, in multi-row statements; the (vehicle, t) of those this stored. A
    row stored before (a batch delivered again) is left as it is."""
    stored: set[tuple[str, int]] = set()
    for start in range(0, len(rows), ROWS_PER_INSERT):
        statement = (
            _insert(db, Sample)
            .values(list(rows[start : start + ROWS_PER_INSERT]))
            .on_conflict_do_nothing(index_elements=["vehicle_id", "t"])
            .returning(Sample.vehicle_id, Sample.t)
        )
        stored.update((vehicle_id, t) for vehicle_id, t in await db.execute(statement))
    return stored


async def locked_states(db: AsyncSession, first_t: dict[str, int]) -> dict[str, VehicleState]:
    """The vehicles' derivation states, made where missing (starting before `first_t`), locked until the
    transaction ends, in one order (PostgreSQL: two workers deriving one vehicle's batches take turns,
    and never wait on each other crosswise; SQLite has one writer anyway)."""
    fresh = [{"vehicle_id": vehicle_id, "last_t": t - 1} for vehicle_id, t in sorted(first_t.items())]
    for start in range(0, len(fresh), ROWS_PER_INSERT):
        chunk = fresh[start : start + ROWS_PER_INSERT]
        await db.execute(_insert(db, VehicleState).values(chunk).on_conflict_do_nothing())
    query = (
        select(VehicleState).where(VehicleState.vehicle_id.in_(sorted(first_t)))
        .order_by(VehicleState.vehicle_id).with_for_update()
    )  # fmt: skip
    rows = await db.scalars(query.execution_options(populate_existing=True))
    return {row.vehicle_id: row for row in rows}


async def trips_by_id(db: AsyncSession, trip_ids: Sequence[int]) -> dict[int, Trip]:
    if not trip_ids:
        return {}
    rows = await db.scalars(
        select(Trip).where(Trip.id.in_(trip_ids)).execution_options(populate_existing=True)
    )
    return {row.id: row for row in rows}


async def active_faults(db: AsyncSession, vehicle_id: str) -> list[Fault]:
    query = select(Fault).where(Fault.vehicle_id == vehicle_id, Fault.cleared_at.is_(None))
    return list(await db.scalars(query.order_by(Fault.first_seen, Fault.id)))


async def samples_since(db: AsyncSession, vehicle_id: str, since: int) -> list[Row[Any]]:
    """What trips read of the vehicle's samples from `since` on, oldest first."""
    query = select(Sample.t, Sample.speed, Sample.fuel_rate, Sample.odometer, Sample.ignition)
    return list(
        await db.execute(query.where(Sample.vehicle_id == vehicle_id, Sample.t >= since).order_by(Sample.t))
    )


async def last_trip_end(db: AsyncSession, vehicle_id: str, besides: int) -> int:
    """When the vehicle's latest trip but `besides` ended (-1: it has none)."""
    query = select(func.max(Trip.ended_at)).where(Trip.vehicle_id == vehicle_id, Trip.id != besides)
    found = await db.scalar(query)
    return -1 if found is None else int(found)


async def recent_samples(db: AsyncSession, vehicle_id: str, before: int | None, limit: int) -> list[Sample]:
    query = select(Sample).where(Sample.vehicle_id == vehicle_id)
    if before is not None:
        query = query.where(Sample.t < before)
    return list(await db.scalars(query.order_by(Sample.t.desc()).limit(limit)))


async def trips(db: AsyncSession, vehicle_id: str, limit: int) -> list[Trip]:
    query = select(Trip).where(Trip.vehicle_id == vehicle_id).order_by(Trip.started_at.desc(), Trip.id.desc())
    return list(await db.scalars(query.limit(limit)))


async def trip_totals(db: AsyncSession, vehicle_id: str) -> tuple[float, float]:
    """Distance (km) and fuel used (L) over every trip of the vehicle."""
    query = select(
        func.coalesce(func.sum(Trip.distance_km), 0.0), func.coalesce(func.sum(Trip.fuel_used_l), 0.0)
    )
    distance, fuel = (await db.execute(query.where(Trip.vehicle_id == vehicle_id))).one()
    return float(distance), float(fuel)


async def odometers(db: AsyncSession, vehicle_ids: Sequence[str]) -> list[VehicleState]:
    query = select(VehicleState).where(
        VehicleState.vehicle_id.in_(vehicle_ids), VehicleState.odometer.is_not(None)
    )
    return list(await db.scalars(query))


async def unnotified_faults(db: AsyncSession, most: int) -> list[Fault]:
    query = select(Fault).where(Fault.notified_at.is_(None)).order_by(Fault.id).limit(most)
    return list(await db.scalars(query))


async def mark_notified(db: AsyncSession, fault_ids: Sequence[int], now: datetime) -> None:
    if fault_ids:
        await db.execute(update(Fault).where(Fault.id.in_(fault_ids)).values(notified_at=now))


async def samples_before(db: AsyncSession, cutoff: int, most: int) -> list[Sample]:
    """The oldest raw samples before `cutoff`, by vehicle and time."""
    query = select(Sample).where(Sample.t < cutoff).order_by(Sample.vehicle_id, Sample.t).limit(most)
    return list(await db.scalars(query))


async def minutes(db: AsyncSession, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], MinuteSummary]:
    found: dict[tuple[str, int], MinuteSummary] = {}
    for start in range(0, len(keys), KEYS_PER_DELETE):
        chunk = keys[start : start + KEYS_PER_DELETE]
        query = select(MinuteSummary).where(tuple_(MinuteSummary.vehicle_id, MinuteSummary.minute).in_(chunk))
        found.update({(row.vehicle_id, row.minute): row for row in await db.scalars(query)})
    return found


async def delete_samples(db: AsyncSession, keys: Sequence[tuple[str, int]]) -> None:
    for start in range(0, len(keys), KEYS_PER_DELETE):
        chunk = keys[start : start + KEYS_PER_DELETE]
        await db.execute(delete(Sample).where(tuple_(Sample.vehicle_id, Sample.t).in_(chunk)))


async def samples_taken(db: AsyncSession, window: Window, rolled_before_ms: int) -> Buckets:
    """Samples in each bucket of `window` by their time `t`: raw ones, and those rolled into minutes
    (a minute counts in the bucket its first millisecond is in), which are all older than
    `rolled_before_ms`, the retention's cutoff: a window since then reads the raw samples only."""
    start_ms, end_ms = int(window.start.timestamp() * 1000), int(window.end.timestamp() * 1000)
    raw = await per_bucket(db, Sample.t // 1000, window, Sample.t >= start_ms, Sample.t < end_ms)
    if start_ms >= rolled_before_ms:
        return raw
    minute = MinuteSummary.minute
    rolled = await per_bucket(
        db, minute // 1000, window, minute >= start_ms, minute < end_ms, amount=MinuteSummary.samples
    )
    return raw.model_copy(update={"counts": [a + b for a, b in zip(raw.counts, rolled.counts, strict=True)]})
