"""Scheduled jobs: each sends one command as the system actor; a worker does the work."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from protocols.advisor import ResumeAnswers
from protocols.envelope import Actor, Batched, Command
from protocols.garage_service import RemindAppointments
from protocols.identity import LiftEndedBans, PurgeExpiredSessions
from protocols.market import ExpireAds
from protocols.matching import RunPipeline
from protocols.presence import SweepPresence
from protocols.realty import CatchUpProperties, TellMatches
from protocols.telemetry import RollUpSamples

log = logging.getLogger(__name__)

# Batches one firing sends at most (expiry, telemetry roll-up, reminders, bans lifted); what is left waits for the next firing.
EXPIRY_ROUNDS = 100

# How long the scheduled matching run is waited for: well past any sensible solver time limit.
MATCHING_WAIT_S = 900.0

B = TypeVar("B", bound=Batched)


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


async def batch_after_batch(bus: Bus, command: Command[B]) -> list[B]:
    """Each batch's result: `command` is sent again while the worker says there is more, at most
    EXPIRY_ROUNDS times (each request stays short; what is left waits for the next firing)."""
    results = []
    for _ in range(EXPIRY_ROUNDS):
        result = await bus.request(command, actor=Actor.system())
        results.append(result)
        if not result.more:
            break
    return results


async def expire_listings(bus: Bus) -> None:
    results = await batch_after_batch(bus, ExpireAds())
    expired, notified = sum(r.expired for r in results), sum(r.notified for r in results)
    log.info("expired %d listings, notified %d owners", expired, notified)


async def roll_up_telemetry(bus: Bus) -> None:
    """Raw samples past their retention into per-minute summaries."""
    results = await batch_after_batch(bus, RollUpSamples())
    samples, minutes = sum(r.samples for r in results), sum(r.minutes for r in results)
    log.info("rolled %d raw telemetry samples into %d minutes", samples, minutes)


async def remind_appointments(bus: Bus) -> None:
    """Members of appointments a day away reminded."""
    results = await batch_after_batch(bus, RemindAppointments())
    log.info("reminded %d members of their appointments", sum(r.sent for r in results))


async def lift_ended_bans(bus: Bus) -> None:
    """Bans whose end has passed, cleared (signing in already works from the moment one ends)."""
    results = await batch_after_batch(bus, LiftEndedBans())
    log.info("lifted %d ended bans", sum(r.lifted for r in results))


async def tell_realty_matches(bus: Bus) -> None:
    """Realty's match notices that notify (or identity, or the market) did not answer for at the time."""
    told = await bus.request(TellMatches(), actor=Actor.system())
    if told.sent:
        log.info("told %d realty matches late", told.sent)


async def catch_up_realty(bus: Bus) -> None:
    """Properties published while no realty worker ran, matched with the open requests."""
    results = await batch_after_batch(bus, CatchUpProperties())
    new = sum(r.new for r in results)
    if new:
        log.info("caught up %d realty properties: %d new matches", sum(r.matched for r in results), new)


async def resume_answers(bus: Bus) -> None:
    """Car advisor's answers whose worker died (its lease ran out), taken over by a live one."""
    results = await batch_after_batch(bus, ResumeAnswers())
    resumed = sum(r.resumed for r in results)
    if resumed:
        log.info("took over %d advisor answers", resumed)


async def run_matching(bus: Bus) -> None:
    """Everyone's matching: the pool into bilateral swaps and chains (one request, which may take the
    solver's whole `[matching] solver_time_limit_s`)."""
    done = await bus.request(RunPipeline(), actor=Actor.system(), timeout=MATCHING_WAIT_S)
    log.info(
        "matching run %d: %d swaps, %d chains", done.run_id, done.bilateral_matches, done.exchange_chains
    )


JOBS: tuple[Job, ...] = (
    Job("purge_expired_sessions", lambda s: s.scheduler.session_purge_interval_s, purge_expired_sessions),
    Job("sweep_presence", lambda s: s.scheduler.presence_sweep_interval_s, sweep_presence),
    Job("expire_listings", lambda s: s.scheduler.listing_expiry_interval_s, expire_listings),
    Job("roll_up_telemetry", lambda s: s.scheduler.telemetry_rollup_interval_s, roll_up_telemetry),
    Job("remind_appointments", lambda s: s.scheduler.appointment_reminder_interval_s, remind_appointments),
    Job("lift_ended_bans", lambda s: s.scheduler.ban_lift_interval_s, lift_ended_bans),
    Job("run_matching", lambda s: s.matching.run_interval_s, run_matching),
    Job("tell_realty_matches", lambda s: s.scheduler.realty_notice_interval_s, tell_realty_matches),
    Job("catch_up_realty", lambda s: s.scheduler.realty_catch_up_interval_s, catch_up_realty),
    Job("resume_answers", lambda s: s.scheduler.advisor_resume_interval_s, resume_answers),
)
