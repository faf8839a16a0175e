"""A real Socket.IO client that records what it is sent, and deliveries to publish at it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import socketio
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from nodes.runtime.bus import Bus
from protocols import subjects
from protocols.chat import Author, ChatMessage, ConversationKind, MessageDelivery, MessageKind
from tests.support.edge_server import Edge

WAIT_S = 5.0


class LiveClient:
    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self.connect_error: Any = None
        self.disconnected = asyncio.Event()
        self._arrived = asyncio.Event()
        self.sio.on("*", self._record)
        self.sio.on("connect_error", self._refused)
        self.sio.on("disconnect", self._gone)

    @classmethod
    async def connect(cls, edge: Edge, token: str | None, **auth: Any) -> LiveClient:
        client = cls()
        await client.sio.connect(
            str(edge.make_url("/")),
            auth={"token": token, **auth} if token is not None else None,
            transports=["websocket"],
            wait_timeout=5,
        )
        return client

    def _record(self, event: str, data: Any = None, *_rest: Any) -> None:
        self.events.append((event, data))
        self._arrived.set()

    def _refused(self, data: Any = None) -> None:
        self.connect_error = data

    def _gone(self, *_reason: Any) -> None:
        self.disconnected.set()

    def received(self, event: str) -> list[Any]:
        return [data for name, data in self.events if name == event]

    async def wait_for(self, event: str, count: int = 1, *, within_s: float = WAIT_S) -> list[Any]:
        """The first `count` payloads of `event`, waiting for them to arrive."""
        deadline = time.monotonic() + within_s
        while len(self.received(event)) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"got {len(self.received(event))} {event!r} of {count}: {self.events}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                pass
        return self.received(event)[:count]

    async def call(self, event: str, data: Any = None) -> Any:
        """Emit and return the ack (no data at all when `data` is None)."""
        return await self.sio.call(event, data, timeout=WAIT_S)

    async def close(self) -> None:
        await self.sio.disconnect()


async def eventually(predicate: Callable[[], bool], *, within_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + within_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


async def listened(bus: Bus, user_id: int) -> bool:
    """Whether anyone on NATS listens on the user's subject (a request nobody receives says so)."""
    try:
        await bus.nc.request(subjects.rt_user(user_id), b"", timeout=0.2)
    except NoRespondersError:
        return False
    except NatsTimeout:
        return True
    raise AssertionError("nobody should answer a delivery")


async def settled(bus: Bus) -> None:
    """What `bus` sent (a SUB, an UNSUB) has reached the server."""
    await bus.synced()


def chat_message(conversation_id: int, seq: int, *, sender_id: int = 1, body: str = "hello") -> ChatMessage:
    return ChatMessage(
        id=conversation_id * 1000 + seq,
        conversation_id=conversation_id,
        seq=seq,
        sender_id=sender_id,
        author=Author.USER,
        kind=MessageKind.TEXT,
        body=body,
        created_at=datetime.now(UTC),
    )


def message_delivery(conversation_id: int, seq: int, **kw: Any) -> MessageDelivery:
    return MessageDelivery(
        message=chat_message(conversation_id, seq, **kw),
        conversation_kind=ConversationKind.AD_DIALOG,
        topic_id="ad-1",
    )
