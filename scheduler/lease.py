"""The leader lease: one key in a NATS KV bucket whose entries expire after the TTL.

Acquired with a create-once write, renewed by revision (so only the holder can renew), deleted on a
clean stop so a successor takes over at once. A holder that cannot renew considers the lease lost
when its last successful renewal is a TTL old — before the key can expire for anyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid

from nats.errors import Error as NatsError
from nats.js.errors import Error as JetStreamError
from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from nodes.runtime.bus import Bus
from protocols import subjects

from . import metrics

log = logging.getLogger(__name__)

LeaseFailure = (NatsError, JetStreamError, asyncio.TimeoutError, OSError)


class LeaderLease:
    def __init__(self, bus: Bus, *, ttl_s: float, holder_id: str | None = None, name: str = "leader") -> None:
        self.bus = bus
        self.ttl_s = ttl_s
        self.holder_id = holder_id or uuid.uuid4().hex
        self.key = name
        self.changed = asyncio.Event()  # set on every gain or loss
        self._kv: KeyValue | None = None
        self._revision: int | None = None
        self._renewed_at = 0.0
        self._task: asyncio.Task[None] | None = None

    @property
    def held(self) -> bool:
        return self._revision is not None and time.monotonic() - self._renewed_at < self.ttl_s

    async def start(self) -> None:
        self._kv = await self.bus.kv(subjects.SCHEDULER_LEASE_BUCKET, ttl=self.ttl_s)
        await self._tick()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._revision is not None and self._kv is not None:
            with contextlib.suppress(*LeaseFailure):
                await self._kv.delete(self.key, last=self._revision)
        self._set(None)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.ttl_s / 3)
            await self._tick()

    async def _tick(self) -> None:
        assert self._kv is not None
        attempted_at = time.monotonic()  # counted from before the write: errs on the side of "lost"
        try:
            if self._revision is None:
                revision = await self._kv.create(self.key, self.holder_id.encode())
                log.info("scheduler %s is the leader", self.holder_id)
            else:
                revision = await self._kv.update(self.key, self.holder_id.encode(), last=self._revision)
        except KeyWrongLastSequenceError:
            if self._revision is not None:
                log.warning("scheduler %s lost the lease to another holder", self.holder_id)
            self._set(None)
            return
        except LeaseFailure as exc:
            if self._revision is not None and not self.held:
                log.warning("scheduler %s could not renew the lease: %s", self.holder_id, exc)
                self._set(None)
            return
        self._renewed_at = attempted_at
        self._set(revision)

    def _set(self, revision: int | None) -> None:
        was_held = self._revision is not None
        self._revision = revision
        if was_held != (revision is not None):
            metrics.LEADER.set(1 if revision is not None else 0)
            self.changed.set()
            self.changed = asyncio.Event()
