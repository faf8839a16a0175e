"""Scheduled jobs: each sends one command as the system actor; a worker does the work."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from protocols.envelope import Actor
from protocols.garage_service import RemindAppointments
from protocols.identity import PurgeExpiredSessions
from protocols.market import ExpireAds
from protocols.presence import SweepPresence
from protocols.telemetry import RollUpSamples

log = logging.getLogger(__name__)

# Batches one firing sends at most (expiry, telemetry roll-up, reminders); what is left waits for the next firing.
EXPIRY_ROUNDS = 100


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


async def expire_listings(bus: Bus) -> None:
    """One batch per request (each request stays short), until the market finds none left due."""
    expired = notified = 0
    for _ in range(EXPIRY_ROUNDS):
        result = await bus.request(ExpireAds(), actor=Actor.system())
        expired, notified = expired + result.expired, notified + result.notified
        if not result.more:
            break
    log.info("expired %d listings, notified %d owners", expired, notified)


async def roll_up_telemetry(bus: Bus) -> None:
    """Raw samples past their retention into per-minute summaries, batch after batch (bounded)."""
    samples = minutes = 0
    for _ in range(EXPIRY_ROUNDS):
        result = await bus.request(RollUpSamples(), actor=Actor.system())
        samples, minutes = samples + result.samples, minutes + result.minutes
        if not result.more:
            break
    log.info("rolled %d raw telemetry samples into %d minutes", samples, minutes)


async def remind_appointments(bus: Bus) -> None:
    """Members of appointments a day away reminded, batch after batch (bounded)."""
    sent = 0
    for _ in range(EXPIRY_ROUNDS):
        result = await bus.request(RemindAppointments(), actor=Actor.system())
        sent += result.sent
        if not result.more:
            break
    log.info("reminded %d members of their appointments", sent)


JOBS: tuple[Job, ...] = (
    Job("purge_expired_sessions", lambda s: s.scheduler.session_purge_interval_s, purge_expired_sessions),
    Job("sweep_presence", lambda s: s.scheduler.presence_sweep_interval_s, sweep_presence),
    Job("expire_listings", lambda s: s.scheduler.listing_expiry_interval_s, expire_listings),
    Job("roll_up_telemetry", lambda s: s.scheduler.telemetry_rollup_interval_s, roll_up_telemetry),
    Job("remind_appointments", lambda s: s.scheduler.appointment_reminder_interval_s, remind_appointments),
)
