"""Scheduler metrics, in the process's Prometheus registry."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

JOB_RUNS = Counter("souk_scheduler_job_runs_total", "Scheduled job runs", ["job", "outcome"])
LEADER = Gauge("souk_scheduler_leader", "1 while this scheduler holds the leader lease")
