"""The edge's registry of live connections by user, and its NATS interest in them.

An edge listens on `rt.user.<id>` only while it holds a connection of that user: it subscribes on
the user's first local connection and unsubscribes when the last one leaves, so a delivery travels
only to the edges where its user is. Each delivery is decoded once and offered to every local
connection of the user (every device); offering never waits (see `connection.py`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

import nats.errors
import orjson
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from prometheus_client import Counter, Gauge

from nodes.runtime.bus import Bus, MsgHandler
from protocols import subjects

from .connection import Connection

log = logging.getLogger(__name__)

CONNECTIONS = Gauge("souk_realtime_connections", "Live connections registered in this process's hubs")
SUBSCRIBED_USERS = Gauge(
    "souk_realtime_subscribed_users", "Users whose rt.user subject this process listens on"
)
UNREADABLE = Counter(
    "souk_realtime_unreadable_total", "Deliveries on rt.user subjects that could not be decoded"
)


@dataclass(eq=False)
class _User:
    connections: set[Connection] = field(default_factory=set)
    subscription: Subscription | None = None
    # Serializes subscribe/unsubscribe of one user: a connect racing the last disconnect.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Arrivals(Protocol):
    """Told when a user's first connection on this edge arrives and when the last one leaves."""

    async def arrived(self, user_id: int) -> None: ...

    async def left(self, user_id: int) -> None: ...


class DeliveryHub:
    def __init__(self, bus: Bus, arrivals: Arrivals | None = None) -> None:
        self._bus = bus
        self._arrivals = arrivals
        self._users: dict[int, _User] = {}
        self._closed = False

    async def register(self, user_id: int, connection: Connection) -> None:
        """Add a connection; returns once this edge receives the user's deliveries.

        Raises nats.errors.Error when NATS refuses the subscription.
        """
        if self._closed:
            raise RuntimeError("the hub is closed")
        user = self._users.setdefault(user_id, _User())
        if connection in user.connections:
            return
        user.connections.add(connection)  # before any wait: a concurrent last-leave keeps the entry
        CONNECTIONS.inc()
        try:
            async with user.lock:
                if user.subscription is None:
                    user.subscription = await self._bus.subscribe(
                        subjects.rt_user(user_id), self._dispatcher(user)
                    )
                    SUBSCRIBED_USERS.inc()
                    await self._flush()
                    if self._arrivals is not None:
                        await self._arrivals.arrived(user_id)
        except BaseException:
            await self.unregister(user_id, connection)
            raise

    async def unregister(self, user_id: int, connection: Connection) -> None:
        user = self._users.get(user_id)
        if user is None or connection not in user.connections:
            return
        user.connections.discard(connection)
        CONNECTIONS.dec()
        async with user.lock:
            if user.connections:
                return
            if user.subscription is not None:
                subscription, user.subscription = user.subscription, None
                SUBSCRIBED_USERS.dec()
                await _unsubscribe(subscription)
                if self._arrivals is not None:
                    await self._arrivals.left(user_id)
            if not user.connections and self._users.get(user_id) is user:
                del self._users[user_id]

    def subscribed(self, user_id: int) -> bool:
        user = self._users.get(user_id)
        return user is not None and user.subscription is not None

    @property
    def connection_count(self) -> int:
        return sum(len(user.connections) for user in self._users.values())

    async def share(self, user_id: int, delivery: dict[str, Any], *, besides: Connection) -> None:
        """A delivery made here for one of this edge's own users (the sender's copy of their message):
        offered to the user's other connections on this edge, and published for those on other edges.
        The edge's bus does not hear its own publishes (`echo=False`), so this edge is not sent it
        again; the worker sends the sender no copy (`SendMessage.sender_copy`).
        """
        for connection in self.connections_of(user_id):
            if connection is not besides:
                connection.offer(delivery["type"], delivery)
        await self._bus.publish_raw(subjects.rt_user(user_id), orjson.dumps(delivery))

    def connections_of(self, user_id: int) -> tuple[Connection, ...]:
        user = self._users.get(user_id)
        return tuple(user.connections) if user is not None else ()

    async def close(self) -> None:
        """Drop all interest; the transports close their own connections."""
        self._closed = True
        users, self._users = self._users, {}
        for user in users.values():
            CONNECTIONS.dec(len(user.connections))
            if user.subscription is not None:
                SUBSCRIBED_USERS.dec()
                await _unsubscribe(user.subscription)

    def _dispatcher(self, user: _User) -> MsgHandler:
        async def dispatch(msg: Msg) -> None:
            delivery = _decode(msg.data)
            if delivery is None:
                return
            for connection in tuple(user.connections):
                connection.offer(*delivery)

        return dispatch

    async def _flush(self) -> None:
        # Once the server has the SUB, nothing published for this user misses this edge (and a
        # catch-up that follows sees the rest).
        try:
            await self._bus.synced()
        except nats.errors.Error as exc:  # reconnecting: nats-py re-subscribes by itself
            log.warning("flush after subscribing failed: %s", exc)


def _decode(raw: bytes) -> tuple[str, dict[str, Any]] | None:
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        payload = None
    delivery_type = payload.get("type") if isinstance(payload, dict) else None
    if not isinstance(payload, dict) or not isinstance(delivery_type, str):
        UNREADABLE.inc()
        log.warning("ignoring an unreadable delivery (%d bytes)", len(raw))
        return None
    return delivery_type, payload


async def _unsubscribe(subscription: Subscription) -> None:
    try:
        await subscription.unsubscribe()
    except nats.errors.Error as exc:  # the connection is closing; the server forgets it anyway
        log.debug("unsubscribe failed: %s", exc)
