"""Taking batches from the `TELEMETRY` stream: a pull consumer shared by every telemetry worker.

Each fetch (up to `[telemetry] fetch_batch` batches) is stored in one transaction and only then
acknowledged, so a worker that dies between the two leaves its batches to be delivered again (after
`ack_wait_s`), and the samples' unique key makes that store nothing twice. A batch that fails alone
is isolated from the rest of its fetch (`store_isolating_failures`): one whose vehicle was deleted
meanwhile is dropped; any other failure (the database away) leaves it to be delivered again.

The consumer and the stream are made by whoever finds them missing: on start, and after each
reconnection (a nats-server that lost its store has neither).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import APIError
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from nodes.runtime.batching import store_isolating_failures
from protocols import subjects
from protocols.telemetry import TelemetryBatch
from storage.models.telemetry import Fault

from . import notices, samples

if TYPE_CHECKING:
    from .deps import TelemetryDeps

log = logging.getLogger(__name__)

FETCH_WAIT_S = 0.25  # a fetch returns this soon when nothing waits, so a stop is never held longer
# (an idle worker asks four times a second: nothing to NATS; every test cluster stops a second sooner)
GATHER_S = 0.05  # then how long it gathers more before they are stored together
RETRY_S = 1.0  # after NATS failed the fetch (a reconnection, the consumer lost)
REDELIVER_AFTER_S = 2.0  # a batch whose store failed (not its own fault) is tried again this soon

Taken = tuple[Msg, TelemetryBatch]


def stream_of(deps: TelemetryDeps) -> subjects.StreamDeclaration:
    telemetry = deps.settings.telemetry
    return subjects.telemetry_stream(
        telemetry.stream_max_msgs, telemetry.stream_max_bytes, telemetry.duplicate_window_s
    )


class Intake:
    def __init__(self, deps: TelemetryDeps) -> None:
        self.deps = deps
        self._stream = deps.bus.stream(stream_of(deps))
        self._subscription: JetStreamContext.PullSubscription | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._notices: set[asyncio.Task[int]] = set()

    def consumer_config(self) -> ConsumerConfig:
        telemetry = self.deps.settings.telemetry
        return ConsumerConfig(
            durable_name=subjects.TELEMETRY_CONSUMER,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=telemetry.ack_wait_s,
            max_deliver=-1,  # a batch is never given up on: only its own fault drops it
            max_ack_pending=telemetry.fetch_batch * 64,
        )

    async def start(self) -> None:
        await self._ensure()
        self._subscription = await self.deps.bus.jetstream.pull_subscribe(
            f"{subjects.TELEMETRY_BATCH_PREFIX}.*", durable=subjects.TELEMETRY_CONSUMER,
            stream=subjects.TELEMETRY_STREAM, config=self.consumer_config(),
        )  # fmt: skip
        self.deps.bus.on_reconnect(self._repair)
        self._task = asyncio.create_task(self._run(), name="telemetry-intake")

    async def stop(self) -> None:
        """Take no more batches; the fetch under way is stored and acknowledged first."""
        self._stopping = True
        if self._task is not None:
            await self._task
        if self._notices:
            await asyncio.gather(*self._notices, return_exceptions=True)
        if self._subscription is not None:
            try:
                await self._subscription.unsubscribe()
            except nats.errors.Error:
                pass  # the connection went first: the subscription went with it

    async def _ensure(self) -> None:
        await self._stream.ensure()
        try:
            await self.deps.bus.jetstream.add_consumer(subjects.TELEMETRY_STREAM, self.consumer_config())
        except APIError as err:
            log.info("telemetry consumer kept as it is: %s", err.description)

    async def _repair(self) -> None:
        if not self._stopping:
            await self._ensure()

    async def _run(self) -> None:
        # The next fetch is under way while one is stored: the database's round trips and NATS's overlap.
        fetching = asyncio.create_task(self._fetch())
        while True:
            msgs = await fetching
            if self._stopping:
                await self._take(msgs)  # taken already: stored and acknowledged before the worker goes
                return
            fetching = asyncio.create_task(self._fetch())
            await self._take(msgs)

    async def _fetch(self) -> list[Msg]:
        """Up to `fetch_batch` batches: what waits, and what comes within `GATHER_S` of the first."""
        assert self._subscription is not None
        most = self.deps.settings.telemetry.fetch_batch
        msgs: list[Msg] = []
        try:
            msgs = await self._subscription.fetch(most, timeout=FETCH_WAIT_S)
            # A fetch answers with what waits, one batch or two while they trickle in; a transaction
            # for so few costs the database as much as one for many. One more fetch after a pause
            # takes what came meanwhile (fetching again at once would ask NATS for each as it comes).
            if len(msgs) < most:
                await asyncio.sleep(GATHER_S)
                msgs += await self._subscription.fetch(most - len(msgs), timeout=GATHER_S)
        except TimeoutError:  # nats-py's own, or asyncio's from inside a fetch: the same silence
            pass  # nothing (more) waiting
        except (nats.errors.Error, OSError) as exc:
            log.warning("could not fetch telemetry batches: %r", exc)
            if not msgs:
                await asyncio.sleep(RETRY_S)
        return msgs

    async def _take(self, msgs: list[Msg]) -> None:
        if not msgs:
            return
        taken: list[Taken] = []
        for msg in msgs:
            try:
                taken.append((msg, TelemetryBatch.model_validate_json(msg.data)))
            except ValidationError:
                log.warning("a malformed telemetry batch was dropped (%d bytes)", len(msg.data))
                await msg.term()
        opened: list[Fault] = []

        async def store(items: list[Taken]) -> list[Taken]:
            async with self.deps.db() as db:
                found = await samples.store(db, [b for _, b in items], self.trip_gap_ms)
                await db.commit()
            opened.extend(found)
            return items

        failures: list[tuple[Msg, Exception]] = []
        stored = await store_isolating_failures(
            taken, store, lambda item, exc: failures.append((item[0], exc))
        )
        for msg, _ in stored:
            await msg.ack()
        for msg, exc in failures:
            await self._failed(msg, exc)
        if opened:
            task = asyncio.create_task(notices.send(self.deps.bus, self.deps.db, opened))
            self._notices.add(task)
            task.add_done_callback(self._notices.discard)

    @property
    def trip_gap_ms(self) -> int:
        return int(self.deps.settings.telemetry.trip_gap_s * 1000)

    async def _failed(self, msg: Msg, exc: Exception) -> None:
        if isinstance(exc, IntegrityError):  # its vehicle is gone (deleted since the upload)
            log.warning("a telemetry batch of a vehicle no longer there was dropped")
            await msg.term()
            return
        log.warning("a telemetry batch could not be stored; it will come again: %r", exc)
        await msg.nak(delay=REDELIVER_AFTER_S)
