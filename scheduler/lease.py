"""The leader lease: one key in a NATS KV bucket whose entries expire after the TTL.

Acquired with a create-once write, renewed every TTL/3 by revision (so only the holder can renew),
deleted on a clean stop so a successor takes over at once. A holder counts its lease from the moment
it *sent* its last successful write, and the server counts the key's age from the moment it *stored*
it, so a holder that cannot renew stops acting before the key can expire for anyone else.

On a NATS cluster a node's death leaves the lease's stream without a leader for a few seconds (its
raft election); every write fails meanwhile. So a failed write is tried again soon, not a third of
a TTL later, and a lease finding the key still holds its own id (its renewal landed after it had
stopped counting on it) takes it back at once instead of waiting a whole TTL for the key to expire.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

from nodes.runtime.buckets import Bucket
from nodes.runtime.bus import Bus
from protocols import subjects

from . import metrics

log = logging.getLogger(__name__)

T = TypeVar("T")
OnChange = Callable[[bool], None]

# After a failed write, try again this soon (at most): a cluster elects the stream's leader anew
# within seconds, and the renewal must land before the lease lapses.
RETRY_S = 0.25


class LeaderLease:
    """`held` is the truth (it also lapses by the clock); `gained`/`lost` and `on_change` follow
    the renew loop and are there to wait on or react to."""

    def __init__(
        self,
        bus: Bus,
        *,
        ttl_s: float,
        holder_id: str | None = None,
        name: str = "leader",
        on_change: OnChange | None = None,
    ) -> None:
        self.bus = bus
        self.ttl_s = ttl_s
        self.holder_id = holder_id or uuid.uuid4().hex
        self.key = name
        self.on_change = on_change
        self.gained = asyncio.Event()  # set while held
        self.lost = asyncio.Event()  # set while not held
        self.lost.set()
        self._kv: Bucket | None = None  # re-created by the write that finds it lost
        self._revision: int | None = None
        self._renewed_at = 0.0
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def held(self) -> bool:
        return self._revision is not None and time.monotonic() - self._renewed_at < self.ttl_s

    async def start(self) -> None:
        """Open the bucket, make one attempt to acquire (so `held` is meaningful on return), loop."""
        kv = self.bus.bucket(subjects.scheduler_lease_bucket(self.ttl_s))
        self.ttl_s = await self._bucket_ttl(kv)
        self._kv = kv
        self._stopping.clear()
        await self._tick()
        self._task = asyncio.create_task(self._run(), name=f"lease-{self.key}-{self.holder_id}")

    async def stop(self) -> None:
        """Let an in-flight write finish, then release the key if still ours. Each step waits a third
        of the TTL at most: a stop must end well within a supervisor's kill timeout, and a key left
        behind only delays the successor until it expires."""
        self._stopping.set()
        if self._task is not None:
            _, pending = await asyncio.wait([self._task], timeout=self.ttl_s / 3)
            for task in pending:
                task.cancel()
            self._task = None
        if self._revision is not None and self._kv is not None:
            # `last=` keeps a holder that lost without noticing from deleting its successor's key.
            with contextlib.suppress(Exception):
                await self._bounded(self._kv.delete(self.key, last=self._revision), self.ttl_s / 3)
        self._set(None)

    async def _bucket_ttl(self, kv: Bucket) -> float:
        """The bucket's own max age is what the server enforces, so it is the TTL every holder uses
        (a bucket created earlier with another setting keeps it)."""
        ttl = (await kv.status()).ttl
        if not ttl:
            bucket = subjects.SCHEDULER_LEASE_BUCKET
            raise RuntimeError(f"KV bucket {bucket} has no TTL: a dead leader would hold it forever")
        if abs(ttl - self.ttl_s) > 1e-3:
            log.warning(
                "lease bucket TTL is %.3fs, not the configured %.3fs; using the bucket's", ttl, self.ttl_s
            )
        return ttl

    async def _run(self) -> None:
        pause = self.ttl_s / 3
        while not await self._stopped_within(pause):
            pause = self.ttl_s / 3 if await self._tick() else min(RETRY_S, self.ttl_s / 3)

    async def _stopped_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def _tick(self) -> bool:
        """One acquire or renew attempt; whether it got an answer (False: try again soon)."""
        assert self._kv is not None
        if self._revision is not None and not self.held:
            log.warning("scheduler %s could not renew the lease for a whole TTL", self.holder_id)
            self._set(None)
        attempted_at = time.monotonic()
        value = self.holder_id.encode()
        try:
            if self._revision is None:
                revision = await self._bounded(self._kv.create(self.key, value), self.ttl_s / 3)
            else:
                # Waiting past the moment the lease lapses anyway would only delay noticing it.
                remaining = self._renewed_at + self.ttl_s - attempted_at
                revision = await self._bounded(
                    self._kv.update(self.key, value, last=self._revision), remaining
                )
        except KeyWrongLastSequenceError:
            if self._revision is not None:  # while not holding, this just means someone else does
                log.warning("scheduler %s lost the lease to another holder", self.holder_id)
                self._set(None)
                return True
            return await self._take_back(attempted_at)
        except Exception as exc:  # noqa: BLE001 - a flaky link raises many kinds; the loop goes on
            log.debug("lease write failed for %s: %r", self.holder_id, exc)
            if self._revision is not None and not self.held:
                log.warning("scheduler %s could not renew the lease within its TTL: %r", self.holder_id, exc)
                self._set(None)
            return False
        self._acquired(revision, attempted_at)
        return True

    async def _take_back(self, attempted_at: float) -> bool:
        """The key exists; if it still holds our id, no one else took it since our own write (only a
        create by another holder could replace it), so renew that revision rather than wait for it to
        expire."""
        assert self._kv is not None
        try:
            entry = await self._bounded(self._kv.get(self.key), self.ttl_s / 3)
            if entry.value != self.holder_id.encode() or entry.revision is None:
                return True
            revision = await self._bounded(
                self._kv.update(self.key, entry.value, last=entry.revision), self.ttl_s / 3
            )
        except (KeyNotFoundError, KeyWrongLastSequenceError):
            return True  # expired or taken meanwhile: the next tick tells
        except Exception as exc:  # noqa: BLE001 - as in _tick
            log.debug("lease take-back failed for %s: %r", self.holder_id, exc)
            return False
        self._acquired(revision, attempted_at)
        return True

    def _acquired(self, revision: int, attempted_at: float) -> None:
        if self._revision is None:
            log.info("scheduler %s is the leader", self.holder_id)
        self._renewed_at = attempted_at
        self._set(revision)

    @staticmethod
    async def _bounded(write: Awaitable[T], seconds: float) -> T:
        return await asyncio.wait_for(write, max(seconds, 0.05))

    def _set(self, revision: int | None) -> None:
        was_held = self._revision is not None
        self._revision = revision
        now_held = revision is not None
        if was_held == now_held:
            return
        metrics.LEADER.set(1 if now_held else 0)
        (self.gained if now_held else self.lost).set()
        (self.lost if now_held else self.gained).clear()
        if self.on_change is not None:
            self.on_change(now_held)
