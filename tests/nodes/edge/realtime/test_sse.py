"""The SSE machinery under any stream (FreeMarket's here): heartbeats, a revoked session, a client
that stops reading, and an app that shuts down, with real HTTP clients against a real cluster."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client import REGISTRY

from nodes.edge.app import create_app
from nodes.edge.auth import KeyRing
from nodes.edge.realtime import sse
from nodes.edge.state import HUB
from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from protocols import subjects
from protocols.envelope import Actor
from protocols.notify import Notify
from tests.conftest import Cluster
from tests.nodes.edge.realtime.live import eventually
from tests.support.http import bearer, json_of
from tests.support.sse import SseStream

pytestmark = [pytest.mark.domains("identity", "chat", "notify"), pytest.mark.database_agnostic]

Edge = TestClient[web.Request, web.Application]

PATH = "/api/events/stream"
OVERFLOWS = "souk_realtime_overflow_disconnects_total"
ORIGIN = "https://app.example"


async def sign_up(edge: Edge, name: str) -> tuple[int, str]:
    body = {"email": f"{name}@example.com", "password": "StrongPassword123!", "username": name}
    out = await json_of(await edge.post("/auth/register", json=body), 200)
    edge.session.cookie_jar.clear()
    return out["user"]["id"], out["access_token"]


async def opened(edge: Edge, token: str) -> SseStream:
    stream = await SseStream.open(edge, PATH, token=token)
    assert stream.status == 200
    await stream.until_marker()
    return stream


def big_notification(user_id: int, notification_id: int) -> bytes:
    notification = {
        "id": notification_id, "user_id": user_id, "type": "blob", "title": "big", "message": "x" * 60_000,
        "payload": {}, "read": False, "created_at": datetime.now(UTC).isoformat(),
    }  # fmt: skip
    return orjson.dumps({"type": "notification", "notification": notification})


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    return lambda settings: replace(settings, edge=replace(settings.edge, cors_origins=(ORIGIN,)))


async def test_a_stream_carries_its_own_cors_and_request_id_headers(cluster: Cluster) -> None:
    _, token = await sign_up(cluster.edge_a, "browser")
    for origin, allowed in ((ORIGIN, True), ("https://elsewhere.example", False)):
        headers = {"Origin": origin, "X-Request-ID": "stream-request-1", **bearer(token)}
        resp = await cluster.edge_b.get(PATH, headers=headers)
        assert resp.status == 200 and resp.headers["X-Request-ID"] == "stream-request-1"
        assert resp.headers["Cache-Control"] == "no-cache"
        assert resp.headers.get("Access-Control-Allow-Origin") == (origin if allowed else None)
        # A browser's fetch-based stream client may read the request id (and a 503's Retry-After).
        exposed = resp.headers.get("Access-Control-Expose-Headers", "")
        assert ("X-Request-ID" in exposed) is allowed
        resp.close()


async def test_an_idle_stream_gets_heartbeat_comments(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sse, "HEARTBEAT_S", 0.05)
    _, token = await sign_up(cluster.edge_a, "idle")
    stream = await opened(cluster.edge_b, token)
    comments: list[str] = []
    while len(comments) < 3:
        block = await stream.block(within_s=1)
        assert block is not None and block.data is None and block.id is None
        comments += block.comments
    assert set(comments) == {"ping"}
    stream.close()


async def test_a_session_ended_elsewhere_ends_its_streams(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sse, "HEARTBEAT_S", 0.05)
    user, token = await sign_up(cluster.edge_a, "leaver")
    stream = await opened(cluster.edge_a, token)
    assert (await cluster.edge_b.post("/auth/logout", headers=bearer(token))).status == 200
    assert await stream.rest(within_s=2) == []  # ended, cleanly
    await eventually(lambda: not cluster.edge_a.app[HUB].subscribed(user))
    assert (await SseStream.open(cluster.edge_a, PATH, token=token)).status == 401


async def test_a_delivery_that_is_not_what_its_type_says_is_skipped(cluster: Cluster) -> None:
    user, token = await sign_up(cluster.edge_a, "reader")
    stream = await opened(cluster.edge_b, token)
    for malformed in (b'{"type": "message", "message": "nope"}', b'{"type": "notification"}'):
        await cluster.worker_bus.publish_raw(subjects.rt_user(user), malformed)
    await cluster.worker_bus.request(Notify(user_ids=[user], type="ping", title="next"), actor=Actor.system())
    event = await stream.event()
    assert (event["type"], event["title"]) == ("notification_new", "next")
    stream.close()


async def test_a_client_that_stops_reading_is_disconnected_without_holding_up_others(
    cluster: Cluster,
) -> None:
    hub = cluster.edge_a.app[HUB]
    slow_user, slow_token = await sign_up(cluster.edge_a, "slow")
    other_user, other_token = await sign_up(cluster.edge_a, "other")
    other = await opened(cluster.edge_a, other_token)
    assert cluster.edge_a.server.port is not None
    overflowed = REGISTRY.get_sample_value(OVERFLOWS) or 0.0
    slow = await raw_stream(cluster.edge_a.server.port, slow_token)  # from here on it reads nothing
    try:
        await eventually(lambda: hub.subscribed(slow_user))
        published = 0
        while hub.subscribed(slow_user) and published < 2000:  # until its buffers are full
            published += 1
            await cluster.worker_bus.publish_raw(
                subjects.rt_user(slow_user), big_notification(slow_user, published)
            )
            if published % 100 == 0:
                note = Notify(user_ids=[other_user], type="ping", title=f"after {published}")
                await cluster.worker_bus.request(note, actor=Actor.system())
                assert (await other.event(within_s=1))["title"] == f"after {published}"
            await asyncio.sleep(0.001)
        await eventually(lambda: not hub.subscribed(slow_user))
        assert published < 2000 and REGISTRY.get_sample_value(OVERFLOWS) == overflowed + 1
    finally:
        slow.close()
    note = Notify(user_ids=[other_user], type="ping", title="still here")
    await cluster.worker_bus.request(note, actor=Actor.system())
    assert (await other.event())["title"] == "still here"
    other.close()


async def raw_stream(port: int, token: str) -> socket.socket:
    """A stream on a socket with a small receive buffer, read up to the end of its first replay."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    request = f"GET {PATH}?token={token} HTTP/1.1\r\nHost: edge\r\nAccept: text/event-stream\r\n\r\n"
    await loop.sock_sendall(sock, request.encode())
    received = b""
    while b"\nid: " not in received:  # the id-only event that ends the start
        received += await asyncio.wait_for(loop.sock_recv(sock, 4096), 5)
    return sock


async def test_shutting_down_ends_every_stream_at_once(cluster: Cluster, aiohttp_client: object) -> None:
    bus = await Bus.connect(cluster.settings.nats.url, name="edge-c", echo=False)
    keyring = KeyRing(cluster.settings.auth)
    await keyring.watch(bus)
    app = create_app(cluster.settings, bus, keyring, node_name="edge-c")
    edge: Edge = await aiohttp_client(app)  # type: ignore[operator]
    user, token = await sign_up(edge, "shutdown")
    streams = [await opened(edge, token), await opened(edge, token)]
    assert len(app[HUB].connections_of(user)) == 2

    started = time.monotonic()
    await edge.server.close()
    assert time.monotonic() - started < 5  # not the server's shutdown timeout (60 s)
    for stream in streams:
        assert await stream.rest() == []  # the stream ended, its chunked body complete
    assert app[sse.SSE_STREAMS].live == set() and app[HUB].connections_of(user) == ()
    await keyring.close()
    await bus.close()
