"""A real WebSocket client for the contracts' raw sockets: it reads in the background and records
every frame (decoded JSON) and how the socket closed."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient

from nodes.edge.state import HUB

Edge = TestClient[web.Request, web.Application]

WAIT_S = 5.0


class WsClient:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self.closed = asyncio.Event()
        self._arrived = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, edge: Edge, path: str, *, registered: bool = False, **kw: Any) -> WsClient:
        """Connect. With `registered` (for sockets authenticated by the URL's token), return once the
        edge has the socket in its hub or has answered it, so that what is published from then on
        reaches it: the contracts' sockets authenticate after the upgrade, so the handshake alone
        does not mean that."""
        hub = edge.app[HUB]
        before = hub.connection_count
        client = cls(await edge.ws_connect(path, **kw))
        deadline = time.monotonic() + WAIT_S
        while (
            registered and hub.connection_count <= before and not client.frames and not client.closed.is_set()
        ):
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.01)
        return client

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                self.frames.append(orjson.loads(msg.data))
                self._arrived.set()
        self.closed.set()
        self._arrived.set()

    @property
    def close_code(self) -> int | None:
        code: int | None = self.ws.close_code
        return code

    async def send(self, frame: Any) -> None:
        await self.ws.send_str(frame if isinstance(frame, str) else orjson.dumps(frame).decode())

    def of_type(self, frame_type: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f.get("type") == frame_type]

    async def wait_for(
        self, frame_type: str, count: int = 1, *, within_s: float = WAIT_S
    ) -> list[dict[str, Any]]:
        """The first `count` frames of that type, waiting for them to arrive."""
        deadline = time.monotonic() + within_s
        while len(self.of_type(frame_type)) < count:
            left = deadline - time.monotonic()
            if left <= 0 or self.closed.is_set():
                raise AssertionError(
                    f"got {len(self.of_type(frame_type))} {frame_type!r} of {count}: {self.frames}"
                )
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                pass
        return self.of_type(frame_type)[:count]

    async def ask(self, frame: Any, frame_type: str) -> dict[str, Any]:
        """Send a frame and wait for the next frame of `frame_type` (the answer)."""
        count = len(self.of_type(frame_type))
        await self.send(frame)
        return (await self.wait_for(frame_type, count + 1))[-1]

    async def closed_with(self, *, within_s: float = WAIT_S) -> int | None:
        await asyncio.wait_for(self.closed.wait(), within_s)
        return self.close_code

    async def close(self) -> None:
        await self.ws.close()
        await self._reader
