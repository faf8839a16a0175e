"""Ended sessions, announced to every edge through the `revoked_sessions` KV bucket.

The database is the truth and the outbox: a session ended (`revoked_at`) and not yet acknowledged
by JetStream (`announced_at` unset) is pending. The handler that ends a session announces it at once
but waits only `ANNOUNCE_WAIT_S`: a bucket whose node is down must not turn a logout that is already
committed into an error. Whatever it could not announce, `RevocationOutbox` announces in the
background, again and again with a backoff, until NATS acknowledges it.

Everything ended within the bucket's TTL is announced again when identity starts and after every
reconnection: a nats-server that came back without its store has forgotten them. Putting a key an
edge already has changes nothing for it, so several identity replicas announcing at once is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.settings import AuthSettings
from protocols import subjects

from . import queries

log = logging.getLogger(__name__)

# How long a handler waits for the edges to be told before answering; the outbox does the rest.
ANNOUNCE_WAIT_S = 1.0
# Between drains while some are pending and NATS refuses them: soon at first, then every few
# seconds, so a logout reaches the edges within seconds of its bucket answering again.
RETRY_S = (0.25, 0.5, 1.0, 2.0, 3.0)
# A drain's puts give up after this: an unreachable bucket's create request waits out 5 s otherwise.
ATTEMPT_S = 2.0
# A drain even when nothing here failed: what another replica left pending when it died.
SWEEP_S = 30.0
BATCH = 200  # puts in flight at once


class RevocationOutbox:
    """Announces ended sessions until acknowledged; one per identity worker process."""

    def __init__(self, bus: Bus, db: async_sessionmaker[AsyncSession], auth: AuthSettings) -> None:
        self._bus = bus
        self._db = db
        self._auth = auth
        self._wake = asyncio.Event()
        self._everything = True  # the first drain announces all recent ones (see the module's doc)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="revocation-outbox")
        self._bus.on_reconnect(self._reconnected)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def announce(self, session_ids: Sequence[str]) -> None:
        """Tell every edge to refuse these sessions' access tokens. Never raises for NATS: a put
        that fails or takes too long is left to the background drain."""
        if not session_ids:
            return
        try:
            async with asyncio.timeout(ANNOUNCE_WAIT_S):
                await self._put(session_ids)
        except Exception as exc:  # noqa: BLE001 - the revocation is committed; the drain will retry it
            log.warning("ended sessions not announced yet (%r); the outbox will retry", exc)
            self._wake.set()
            return
        await self._mark(session_ids)

    async def drain(self, *, everything: bool = False) -> int:
        """Announce what is pending (with `everything`, all ended within the TTL); how many."""
        async with self._db() as db:
            ids = await self._ended(db, everything)
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            async with asyncio.timeout(ATTEMPT_S):
                await self._put(chunk)
            await self._mark(chunk)
        return len(ids)

    async def pending(self) -> list[str]:
        """Ended within the TTL and not acknowledged yet."""
        async with self._db() as db:
            return await self._ended(db, everything=False)

    async def _ended(self, db: AsyncSession, everything: bool) -> list[str]:
        # Older ones need no announcing: their access tokens have expired.
        since = datetime.now(UTC) - timedelta(seconds=self._auth.revocation_ttl_s)
        return await queries.sessions_ended_since(db, since, unannounced_only=not everything)

    async def _put(self, session_ids: Sequence[str]) -> None:
        bucket = self._bus.bucket(subjects.revoked_sessions_bucket(self._auth.revocation_ttl_s))
        await asyncio.gather(*(bucket.put(session_id, b"1") for session_id in session_ids))

    async def _mark(self, session_ids: Sequence[str]) -> None:
        async with self._db() as db:
            await queries.mark_announced(db, session_ids, datetime.now(UTC))
            await db.commit()

    async def _reconnected(self) -> None:
        self._everything = True
        self._wake.set()

    async def _run(self) -> None:
        failures = 0
        while True:
            self._wake.clear()
            everything, self._everything = self._everything, False
            try:
                announced = await self.drain(everything=everything)
            except Exception as exc:  # noqa: BLE001 - whatever one attempt met, the next one tries again
                self._everything |= everything
                if failures == 0:
                    log.warning("could not announce ended sessions (%r); retrying until NATS takes them", exc)
                await asyncio.sleep(RETRY_S[min(failures, len(RETRY_S) - 1)])
                failures += 1
                continue
            if failures:
                log.info("announced %d ended sessions after %d failed attempts", announced, failures)
            failures = 0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), SWEEP_S)
