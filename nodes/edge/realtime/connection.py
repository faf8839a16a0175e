"""What every live transport (Socket.IO, raw WebSocket, SSE) is to the hub: a connection that takes
deliveries without ever making the hub wait, through a bounded buffer drained by one sender task.

A client that stops reading fills its buffer. Then typing and presence are dropped first (they are
stale a moment later anyway); when a delivery that matters (message, read, notification,
conversation) does not fit, the connection is closed: the client reconnects and catches up by
sequence number from the database, which is the truth. One slow client never stalls the others.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections import deque
from typing import Any, Protocol

from prometheus_client import Counter

log = logging.getLogger(__name__)

BUFFER_SIZE = 256
DROPPABLE = frozenset({"typing", "presence"})

Delivery = tuple[str, dict[str, Any]]  # (type, the decoded delivery); shared by all recipients

DROPPED = Counter(
    "souk_realtime_dropped_total", "Deliveries dropped because a connection's buffer was full", ["type"]
)
OVERFLOWED = Counter(
    "souk_realtime_overflow_disconnects_total",
    "Connections closed because a delivery did not fit their buffer",
)


class Connection(Protocol):
    """What the hub hands deliveries to."""

    def offer(self, delivery_type: str, payload: dict[str, Any]) -> bool:
        """Take a delivery without waiting; False when it was not queued. `payload` is shared: read only."""
        ...


class BufferedConnection(ABC):
    """A connection with a bounded buffer and one sender task; transports implement the three hooks."""

    def __init__(self, *, buffer_size: int = BUFFER_SIZE) -> None:
        if buffer_size < 1:
            raise ValueError("buffer_size must be at least 1")
        self.buffer_size = buffer_size
        self.closing = False
        self._buffer: deque[Delivery] = deque()
        self._ready = asyncio.Event()
        self._sender: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None

    # --- hooks ---------------------------------------------------------------------------------------

    async def opened(self) -> None:
        """Runs in the sender task before the first delivery (a replay of what the client missed)."""

    @abstractmethod
    async def send(self, batch: list[Delivery]) -> None:
        """Write deliveries to the client, returning only once the transport has taken them: that
        wait is what lets this buffer notice a client that does not read."""

    @abstractmethod
    async def close(self) -> None:
        """Close the transport so the client reconnects; its disconnect path leaves the hub."""

    # --- the buffer ----------------------------------------------------------------------------------

    def start(self) -> None:
        self._sender = asyncio.create_task(self._run(), name=f"sender {self!r}")

    async def stop(self) -> None:
        """Stop sending (the transport is gone)."""
        self.closing = True
        self._buffer.clear()
        if self._sender is not None and self._sender is not asyncio.current_task():
            self._sender.cancel()
            await asyncio.gather(self._sender, return_exceptions=True)

    def offer(self, delivery_type: str, payload: dict[str, Any]) -> bool:
        if self.closing:
            return False
        if len(self._buffer) >= self.buffer_size and not self._make_room(delivery_type):
            return False
        self._buffer.append((delivery_type, payload))
        self._ready.set()
        return True

    def _make_room(self, delivery_type: str) -> bool:
        if delivery_type in DROPPABLE:
            DROPPED.labels(delivery_type).inc()
            return False
        for i, (queued, _) in enumerate(self._buffer):
            if queued in DROPPABLE:
                del self._buffer[i]
                DROPPED.labels(queued).inc()
                return True
        OVERFLOWED.inc()
        self.close_soon()
        return False

    def close_soon(self) -> None:
        """Close in a task of its own: `offer` runs in the hub's dispatch and must not wait, and an
        event handler still has its ack to send."""
        if self._closer is not None:
            return
        self.closing = True
        self._buffer.clear()
        self._ready.set()
        self._closer = asyncio.create_task(self._close_quietly(), name=f"close {self!r}")

    async def _close_quietly(self) -> None:
        try:
            await self.close()
        except Exception:
            log.exception("closing %r failed", self)

    async def _run(self) -> None:
        try:
            await self.opened()
            while not self.closing:
                if not self._buffer:
                    self._ready.clear()
                    await self._ready.wait()
                    continue
                batch = list(self._buffer)
                self._buffer.clear()
                await self.send(batch)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("sender of %r failed; closing it", self)
            self.close_soon()
