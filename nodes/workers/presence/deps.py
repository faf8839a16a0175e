"""What the presence handlers need: the two KV buckets and the bus (presence keeps no tables)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from nats.js.kv import KeyValue

from nodes.runtime.bus import Bus
from nodes.runtime.kv import presence_bucket
from nodes.runtime.settings import Settings
from protocols import subjects


@dataclass(frozen=True)
class PresenceDeps:
    settings: Settings
    bus: Bus
    state: KeyValue  # `online.<user>` while announced online, `seen.<user>` when last seen


@asynccontextmanager
async def open_deps(settings: Settings, bus: Bus | None) -> AsyncIterator[PresenceDeps]:
    if bus is None:
        raise RuntimeError("presence lives in NATS KV: it needs the bus")
    # The handlers read the `<user>.<edge>` keys by subject (`live_keys`, `has_live_key`); the bucket
    # only has to exist, with the edges' TTL, before the first sweep asks about its stream.
    await presence_bucket(bus, settings.presence)
    state = await bus.kv(subjects.PRESENCE_STATE_BUCKET)
    yield PresenceDeps(settings=settings, bus=bus, state=state)
