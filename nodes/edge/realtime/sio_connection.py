"""One Socket.IO client: as a hub connection, deliveries become events named by their type; and the
lanes its own events run in (`EventLanes`).

It reaches into engine.io in two places, both because the public API cannot do what is needed:
a packet that cannot go straight to the websocket (see `sio_websocket.py`) waits in engine.io's
unbounded queue, so `send` waits for that queue to be taken by the socket's writer (otherwise a
client that stops reading would never fill our bounded buffer); and a slow client is closed at the
engine.io level without waiting for its queue (a Socket.IO-level disconnect tells clients not to
reconnect, and the public engine.io close waits for the queue).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import socketio

from nodes.runtime.bus import Bus
from protocols.chat import CatchUp
from protocols.envelope import Actor, DomainError

from .connection import BUFFER_SIZE, BufferedConnection, Delivery
from .sio_frames import Resync, replayed

log = logging.getLogger(__name__)

NAMESPACE = "/"
CONNECTED_WAIT_S = 5.0
# Events a client may have running or waiting at once: a burst of sends to a few conversations fits,
# and a client cannot make the edge hold unbounded work (or memory) for it.
MAX_IN_FLIGHT = 32

Event = Callable[[], Awaitable[None]]  # an event's handling, its ack included
Lane = int | None  # a conversation id, or None for the events that name none


class EventLanes:
    """A client's events, in order within a lane and concurrently across lanes, so that a request
    that hangs holds only what must come after it. Each lane is a queue drained by a task that
    lives while the lane has events. An event waiting in its lane counts as in flight: past `limit`,
    `run` waits for one to finish, and the connection's reader with it (the client is slowed down;
    no event is dropped)."""

    def __init__(self, limit: int = MAX_IN_FLIGHT) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._lanes: dict[Lane, deque[Event]] = {}  # the head of each is the one running
        self._drains: set[asyncio.Task[None]] = set()
        self._closed = False

    async def run(self, lane: Lane, event: Event) -> None:
        """Start `event` after the earlier events of its lane; returns once it is queued."""
        await self._slots.acquire()
        if self._closed:  # the client left while this waited for a slot: no ack could reach it
            self._slots.release()
            return
        queue = self._lanes.get(lane)
        if queue is not None:
            queue.append(event)
            return
        self._lanes[lane] = queue = deque((event,))
        drain = asyncio.create_task(self._drain(lane, queue))
        self._drains.add(drain)
        drain.add_done_callback(self._drains.discard)

    async def _drain(self, lane: Lane, queue: deque[Event]) -> None:
        try:
            while queue:
                try:
                    await queue[0]()
                except Exception:  # the handlers answer their own failures: this is a bug
                    log.exception("a socket.io event failed")
                finally:
                    queue.popleft()
                    self._slots.release()
        finally:
            del self._lanes[lane]

    def close(self) -> None:
        """The client left: what waits in a lane is dropped (its ack could not reach the client,
        which resends after reconnecting); what runs finishes, so a stored message is still shared."""
        self._closed = True
        for queue in self._lanes.values():
            while len(queue) > 1:
                queue.pop()
                self._slots.release()

    async def settle(self, within_s: float) -> None:
        """Wait for the running events (the edge is shutting down), cancelling what outlasts `within_s`."""
        if not self._drains:
            return
        _, stuck = await asyncio.wait(set(self._drains), timeout=within_s)
        for drain in stuck:
            drain.cancel()
        if stuck:
            await asyncio.wait(stuck)


class SocketIOConnection(BufferedConnection):
    def __init__(
        self,
        sio: socketio.AsyncServer,
        sid: str,
        actor: Actor,
        bus: Bus,
        *,
        positions: dict[int, int] | None = None,
        buffer_size: int = BUFFER_SIZE,
    ) -> None:
        super().__init__(buffer_size=buffer_size)
        self.sio = sio
        self.sid = sid
        self.actor = actor
        self._bus = bus
        self._positions = dict(positions or {})
        # Per conversation of the replay, the last seq sent: live copies of replayed messages are skipped.
        self._replayed: dict[int, int] = {}
        self.events = EventLanes()

    def __repr__(self) -> str:
        return f"<socket.io {self.sid} user {self.actor.user_id}>"

    async def opened(self) -> None:
        await self._until_connected()
        if self._positions:
            await self._replay()

    async def send(self, batch: list[Delivery]) -> None:
        for delivery_type, payload in batch:
            if delivery_type == "message" and self._replayed_already(payload):
                continue
            await self._emit(delivery_type, payload)
        await self._taken()

    async def _emit(self, event: str, payload: Any) -> None:
        """`sio.emit(event, payload, to=sid)` without its cost: the server's emit starts a task per
        recipient and looks for binary data, a fifth of an edge's time under chat load."""
        eio_sid = self.sio.manager.eio_sid_from_sid(self.sid, NAMESPACE)
        if eio_sid is None:
            return  # gone
        packet = self.sio.packet_class(socketio.packet.EVENT, namespace=NAMESPACE, data=[event, payload])
        await self.sio._send_packet(eio_sid, packet)  # straight to the websocket if it can (sio_websocket.py)

    async def stop(self) -> None:
        self.events.close()
        await super().stop()

    async def close(self) -> None:
        socket = self._engineio_socket()
        if socket is None:
            await self.sio.disconnect(self.sid)
            return
        # Not waiting for the queue; the CLOSE packet follows what is queued, and the client reconnects.
        await socket.close(wait=False, abort=False, reason=self.sio.eio.reason.SERVER_DISCONNECT)

    def gone(self) -> bool:
        """The client's transport has closed (python-socketio does not report a client that leaves
        while its connect handler runs)."""
        socket = self._engineio_socket()
        return socket is None or bool(socket.closed)

    async def _until_connected(self) -> None:
        # The connect handler registers this connection (so nothing published after the client is
        # told "connected" is missed) before python-socketio marks the sid connected; events
        # emitted before that would reach the client ahead of its CONNECT packet.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CONNECTED_WAIT_S
        while not self.sio.manager.is_connected(self.sid, NAMESPACE):
            if loop.time() > deadline:
                raise TimeoutError(f"{self!r} never finished connecting")
            await asyncio.sleep(0.005)

    async def _replay(self) -> None:
        try:
            caught = await self._bus.request(CatchUp(positions=self._positions), actor=self.actor)
            messages, resync, topics = caught.messages, list(caught.resync), caught.topics
        except DomainError:
            # Nothing to replay from: the client reloads those conversations over REST.
            messages, resync, topics = [], list(self._positions), []
        topic_of = {topic.conversation_id: topic for topic in topics}
        for message in messages:
            await self._emit("message", replayed(message, topic_of[message.conversation_id]))
            self._replayed[message.conversation_id] = max(
                message.seq, self._replayed.get(message.conversation_id, 0)
            )
        for conversation_id, seq in self._positions.items():
            self._replayed.setdefault(conversation_id, seq)
        if resync:
            await self._emit("resync", Resync(conversation_ids=resync))
        await self._taken()

    def _replayed_already(self, payload: dict[str, Any]) -> bool:
        if not self._replayed:
            return False
        message = payload.get("message")
        if not isinstance(message, dict):
            return False
        last = self._replayed.get(message.get("conversation_id"))  # type: ignore[arg-type]
        seq = message.get("seq")
        return last is not None and isinstance(seq, int) and seq <= last

    async def _taken(self) -> None:
        socket = self._engineio_socket()
        if socket is not None and not socket.closed:
            await socket.queue.join()

    def _engineio_socket(self) -> Any:
        eio_sid = self.sio.manager.eio_sid_from_sid(self.sid, NAMESPACE)
        return self.sio.eio.sockets.get(eio_sid) if eio_sid is not None else None
