"""Rate limits shared by every process: fixed-window counters in a NATS KV bucket.

Each (rule, subject, window) is one key, incremented with compare-and-set, so a limit holds however
many edges or workers count against it. Exceeding it raises `rate_limited` with `retry_after`.

When the bucket does not answer (its node is down, its stream has no leader, NATS is unreachable),
a limiter counts the same windows in this process instead, so that sign-in goes on: for the outage
a limit holds per process rather than across all of them. It tries the bucket again every few
seconds and goes back to it as soon as it answers. A refusal by the bucket is not an outage.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from nats.errors import (
    ConnectionClosedError,
    ConnectionDrainingError,
    ConnectionReconnectingError,
    NoRespondersError,
    NoServersError,
    OutboundBufferLimitError,
    StaleConnectionError,
)
from nats.js.errors import APIError, KeyNotFoundError, KeyWrongLastSequenceError, NoStreamResponseError

from protocols import subjects
from protocols.envelope import DomainError, ErrorCode

from .buckets import Leaderless
from .bus import Bus

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_WINDOW_S = subjects.RATE_LIMIT_MAX_WINDOW_S
# Concurrent hits on one key retry until each has counted once; jitter spreads the retries.
CAS_ATTEMPTS = 64
CAS_JITTER_S = 0.002
# A bucket call that takes longer is an outage: a sign-in must not wait out NATS's own 5 s.
STORE_TIMEOUT_S = 0.5
# During an outage one hit tries the bucket again this often; the others count locally meanwhile.
PROBE_EVERY_S = 3.0
# Windows counted in this process during an outage; past this many the oldest are forgotten.
LOCAL_WINDOWS_MAX = 100_000

UNREACHABLE = (
    TimeoutError,  # nats-py's timeouts and ours
    OSError,
    NoRespondersError,
    NoStreamResponseError,  # a write that no stream took: its only node is down
    ConnectionClosedError,
    ConnectionDrainingError,
    ConnectionReconnectingError,
    NoServersError,
    OutboundBufferLimitError,
    StaleConnectionError,
)


def store_unreachable(exc: BaseException) -> bool:
    """Whether `exc` says the bucket did not answer, as opposed to answering no."""
    if isinstance(exc, (*UNREACHABLE, Leaderless)):
        return True
    # Any other JetStream refusal here is the store failing to decide, not a limit: 5xx without a
    # leader for the stream or the cluster, and while a node rejoins, a bucket taken for lost whose
    # re-creation is refused (a sign-in failed with a traceback on it once in five cluster runs).
    return isinstance(exc, APIError)


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int
    window_s: int


class LocalWindows:
    """Fixed-window counters kept in this process, each forgotten once its window has ended."""

    def __init__(self, max_windows: int = LOCAL_WINDOWS_MAX) -> None:
        self._max = max_windows
        self._counts: OrderedDict[str, tuple[int, float]] = OrderedDict()  # key -> (count, window end)

    def add(self, key: str, ends_at: float) -> int:
        self._forget_ended(time.time())
        found = self._counts.get(key)
        count = (found[0] if found is not None else 0) + 1
        self._counts[key] = (count, ends_at)
        while len(self._counts) > self._max:
            self._counts.popitem(last=False)
        return count

    def count(self, key: str) -> int:
        self._forget_ended(time.time())
        found = self._counts.get(key)
        return found[0] if found is not None else 0

    def __len__(self) -> int:
        return len(self._counts)

    def _forget_ended(self, now: float) -> None:
        # Keys are added in time order, so ended windows gather at the front (a shorter rule's may
        # wait behind a longer one's until the bound takes it).
        while self._counts:
            _key, (_count, ends_at) = next(iter(self._counts.items()))
            if ends_at > now:
                return
            self._counts.popitem(last=False)


class Undecided(Exception):
    """Every compare-and-set on a key lost: heavy contention, or a replica still catching up after a
    node's return answering reads with an old revision (a sign-in then got 429 under a limit of a
    million). Counted locally like an outage, which still holds the limit in this process."""


class RateLimiter:
    def __init__(
        self, bus: Bus, *, store_timeout_s: float = STORE_TIMEOUT_S, probe_every_s: float = PROBE_EVERY_S
    ) -> None:
        self.bus = bus
        self._bucket = bus.bucket(subjects.RATE_LIMITS)
        self._store_timeout_s = store_timeout_s
        self._probe_every_s = probe_every_s
        self._local = LocalWindows()
        self._outage = False
        self._next_probe = 0.0  # monotonic
        self._probing = False

    @property
    def shared(self) -> bool:
        """Whether limits are counted in the shared bucket (False during an outage of it)."""
        return not self._outage

    async def hit(self, rule: Rule, who: str) -> None:
        """Count one attempt by `who` (an IP, an account); refuse it past the rule's limit."""
        if rule.window_s > MAX_WINDOW_S:
            raise ValueError(f"{rule.name}: windows longer than {MAX_WINDOW_S}s are not kept")
        now = time.time()
        window = int(now // rule.window_s)
        ends_at = (window + 1) * rule.window_s
        digest = hashlib.sha256(who.encode()).hexdigest()[:32]  # no addresses or emails in key names
        key = f"{rule.name}.{digest}.{window}"
        count = await self._count(key, ends_at)
        if count > rule.limit:
            raise DomainError(
                ErrorCode.RATE_LIMITED,
                "Too many requests, try again later",
                {"retry_after": round(ends_at - now, 1)},
            )

    async def _count(self, key: str, ends_at: float) -> int:
        probe = self._outage
        if probe:
            if self._probing or time.monotonic() < self._next_probe:
                return self._local.add(key, ends_at)
            self._probing = True  # this hit tries the bucket; the others meanwhile count locally
        try:
            shared = await self._increment(key)
        except Exception as exc:
            if not (store_unreachable(exc) or isinstance(exc, Undecided)):
                raise
            self._lost(exc)
            return self._local.add(key, ends_at)
        finally:
            if probe:
                self._probing = False
        self._back()
        # Hits this process counted while the bucket was away are not in it, yet they happened.
        return shared + self._local.count(key)

    def _lost(self, exc: BaseException) -> None:
        self._next_probe = time.monotonic() + self._probe_every_s
        if not self._outage:
            self._outage = True
            log.warning(
                "rate-limit bucket %s does not answer (%s): limits count in this process only until it does",
                self._bucket.name, type(exc).__name__,
            )  # fmt: skip

    def _back(self) -> None:
        if self._outage:
            self._outage = False
            log.info("rate-limit bucket %s answers again: limits are shared again", self._bucket.name)

    async def _store(self, call: Awaitable[T]) -> T:
        async with asyncio.timeout(self._store_timeout_s):
            return await call

    async def _increment(self, key: str) -> int:
        kv = self._bucket  # each step re-creates the bucket if a nats-server restart lost it
        for _ in range(CAS_ATTEMPTS):
            try:
                entry = await self._store(kv.get(key))
            except KeyNotFoundError:
                try:
                    await self._store(kv.create(key, b"1"))
                    return 1
                except KeyWrongLastSequenceError:
                    await asyncio.sleep(random.random() * CAS_JITTER_S)  # someone else created it first
                    continue
            count = int(entry.value or b"0") + 1
            try:
                await self._store(kv.update(key, str(count).encode(), last=entry.revision))
                return count
            except KeyWrongLastSequenceError:
                await asyncio.sleep(random.random() * CAS_JITTER_S)
        raise Undecided(key)
