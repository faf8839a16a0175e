"""Chat traffic as real clients make it: each sender sends numbered messages into its dialog over
Socket.IO, one at a time, and retries a send that was not acknowledged, with the same
`client_msg_id`, until it is, moving to the next edge whenever its connection drops or an edge
refuses it. Every send a sender started is acknowledged before it stops, or the test fails."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import socketio

from tests.chaos.clients import Account, Live
from tests.support.eventually import until

SEND_TIMEOUT_S = 8.0  # past the edges' request timeout: the edge answers first unless it died
DELIVER_WITHIN_S = 45.0  # longer than any outage the tests cause
PAUSE_S = 0.01  # between one sender's messages: traffic, not a benchmark, on two shared cores
RETRY_PAUSE_S = 0.2
# Refusals no retry can change: the test (or the product) is wrong, so stop at once.
FINAL = frozenset({"validation", "not_found", "forbidden", "conflict"})


@dataclass
class Sender:
    account: Account
    dialog_id: int
    edges: Sequence[str]
    edge: int  # index of the edge it uses, or tries next
    acked: dict[str, dict[str, Any]] = field(default_factory=dict)  # client_msg_id -> stored message
    duplicates: int = 0  # acks of a retry that found its message already stored
    failures: Counter[str] = field(default_factory=Counter)  # why attempts were not acknowledged
    served_by: list[int] = field(default_factory=list)  # the edge of each connection, in order
    # (first attempt, seconds until acknowledged) of each acknowledged send, by time.monotonic()
    waits: list[tuple[float, float]] = field(default_factory=list)
    live: Live | None = None

    def body(self, client_msg_id: str) -> str:
        return f"chaos {client_msg_id}"

    async def run(self, stop: asyncio.Event) -> None:
        try:
            number = 0
            while not stop.is_set():
                await self._deliver(f"{self.account.id}-{number}")
                number += 1
                await asyncio.sleep(PAUSE_S)
        finally:
            await self._hang_up()

    async def _deliver(self, client_msg_id: str) -> None:
        send = {
            "conversation_id": self.dialog_id,
            "body": self.body(client_msg_id),
            "client_msg_id": client_msg_id,
        }
        started = time.monotonic()
        deadline = started + DELIVER_WITHIN_S
        while time.monotonic() < deadline:
            live = await self._connection()
            if live is None:
                await asyncio.sleep(RETRY_PAUSE_S)
                continue
            ack = await live.call("send", send, timeout_s=SEND_TIMEOUT_S)
            if ack is not None and ack.get("ok"):
                self.acked[client_msg_id] = ack["message"]
                self.duplicates += bool(ack["duplicate"])
                self.waits.append((started, time.monotonic() - started))
                return
            reason = "no ack" if ack is None else str(ack["error"]["code"])
            self.failures[reason] += 1
            if reason in FINAL:
                raise AssertionError(f"send {client_msg_id} refused: {ack}")
            if reason == "unauthorized":  # e.g. an edge that does not know the signing key yet
                await self._hang_up(move=True)
            await asyncio.sleep(RETRY_PAUSE_S)
        raise AssertionError(
            f"send {client_msg_id} not acknowledged within {DELIVER_WITHIN_S} s (failures: {dict(self.failures)})"
        )

    async def _connection(self) -> Live | None:
        if self.live is not None and self.live.up:
            return self.live
        if self.live is not None:
            await self._hang_up(move=True)
        try:
            self.live = await Live.connect(self.account, self.edges[self.edge])
        except socketio.exceptions.ConnectionError:
            self.failures["connect"] += 1
            self.edge = (self.edge + 1) % len(self.edges)
            return None
        self.served_by.append(self.edge)
        return self.live

    async def _hang_up(self, *, move: bool = False) -> None:
        live, self.live = self.live, None
        if live is not None:
            await live.close()
        if move:
            self.edge = (self.edge + 1) % len(self.edges)


class Traffic:
    """Senders running together until stopped; leaving the block early cancels them."""

    def __init__(self, senders: Sequence[Sender]) -> None:
        self.senders = list(senders)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Self:
        self._tasks = [
            asyncio.create_task(s.run(self._stop), name=f"sender-{s.account.id}") for s in self.senders
        ]
        return self

    async def __aexit__(
        self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def acked(self) -> int:
        return sum(len(s.acked) for s in self.senders)

    async def progress(self, count: int, *, within_s: float, what: str) -> float:
        """Wait for `count` more acknowledged sends, and at least one more from every sender (so
        none is left stuck); a sender that failed fails this at once."""
        target = self.acked + count
        before = [len(s.acked) for s in self.senders]

        async def sent() -> bool:
            for task in self._tasks:
                if task.done():
                    task.result()  # raises what ended the sender
                    raise AssertionError(f"{task.get_name()} stopped before it was told to")
            each = all(len(s.acked) > n for s, n in zip(self.senders, before, strict=True))
            return each and self.acked >= target

        return await until(sent, within_s=within_s, what=f"{count} acknowledged sends {what}")

    async def stop(self) -> None:
        """Let every sender finish the send it is on (acknowledged, however many retries it takes)."""
        self._stop.set()
        await asyncio.gather(*self._tasks)

    def summary(self) -> str:
        failures: Counter[str] = Counter()
        for sender in self.senders:
            failures.update(sender.failures)
        duplicates = sum(s.duplicates for s in self.senders)
        return f"{self.acked} sends acknowledged, {duplicates} as duplicates of a retry; failed attempts: {dict(failures)}"
