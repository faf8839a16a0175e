"""Retention (scheduled): raw samples older than `[telemetry] raw_retention_s` become per-minute
summaries and are deleted, one bounded batch per command. A minute rolled in two runs (a late
sample came after the first) adds up: its averages are kept as sums and counts. The same run sends
the fault notices still unsent (notices.py)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from protocols import telemetry as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from storage.models.telemetry import MinuteSummary, Sample

from . import notices, queries
from .deps import TelemetryDeps
from .handlers import handlers

MS_PER_MINUTE = 60_000
NOTICES_PER_RUN = 200


@handlers.on(wire.RollUpSamples)
async def roll_up(_cmd: wire.RollUpSamples, actor: Actor, deps: TelemetryDeps) -> wire.RolledUp:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "scheduled work: the system only")
    telemetry = deps.settings.telemetry
    cutoff = int(time.time() * 1000 - telemetry.raw_retention_s * 1000)
    async with deps.db() as db:
        rows = await queries.samples_before(db, cutoff, telemetry.rollup_batch)
        minutes = await summarize(db, rows)
        await queries.delete_samples(db, [(row.vehicle_id, row.t) for row in rows])
        await db.commit()
    async with deps.read_db() as db:
        unsent = await queries.unnotified_faults(db, NOTICES_PER_RUN)
    await notices.send(deps.bus, deps.db, unsent)
    return wire.RolledUp(samples=len(rows), minutes=minutes, more=len(rows) == telemetry.rollup_batch)


async def summarize(db: AsyncSession, rows: Sequence[Sample]) -> int:
    """Add `rows` into their minutes' summaries (made where missing); how many minutes."""
    keys = sorted({(row.vehicle_id, row.t - row.t % MS_PER_MINUTE) for row in rows})
    summaries = await queries.minutes(db, keys)
    for key in keys:
        if key not in summaries:
            summaries[key] = MinuteSummary(
                vehicle_id=key[0], minute=key[1], samples=0, speed_sum=0.0, speed_count=0,
                fuel_rate_sum=0.0, fuel_rate_count=0,
            )  # fmt: skip
            db.add(summaries[key])
    for row in rows:
        add(summaries[(row.vehicle_id, row.t - row.t % MS_PER_MINUTE)], row)
    return len(keys)


def add(summary: MinuteSummary, row: Sample) -> None:
    summary.samples += 1
    if row.speed is not None:
        summary.speed_sum += row.speed
        summary.speed_count += 1
        summary.max_speed = max(summary.max_speed or 0.0, row.speed)
    if row.fuel_rate is not None:
        summary.fuel_rate_sum += row.fuel_rate
        summary.fuel_rate_count += 1
    if row.odometer is not None:
        summary.min_odometer = min(summary.min_odometer if summary.min_odometer is not None else row.odometer,
                                   row.odometer)  # fmt: skip
        summary.max_odometer = max(summary.max_odometer or 0.0, row.odometer)
