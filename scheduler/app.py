"""The scheduler process: APScheduler decides when, the lease decides who, the bus carries the command."""

from __future__ import annotations

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
        for job in jobs:
            self._scheduler.add_job(
                self.tick,
                "interval",
                seconds=job.interval_s(settings),
                args=[job.name],
                id=job.name,
                max_instances=1,
                coalesce=True,
            )

    async def start(self) -> None:
        await self.lease.start()
        self._scheduler.start()

    async def stop(self) -> None:
        self._scheduler.shutdown(wait=False)
        await self.lease.stop()

    async def tick(self, name: str) -> None:
        """One scheduled firing: checked right before sending, so only the current leader publishes."""
        if not self.lease.held:
            metrics.JOB_RUNS.labels(name, "not_leader").inc()
            return
        await self.run_job_now(name)

    async def run_job_now(self, name: str) -> None:
        """Run a job once regardless of its schedule (operators and tests)."""
        try:
            await self.jobs[name].run(self.bus)
        except DomainError as exc:
            metrics.JOB_RUNS.labels(name, exc.code.value).inc()
            log.warning("job %s failed: %s", name, exc.message)
            return
        metrics.JOB_RUNS.labels(name, "ok").inc()
