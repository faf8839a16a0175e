"""What the cluster test watches while nodes die, sampled in background tasks with their times
(time.monotonic()): each edge's /ready, a sign-in loop on each edge, and who holds the scheduler
lease according to NATS itself."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

import aiohttp
import nats
from nats.aio.client import Client as NatsClient
from nats.errors import Error as NatsError
from nats.js.kv import KeyValue

from protocols import subjects
from tests.chaos.clients import PASSWORD

LEASE_KEY = "leader"  # scheduler.lease.LeaderLease's default key
LEASE_READ_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class Sample:
    at: float  # when the answer was known
    seconds: float  # how long it took
    ok: bool
    detail: str  # a status code, the lease holder, or why the probe failed


Probe = Callable[[], Awaitable[tuple[bool, str]]]


@dataclass
class Sampler:
    """Runs `probe` every `every_s` until closed, keeping every answer."""

    name: str
    probe: Probe
    every_s: float
    samples: list[Sample] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"sampler-{self.name}")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            started = time.monotonic()
            ok, detail = await self.probe()
            done = time.monotonic()
            self.samples.append(Sample(done, done - started, ok, detail))
            await asyncio.sleep(self.every_s)

    def between(self, start: float, end: float) -> list[Sample]:
        return [s for s in self.samples if start <= s.at <= end]

    def longest_without_ok(self, start: float, end: float) -> float:
        """The longest time in [start, end] between two ok answers, counting from `start`, and up to
        `end` when the last answer by then was not ok (an upper bound: one probe period more)."""
        previous, longest = start, 0.0
        for sample in self.between(start, end):
            if sample.ok:
                longest = max(longest, sample.at - previous)
                previous = sample.at
        if not self._ok_at(end):
            longest = max(longest, end - previous)
        return longest

    def _ok_at(self, end: float) -> bool:
        before = [s for s in self.samples if s.at <= end]
        return bool(before) and before[-1].ok


def http_probe(http: aiohttp.ClientSession, method: str, url: str, expect: int, **kwargs: object) -> Probe:
    async def probe() -> tuple[bool, str]:
        try:
            async with http.request(method, url, **kwargs) as resp:  # type: ignore[arg-type]
                await resp.read()
                return resp.status == expect, str(resp.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return False, type(exc).__name__

    return probe


def ready_sampler(http: aiohttp.ClientSession, edge: str, name: str) -> Sampler:
    return Sampler(name, http_probe(http, "GET", f"{edge}/ready", 200), every_s=0.25)


def sign_in_sampler(http: aiohttp.ClientSession, edge: str, email: str, name: str) -> Sampler:
    """A user signing in again and again on one edge (MillionAvto's login)."""
    body = {"email": email, "password": PASSWORD}
    probe = http_probe(http, "POST", f"{edge}/api/v1/auth/login", 200, json=body)
    return Sampler(name, probe, every_s=0.4)


class LeaseReader:
    """Reads the scheduler lease's holder straight from the KV bucket, through any node of the
    cluster: the store's own answer to "who leads", never re-creating anything."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._nc: NatsClient | None = None
        self._kv: KeyValue | None = None

    async def __aenter__(self) -> Self:
        servers = [seed for seed in self.url.split(",") if seed]
        self._nc = await nats.connect(
            servers, max_reconnect_attempts=-1, reconnect_time_wait=0.2, error_cb=_quiet
        )  # a node's death is what this test causes: nats-py's default callback logs it as an error
        return self

    async def __aexit__(
        self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        if self._nc is not None:
            await self._nc.close()

    async def holder(self) -> tuple[bool, str]:
        assert self._nc is not None
        try:
            if self._kv is None:
                js = self._nc.jetstream(timeout=LEASE_READ_TIMEOUT_S)
                self._kv = await js.key_value(subjects.SCHEDULER_LEASE_BUCKET)
            entry = await self._kv.get(LEASE_KEY)
        except (NatsError, TimeoutError, OSError) as exc:
            return False, type(exc).__name__
        value = (entry.value or b"").decode()
        return bool(value), value or "empty"


async def _quiet(_exc: Exception) -> None:
    return None


async def bucket_layout(url: str) -> dict[str, str]:
    """Each KV bucket's replicas and the node leading it: which kill hits what."""
    nc = await nats.connect([seed for seed in url.split(",") if seed], error_cb=_quiet)
    try:
        js, layout = nc.jetstream(timeout=LEASE_READ_TIMEOUT_S), {}
        for stream in await js.streams_info():
            cluster = stream.cluster
            leader = cluster.leader if cluster is not None else None
            layout[stream.config.name or "?"] = f"R{stream.config.num_replicas} led by {leader}"
        return layout
    finally:
        await nc.close()


def lease_sampler(reader: LeaseReader) -> Sampler:
    return Sampler("lease", reader.holder, every_s=0.2)


async def close_all(samplers: Sequence[Sampler]) -> None:
    await asyncio.gather(*(s.close() for s in samplers))
