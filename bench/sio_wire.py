"""A minimal Socket.IO (Engine.IO v4, websocket transport) client for load generation.

python-socketio's client costs far more CPU per connection than the servers under test; thousands
of them would measure the load generator. This one speaks just what the benchmarks need over one
aiohttp websocket: connect with an auth payload, events, acks, and answering the server's pings.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson

Handler = Callable[[Any], None]


class WireError(Exception):
    pass


class WireClient:
    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)
        self._handlers: dict[str, Handler] = {}
        self._reader: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def on(self, event: str, handler: Handler) -> None:
        self._handlers[event] = handler

    async def connect(self, base_url: str, auth: dict[str, Any], *, timeout: float = 30) -> None:
        url = base_url.replace("http", "ws", 1).rstrip("/") + "/socket.io/?EIO=4&transport=websocket"
        self._ws = await self._session.ws_connect(url, max_msg_size=0, autoping=False, heartbeat=None)
        opening = await self._ws.receive_str(timeout=timeout)
        if not opening.startswith("0"):
            raise WireError(f"unexpected opening {opening[:40]!r}")
        await self._ws.send_str("40" + orjson.dumps(auth).decode())
        self._reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self.connected.wait(), timeout)

    async def emit(self, event: str, data: Any) -> None:
        assert self._ws is not None
        await self._ws.send_str("42" + orjson.dumps([event, data]).decode())

    async def call(self, event: str, data: Any, *, timeout: float = 30) -> Any:
        """Emit with an ack id and wait for the server's ack."""
        assert self._ws is not None
        ack_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = future
        await self._ws.send_str(f"42{ack_id}" + orjson.dumps([event, data]).decode())
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._acks.pop(ack_id, None)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)

    async def _read(self) -> None:
        assert self._ws is not None
        async for frame in self._ws:
            if frame.type is not aiohttp.WSMsgType.TEXT:
                break
            text: str = frame.data
            if text == "2":  # the server's ping
                await self._ws.send_str("3")
            elif text.startswith("40"):
                self.connected.set()
            elif text.startswith("44"):
                raise WireError(f"connection refused: {text[2:]}")
            elif text.startswith("42"):
                event, *args = orjson.loads(text[2:])
                handler = self._handlers.get(event)
                if handler is not None:
                    handler(args[0] if args else None)
            elif text.startswith("43"):
                bracket = text.index("[")
                future = self._acks.get(int(text[2:bracket]))
                if future is not None and not future.done():
                    values = orjson.loads(text[bracket:])
                    future.set_result(values[0] if values else None)
