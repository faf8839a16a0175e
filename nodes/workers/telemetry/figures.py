"""The console dashboard's figure of telemetry: samples per time bucket (staff only)."""

from __future__ import annotations

import time

from nodes.workers.counting import require_counter
from protocols import telemetry as wire
from protocols.counts import Buckets
from protocols.envelope import Actor

from . import queries
from .deps import TelemetryDeps
from .handlers import handlers


@handlers.on(wire.CountSamples)
async def count_samples(cmd: wire.CountSamples, actor: Actor, deps: TelemetryDeps) -> Buckets:
    require_counter(actor)
    rolled_before_ms = int(
        (time.time() - deps.settings.telemetry.raw_retention_s) * 1000
    )  # any roll-up's cutoff
    async with deps.read_db() as db:
        return await queries.samples_taken(db, cmd, rolled_before_ms)
