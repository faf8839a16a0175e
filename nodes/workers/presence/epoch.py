"""How long the `presence` bucket has held every live edge's keys.

A nats-server restart loses the in-memory bucket, and with it every key; the edges put theirs back
when they reconnect and at their next renewal, within one TTL. Until a TTL has passed, a missing key
proves nothing, so the sweep must not take anyone offline for it.

The bucket's stream cannot say when it lost its contents: a cluster restarted as a whole keeps the
stream (and its creation time) in its metadata while the memory holding the keys comes back empty.
So the worker keeps a key of its own in the bucket, holding the time it was first written, and
renews it like an edge renews its keys: when it is missing, the contents were lost (or no worker
renewed it for a TTL) and the epoch starts again.

A renewal that fails for a moment (a replicated stream electing a leader) starts nothing: the TTL
must outlast an election anyway (docs/cluster.md), or the edges' own keys would expire meanwhile.
(Restarting the epoch on every failed renewal held users back for good on a busy machine, where
renewals kept timing out: a killed edge's users never went offline.)
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

import nats.errors
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

from nodes.runtime.buckets import Bucket
from nodes.runtime.settings import PresenceSettings
from protocols.presence import EPOCH_KEY

log = logging.getLogger(__name__)


class BucketEpoch:
    def __init__(self, bucket: Bucket, settings: PresenceSettings) -> None:
        self._bucket = bucket
        self._settings = settings
        self._keeper: asyncio.Task[None] | None = None
        self._closing = False

    async def unsettled_since(self) -> datetime | None:
        """When the bucket's contents were last lost, while live edges may still be putting their
        keys back (less than a TTL ago); None once every live key must be there."""
        started, _revision = await self._entry()
        if time.time() - started >= self._settings.ttl_s:
            return None
        return datetime.fromtimestamp(started, UTC)

    def start(self) -> None:
        self._keeper = asyncio.create_task(self._keep(), name="presence-epoch")

    async def close(self) -> None:
        self._closing = True
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.gather(self._keeper, return_exceptions=True)

    async def _keep(self) -> None:
        # Ends on the flag as well as by cancellation, as the edges' renewer does: a cancellation
        # inside a KV write may come out of nats-py as an error of its own.
        while not self._closing:
            try:
                await self._renew()
            except (nats.errors.Error, TimeoutError) as exc:
                log.warning("presence epoch renewal failed: %r", exc)
            await asyncio.sleep(self._settings.renew_every_s)

    async def _renew(self) -> None:
        started, revision = await self._entry()
        try:
            await self._bucket.update(EPOCH_KEY, _encode(started), last=revision)
        except KeyWrongLastSequenceError:
            pass  # another worker renewed it meanwhile (or it was lost: the next reader starts it again)

    async def _entry(self) -> tuple[float, int | None]:
        """The epoch's start and the key's revision, starting a new epoch if the key is gone."""
        try:
            entry = await self._bucket.get(EPOCH_KEY)
        except KeyNotFoundError:
            pass
        else:
            return float(entry.value or b"0"), entry.revision
        now = time.time()
        try:
            return now, await self._bucket.create(EPOCH_KEY, _encode(now))
        except KeyWrongLastSequenceError:
            entry = await self._bucket.get(EPOCH_KEY)  # another worker started it first
            return float(entry.value or b"0"), entry.revision


def _encode(started: float) -> bytes:
    return repr(started).encode()
