"""Rate limits shared by every process: fixed-window counters in a NATS KV bucket.

Each (rule, subject, window) is one key, incremented with compare-and-set, so a limit holds however
many edges or workers count against it. Exceeding it raises `rate_limited` with `retry_after`.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from dataclasses import dataclass

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

from protocols import subjects
from protocols.envelope import DomainError, ErrorCode

from .bus import Bus

MAX_WINDOW_S = subjects.RATE_LIMIT_MAX_WINDOW_S
# Concurrent hits on one key retry until each has counted once; jitter spreads the retries.
CAS_ATTEMPTS = 64
CAS_JITTER_S = 0.002


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int
    window_s: int


class RateLimiter:
    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self._bucket = bus.bucket(subjects.RATE_LIMITS)

    async def hit(self, rule: Rule, who: str) -> None:
        """Count one attempt by `who` (an IP, an account); refuse it past the rule's limit."""
        if rule.window_s > MAX_WINDOW_S:
            raise ValueError(f"{rule.name}: windows longer than {MAX_WINDOW_S}s are not kept")
        now = time.time()
        window = int(now // rule.window_s)
        digest = hashlib.sha256(who.encode()).hexdigest()[:32]  # no addresses or emails in key names
        key = f"{rule.name}.{digest}.{window}"
        count = await self._increment(key)
        if count > rule.limit:
            retry_after = (window + 1) * rule.window_s - now
            raise DomainError(
                ErrorCode.RATE_LIMITED, "Too many requests, try again later", {"retry_after": round(retry_after, 1)}
            )

    async def _increment(self, key: str) -> int:
        kv = self._bucket  # each step re-creates the bucket if a nats-server restart lost it
        for _ in range(CAS_ATTEMPTS):
            try:
                entry = await kv.get(key)
            except KeyNotFoundError:
                try:
                    await kv.create(key, b"1")
                    return 1
                except KeyWrongLastSequenceError:
                    await asyncio.sleep(random.random() * CAS_JITTER_S)  # someone else created it first
                    continue
            count = int(entry.value or b"0") + 1
            try:
                await kv.update(key, str(count).encode(), last=entry.revision)
                return count
            except KeyWrongLastSequenceError:
                await asyncio.sleep(random.random() * CAS_JITTER_S)
        # Heavy contention on one key: that alone means the caller is far past any sane limit.
        raise DomainError(ErrorCode.RATE_LIMITED, "Too many requests, try again later", {"retry_after": 1})
