"""Prometheus metrics of this process: one registry, served by the edge or a worker's listener."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# Worker side: what each subject handled.
HANDLED = Counter("souk_worker_requests_total", "Requests handled by workers", ["subject", "outcome"])
HANDLE_SECONDS = Histogram(
    "souk_worker_request_seconds", "Time a worker spent on a request", ["subject"], buckets=LATENCY_BUCKETS
)
HANDLER_ERRORS = Counter("souk_worker_errors_total", "Error replies by code", ["subject", "code"])

# Caller side: what the bus asked for and how it ended.
BUS_REQUESTS = Counter("souk_bus_requests_total", "Requests sent over the bus", ["subject", "outcome"])
BUS_SECONDS = Histogram(
    "souk_bus_request_seconds", "Round trip of bus requests", ["subject"], buckets=LATENCY_BUCKETS
)

# Edge side.
HTTP_REQUESTS = Counter("souk_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_SECONDS = Histogram(
    "souk_http_request_seconds", "HTTP request latency", ["method", "route"], buckets=LATENCY_BUCKETS
)


class SubjectMetrics:
    """The metric children of one subject, looked up once: `labels()` is costly on a hot path."""

    def __init__(self, subject: str, requests: Counter, seconds: Histogram, errors: Counter | None = None):
        self.ok = requests.labels(subject, "ok")
        self.seconds = seconds.labels(subject)
        self._subject = subject
        self._requests = requests
        self._errors = errors

    def failed(self, code: str) -> None:
        self._requests.labels(self._subject, code).inc()
        if self._errors is not None:
            self._errors.labels(self._subject, code).inc()


def worker_metrics(subject: str) -> SubjectMetrics:
    return SubjectMetrics(subject, HANDLED, HANDLE_SECONDS, HANDLER_ERRORS)


def bus_metrics(subject: str) -> SubjectMetrics:
    return SubjectMetrics(subject, BUS_REQUESTS, BUS_SECONDS)


async def metrics_handler(_request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def start_metrics_listener(host: str, port: int) -> web.AppRunner:
    """A bare `/metrics` listener for processes without an HTTP surface (workers, scheduler)."""
    app = web.Application()
    app.router.add_get("/metrics", metrics_handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
