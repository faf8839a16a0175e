"""The scheduler process: APScheduler decides when, the lease decides who, the bus carries the command."""

from __future__ import annotations

import asyncio
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from protocols.envelope import DomainError

from . import metrics
from .jobs import JOBS, Job
from .lease import LeaderLease

log = logging.getLogger(__name__)


class SchedulerApp:
    def __init__(
        self, bus: Bus, settings: Settings, *, holder_id: str | None = None, jobs: tuple[Job, ...] = JOBS
    ) -> None:
        self.bus = bus
        self.jobs = {job.name: job for job in jobs}
        self.lease = LeaderLease(bus, ttl_s=settings.scheduler.lease_ttl_s, holder_id=holder_id)
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._stopping = False
        for job in jobs:
            self._scheduler.add_job(
                self.tick,
                "interval",
                seconds=job.interval_s(settings),
                args=[job.name],
                id=job.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,  # a busy loop delays a run; it never silently drops it
            )

    async def start(self) -> None:
        self._stopping = False
        await self.lease.start()
        self._scheduler.start()

    async def stop(self) -> None:
        """Stop firing (in-flight runs are cancelled), then hand the lease over at once."""
        self._stopping = True
        if self._scheduler.running:
            # Paused, it submits no run; one turn of the loop then lets every run already submitted
            # reach `tick`, which takes the cancellation below as a stop. A run cancelled before its
            # first line, APScheduler would log as a crashed job; without the pause, a run submitted
            # during that very turn would be.
            self._scheduler.pause()
            await asyncio.sleep(0)
            self._scheduler.shutdown(wait=False)
        await self.lease.stop()
        log.info("scheduler %s stopped", self.lease.holder_id)

    async def tick(self, name: str) -> None:
        """One scheduled firing: the lease is checked right before sending, so only the leader publishes."""
        if not self.lease.held:
            metrics.JOB_RUNS.labels(name, "not_leader").inc()
            return
        try:
            await self.run_job_now(name)
        except asyncio.CancelledError:
            # APScheduler logs a cancelled run as a crash, traceback and all; a stop is not one.
            if not self._stopping:
                raise
            log.info("job %s cancelled: the scheduler is stopping", name)

    async def run_job_now(self, name: str) -> str:
        """Run a job once, ignoring its schedule and the lease (operators and tests); returns the outcome:
        `ok`, the worker's error code, or `error`."""
        job = self.jobs.get(name)
        if job is None:
            raise KeyError(f"no scheduled job named {name!r}; known: {sorted(self.jobs)}")
        try:
            await job.run(self.bus)
            outcome = "ok"
        except DomainError as exc:
            outcome = exc.code.value
            log.warning("job %s failed: %s %s", name, outcome, exc.message)
        except Exception:
            # Count it and keep scheduling; the next firing may well succeed.
            outcome = "error"
            log.exception("job %s crashed", name)
        metrics.JOB_RUNS.labels(name, outcome).inc()
        return outcome
