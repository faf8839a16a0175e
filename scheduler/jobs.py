"""Scheduled jobs: each sends one command as the system actor; a worker does the work."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from protocols.envelope import Actor
from protocols.identity import PurgeExpiredSessions
from protocols.presence import SweepPresence

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    interval_s: Callable[[Settings], float]
    run: Callable[[Bus], Awaitable[None]]


async def purge_expired_sessions(bus: Bus) -> None:
    result = await bus.request(PurgeExpiredSessions(), actor=Actor.system())
    log.info("purged %d expired sessions", result.deleted)


async def sweep_presence(bus: Bus) -> None:
    await bus.request(SweepPresence(), actor=Actor.system())


JOBS: tuple[Job, ...] = (
    Job("purge_expired_sessions", lambda s: s.scheduler.session_purge_interval_s, purge_expired_sessions),
    Job("sweep_presence", lambda s: s.scheduler.presence_sweep_interval_s, sweep_presence),
)
