"""Storing messages in batches: every send waiting while a transaction runs goes into the next one.

A chat worker's throughput is bounded by transactions, not messages: one transaction stores a
batch (checks, sequence numbers, inserts, the sender's read position; see `batch.py`) and then
every message of it is delivered. Under light load a batch is one message and nothing waits; under
heavy load batches grow and the cost per message falls (group commit). A `client_msg_id` already
stored for that sender and conversation answers with the stored message. A batch the database
refuses as a whole is split until the send it refuses fails alone (`store_isolating_failures`):
one user's bad message never fails the messages of others batched with it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from nodes.runtime.batching import store_isolating_failures
from nodes.runtime.bus import Bus
from nodes.runtime.deliveries import deliver
from protocols import chat as wire

from .batch import Outcome, Send
from .participants import ParticipantCache
from .runners import BatchRunner

log = logging.getLogger(__name__)

MAX_BATCH = 512


@dataclass(eq=False)
class _Pending:
    send: Send
    result: asyncio.Future[wire.MessageStored] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


def _failed(pending: _Pending, exc: Exception) -> None:
    """The database refused this one send on its own: a bug, or a value no check caught. The worker
    runtime logs the traceback once, as the handler's failure, and answers its sender `internal`."""
    if not pending.result.done():
        pending.result.set_exception(exc)


class MessageWriter:
    def __init__(self, runner: BatchRunner, bus: Bus | None, participants: ParticipantCache) -> None:
        self._runner = runner
        self._bus = bus
        self._participants = participants
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="chat-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._runner.close()

    async def store(self, send: Send) -> wire.MessageStored:
        pending = _Pending(send)
        await self._queue.put(pending)
        return await pending.result

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._deliver(await store_isolating_failures(batch, self._store, _failed))

    async def _store(self, batch: list[_Pending]) -> list[Outcome]:
        """Store the batch and answer every send; returns the outcomes of new messages. A call that
        raised stored nothing, unless one by one at the end: what that stored is answered already
        and skipped when the send is tried again (only its live delivery is lost; it is caught up)."""
        batch = [p for p in batch if not p.result.done()]  # answered by an earlier, partial attempt
        if not batch:
            return []
        try:
            return self._settle(batch, await self._runner.run([p.send for p in batch], False))
        except IntegrityError:
            pass  # a client id already stored: a retried send; again, answering retries from the database
        try:
            return self._settle(batch, await self._runner.run([p.send for p in batch], True))
        except IntegrityError:
            pass  # a replica stored one of these client ids meanwhile: one by one
        new: list[Outcome] = []
        for pending in batch:
            if not pending.result.done():
                new += self._settle([pending], await self._runner.run([pending.send], True))
        return new

    @staticmethod
    def _settle(batch: list[_Pending], outcomes: list[Outcome]) -> list[Outcome]:
        for pending, outcome in zip(batch, outcomes, strict=True):
            if outcome.refused is not None:
                pending.result.set_exception(outcome.refused)
            elif outcome.stored is not None:
                pending.result.set_result(outcome.stored)
        for pending, outcome in zip(batch, outcomes, strict=True):
            if outcome.same_as is not None:  # the same retry twice in one batch: answered as the first
                first = outcomes[outcome.same_as]
                if first.refused is not None:
                    pending.result.set_exception(first.refused)
                elif first.stored is not None:
                    pending.result.set_result(
                        wire.MessageStored(message=first.stored.message, duplicate=True)
                    )
        return [o for o in outcomes if o.is_new]

    async def _deliver(self, new: list[Outcome]) -> None:
        if self._bus is None:
            return
        for outcome in new:
            assert outcome.stored is not None
            message = outcome.stored.message
            self._participants.remember(message.conversation_id, outcome.people)
            assert outcome.stored.conversation_kind is not None  # a new message's
            delivery = wire.MessageDelivery(
                message=message,
                conversation_kind=outcome.stored.conversation_kind,
                topic_id=outcome.stored.topic_id,
            )
            try:
                await deliver(self._bus, outcome.recipients, delivery)
            except Exception:  # noqa: BLE001 - stored is what counts; a client catches up by seq
                log.warning("could not deliver message %s", message.id)
