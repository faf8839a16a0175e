"""An edge app served as `souk edge` serves it (`EdgeRunner`), and one on its own for what an edge
answers without workers (headers, refusals, handshakes)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from typing import Any, cast

from aiohttp import web
from aiohttp.test_utils import BaseTestServer, TestClient, TestServer
from aiohttp.web_runner import BaseRunner
from multidict import CIMultiDict
from pytest_aiohttp import AiohttpClient

from nodes.edge.app import create_app
from nodes.edge.auth import KeyRing
from nodes.edge.server import EdgeRunner
from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings, load_settings
from tests.support.tokens import Signer

Edge = TestClient[web.Request, web.Application]


class EdgeTestServer(TestServer):
    """aiohttp's TestServer with the edge's runner: `aiohttp_client(EdgeTestServer(app))`."""

    async def _make_runner(self, **kwargs: Any) -> BaseRunner:
        return EdgeRunner(self.app, **kwargs)


async def served(aiohttp_client: AiohttpClient, app: web.Application) -> Edge:
    """`app` served by an `EdgeTestServer`, its client closed with pytest-aiohttp's fixture."""
    # pytest-aiohttp types the client of any server as one of a bare handler, without an app; a
    # TestServer's client has its app (aiohttp's own `TestClient(TestServer(app))` says so).
    return cast(Edge, await aiohttp_client(EdgeTestServer(app)))


def edge_settings(nats_url: str) -> Settings:
    base = load_settings(environ={})
    return replace(base, nats=replace(base.nats, url=nats_url))


@asynccontextmanager
async def lone_edge(settings: Settings, signer: Signer | None = None) -> AsyncIterator[Edge]:
    """An edge on the settings' NATS with no worker behind it; `signer`'s tokens are accepted."""
    bus = await Bus.connect(settings.nats.url, name="lone-edge", echo=False)
    keyring = KeyRing(settings.auth)
    try:
        if signer is not None:
            await signer.publish(bus)
        await keyring.watch(bus)
        client: Edge = TestClient(EdgeTestServer(create_app(settings, bus, keyring)))
        await client.start_server()
        try:
            yield client
        finally:
            await client.close()
    finally:
        await keyring.close()
        await bus.close()


def _head(raw: bytes) -> tuple[int, CIMultiDict[str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers: CIMultiDict[str] = CIMultiDict()
    for line in lines:
        name, _, value = line.partition(": ")
        headers.add(name, value)
    return int(status_line.split()[1]), headers, body


async def raw_exchange(server: BaseTestServer, request: bytes) -> tuple[int, CIMultiDict[str], bytes]:
    """Send bytes as they are (what no HTTP client would send) and read the answer to the end: the
    status, headers and body of a connection the server closes after answering."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(request)
        await writer.drain()
        return _head(await reader.read())
    finally:
        writer.close()


async def upgrade_head(server: BaseTestServer, path: str) -> tuple[int, CIMultiDict[str]]:
    """Open a WebSocket handshake on `path`: the status and headers of the answer (101 or a refusal)."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    try:
        writer.write(request.encode())
        await writer.drain()
        status, headers, _ = _head(await reader.readuntil(b"\r\n\r\n"))
        return status, headers
    finally:
        writer.close()


async def edge_beside(
    settings: Settings, url: str, name: str, aiohttp_client: AiohttpClient, stack: AsyncExitStack
) -> Edge:
    """One more edge on NATS at `url` (a node of a cluster, a restarted server), closed with `stack`."""
    bus = await Bus.connect(url, name=name, request_timeout=settings.nats.request_timeout, echo=False)
    stack.push_async_callback(bus.close)
    keyring = KeyRing(settings.auth)
    await keyring.watch(bus)
    stack.push_async_callback(keyring.close)
    return await served(aiohttp_client, create_app(settings, bus, keyring, node_name=name))
