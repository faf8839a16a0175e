"""What the presence handlers need: the two KV buckets and the bus (presence keeps no tables)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from nodes.runtime.buckets import Bucket
from nodes.runtime.bus import Bus
from nodes.runtime.kv import presence_bucket
from nodes.runtime.settings import Settings
from protocols import subjects

from .absences import Troubles


@dataclass(frozen=True)
class PresenceDeps:
    settings: Settings
    bus: Bus
    # `<user>.<edge>` keys, read by subject (`live_keys`, `has_live_key`), written by the edges.
    connections: Bucket
    state: Bucket  # `online.<user>` while announced online, `seen.<user>` when last seen
    troubles: Troubles  # what this process saw of the connections bucket's trouble (absences.py)


@asynccontextmanager
async def open_deps(settings: Settings, bus: Bus | None) -> AsyncIterator[PresenceDeps]:
    if bus is None:
        raise RuntimeError("presence lives in NATS KV: it needs the bus")
    connections = presence_bucket(bus, settings.presence)
    state = bus.bucket(subjects.PRESENCE_STATE)
    # Both exist, with the edges' TTL, before the first sweep asks about their streams.
    for bucket in (connections, state):
        await bucket.handle()
    yield PresenceDeps(settings=settings, bus=bus, connections=connections, state=state, troubles=Troubles())
