"""Socket.IO's websocket transport without engine.io's per-frame tasks.

python-engineio serves a websocket with two loops that make asyncio tasks for every frame: the
reader wraps each receive in `ensure_future` and `wait_for`, the writer each queued packet in
`wait_for`; and every packet sent passes through the socket's queue to that writer task. Under chat
load that machinery was about a fifth of an edge's CPU. Here:

- `DirectWebSocket` stands in for engine.io's aiohttp websocket driver. A connection that opens on
  the websocket transport (as Souk's clients do) is served by a reader that uses aiohttp's own
  receive timeout and a writer that takes the queue with no timer; a polling connection that
  upgrades is left to engine.io's handler.
- `DirectSocketIOServer._send_packet` writes a Socket.IO packet straight to such a websocket when
  engine.io has nothing queued for it (the handshake, pings and CLOSE go through the queue, and
  anything queued goes first), so order is kept, and a client that stops reading still pushes back:
  aiohttp waits for the transport to drain.

- `DirectSocketIOServer._handle_event` hands a connected client's event to `run_event` (the
  gateway's: it decides which events wait for which), which returns once the event is queued: the
  reader goes on reading, and a slow event holds back only what is ordered after it.

They lean on engine.io's socket (`queue`, `connected`, `upgraded`, `receive`, `close`), on
`_send_packet`, which python-socketio's own managers call, and on `_handle_event` and
`_handle_event_internal` (the handler's call and its ack); pyproject.toml pins the ranges this was
written against, and the Socket.IO tests drive every path through a real client.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from aiohttp import WSMsgType, web
from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet

log = logging.getLogger(__name__)

Direct = dict[str, web.WebSocketResponse]  # engine.io sid -> its open websocket
# (sid, the event as a list, its handling with the ack) -> once the handling is under way or queued
EventRunner = Callable[[str, list[Any], Callable[[], Awaitable[None]]], Awaitable[None]]
WRITER_GRACE_S = 5.0  # after the reader ends, how long the writer may take to flush


class DirectSocketIOServer(socketio.AsyncServer):  # type: ignore[misc]
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._direct: Direct = {}
        self.run_event: EventRunner | None = None  # None: each event is handled where it is read
        self.eio._async = {
            **self.eio._async,
            "websocket": functools.partial(DirectWebSocket, direct=self._direct),
        }

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        # engine.io hands over whatever followed its MESSAGE type: bytes, JSON it decoded itself, or
        # nothing. None of that is a Socket.IO packet of Souk's (JSON text, see sio_packets.py), and
        # python-socketio would raise on it.
        if not isinstance(data, str) or not data:
            log.info("dropped a message from %s that is not a Socket.IO packet", eio_sid)
            return
        await super()._handle_eio_message(eio_sid, data)

    async def _handle_event(
        self, eio_sid: str, namespace: str | None, id: int | None, data: list[Any]
    ) -> None:
        namespace = namespace or "/"
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
        if self.run_event is None or sid is None or not self.manager.is_connected(sid, namespace):
            await super()._handle_event(eio_sid, namespace, id, data)  # which drops a stranger's event
            return
        handle = functools.partial(self._handle_event_internal, self, sid, eio_sid, data, namespace, id)
        await self.run_event(sid, data, handle)

    async def _send_packet(self, eio_sid: str, pkt: socketio.packet.Packet) -> None:
        # python-socketio's own, with the direct path: encoded once, whichever way it goes.
        encoded = pkt.encode()
        if isinstance(encoded, list):  # binary attachments: engine.io's queue
            for part in encoded:
                await self.eio.send(eio_sid, part)
            return
        ws = self._direct.get(eio_sid)
        socket = self.eio.sockets.get(eio_sid)
        if ws is None or (socket is not None and not socket.queue.empty()):
            await self.eio.send(eio_sid, encoded)  # through the queue, behind what waits there
            return
        if socket is None or socket.closed:
            return  # gone, as engine.io would drop it
        try:
            await ws.send_str("4" + encoded)  # an engine.io MESSAGE packet
        except ConnectionResetError:
            pass  # the client is gone; its reader ends the socket


class DirectWebSocket:
    """engine.io's aiohttp websocket driver (`_async['websocket']`), serving new websocket
    connections itself; the methods below are the driver interface engine.io's handler uses."""

    def __init__(self, handler: Any, server: Any, *, direct: Direct) -> None:
        self.handler = handler  # the engine.io socket's bound `_websocket_handler`
        self.server = server
        self._direct = direct
        self._sock: web.WebSocketResponse | None = None

    async def __call__(self, environ: dict[str, Any]) -> web.WebSocketResponse:
        # No per-message deflate: chat frames are small, and compressing each costs more CPU than it
        # saves bytes (engine.io's own default is off too).
        self._sock = ws = web.WebSocketResponse(max_msg_size=self.server.max_http_buffer_size, compress=False)
        await ws.prepare(environ["aiohttp.request"])
        socket = self.handler.__self__
        if socket.connected:  # an upgrade from long-polling: engine.io's probe handshake
            await self.handler(self)
        else:
            await _serve(socket, ws, self._direct)
        return ws

    async def close(self) -> None:
        assert self._sock is not None
        await self._sock.close()

    async def send(self, message: str | bytes) -> None:
        assert self._sock is not None
        await _send_frame(self._sock, message)

    async def wait(self) -> str | bytes:
        """The next frame that is an engine.io packet (engine.io's handler raises on any other)."""
        assert self._sock is not None
        while True:
            msg = await self._sock.receive()
            if not isinstance(msg.data, (bytes, str)):
                raise OSError("websocket closed")
            if _engineio_packet(msg.data) is not None:
                return msg.data
            log.info("dropped a frame from %s that is not an engine.io packet", self.handler.__self__.sid)


async def _serve(socket: Any, ws: web.WebSocketResponse, direct: Direct) -> None:
    """engine.io's websocket loop for a socket that opened on this transport."""
    server = socket.server
    socket.connected = True
    socket.upgraded = True
    timeout = server.ping_interval + server.ping_timeout
    writer = asyncio.create_task(_write(socket.queue, ws), name=f"engine.io writer {socket.sid}")
    direct[socket.sid] = ws
    try:
        while True:
            try:
                msg = await ws.receive(timeout)
            except TimeoutError:  # no pong within the ping timeout: the client is gone
                break
            if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):  # closed, or over max_msg_size
                break
            pkt = _engineio_packet(msg.data)
            if pkt is None:
                log.info("dropped a frame from %s that is not an engine.io packet", socket.sid)
                continue
            try:
                await socket.receive(pkt)
            except eio_exceptions.UnknownPacketError:
                pass
            except eio_exceptions.SocketIsClosedError:
                break
            except Exception:
                log.exception("engine.io packet from %s failed", socket.sid)
    finally:
        direct.pop(socket.sid, None)
        socket.queue.put_nowait(None)  # the writer's last packet
        # aiohttp cancels this handler when the client's connection drops; the socket must still
        # close, which is what tells Socket.IO (and the hub) that the client left.
        await asyncio.shield(_finish(socket, ws, writer))


def _engineio_packet(frame: str | bytes) -> eio_packet.Packet | None:
    """The frame as an engine.io packet, or None if it is not one engine.io can take."""
    try:
        pkt = eio_packet.Packet(encoded_packet=frame)
    except ValueError:  # empty, a type that is not a digit, broken base64
        return None
    # A type past the last one makes engine.io's socket fail where it logs the packet's name.
    return pkt if 0 <= pkt.packet_type < len(eio_packet.packet_names) else None


async def _finish(socket: Any, ws: web.WebSocketResponse, writer: asyncio.Task[None]) -> None:
    _, stuck = await asyncio.wait({writer}, timeout=WRITER_GRACE_S)
    for task in stuck:  # blocked on a client that does not read
        task.cancel()
    await ws.close()
    await socket.close(wait=False, abort=True, reason=socket.server.reason.TRANSPORT_CLOSE)


async def _write(queue: asyncio.Queue[Any], ws: web.WebSocketResponse) -> None:
    try:
        while True:
            pkt = await queue.get()
            queue.task_done()
            if pkt is None:
                break
            await _send_frame(ws, pkt.encode())
    except ConnectionResetError:
        pass  # the client is gone


async def _send_frame(ws: web.WebSocketResponse, message: str | bytes) -> None:
    if isinstance(message, bytes):
        await ws.send_bytes(message)
    else:
        await ws.send_str(message)
