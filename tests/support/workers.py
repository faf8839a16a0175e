"""More worker replicas beside a test's cluster."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from nodes.workers.serve import RunningWorkers


@asynccontextmanager
async def more_workers(settings: Settings, *domains: str) -> AsyncIterator[None]:
    """Another worker process's worth of these domains, on a connection of its own."""
    bus = await Bus.connect(settings.nats.url, name="more-workers")
    workers = RunningWorkers()
    try:
        await workers.start(bus, settings, domains)
        yield
    finally:
        await workers.stop()
        await bus.close()
