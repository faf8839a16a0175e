"""What aiohttp's parser refuses before any route (issue 11, item 7): a request line or header over
its limits, too many headers. The answer is JSON in the format of paths the edge does not know (414
for the URL, 431 for headers), with the edge's headers; the log gets one line, no traceback."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import orjson
import pytest

from nodes.runtime.embedded_nats import EmbeddedNats
from tests.support.edge_server import Edge, edge_settings, lone_edge, raw_exchange


@pytest.fixture
async def edge(nats_server: EmbeddedNats) -> AsyncIterator[Edge]:
    async with lone_edge(edge_settings(nats_server.url)) as client:
        yield client


def request(target: str = "/health", headers: tuple[str, ...] = ()) -> bytes:
    lines = [f"GET {target} HTTP/1.1", "Host: edge", *headers, "Connection: close", "", ""]
    return "\r\n".join(lines).encode()


OVERSIZED = {
    "url of 20 KB": (request("/api/users/?q=" + "a" * 20_000), 414),
    "header of 9 KB": (request(headers=("X-Padding: " + "b" * 9_000,)), 431),
    "200 headers": (request(headers=tuple(f"X-Header-{i}: {i}" for i in range(200))), 431),
}


@pytest.mark.parametrize(("sent", "refused_with"), OVERSIZED.values(), ids=OVERSIZED.keys())
async def test_an_oversized_request_is_refused_in_json_and_logged_in_one_line(
    edge: Edge, sent: bytes, refused_with: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    status, headers, body = await raw_exchange(edge.server, sent)

    assert status == refused_with
    assert headers["Content-Type"].startswith("application/json")
    detail = orjson.loads(body)["detail"]
    assert isinstance(detail, str) and detail
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Server"] == "souk"
    assert headers["X-Request-ID"]
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert len([r for r in caplog.records if "malformed request" in r.getMessage()]) == 1


async def test_a_long_search_url_is_served(edge: Edge) -> None:
    """Longer than aiohttp's 8190-byte request line: a search with many filters can be."""
    status, _, _ = await raw_exchange(
        edge.server, request("/health?" + "&".join(f"f{i}=" + "v" * 80 for i in range(120)))
    )
    assert status == 200


async def test_the_edge_still_serves_after_refusing(edge: Edge) -> None:
    await raw_exchange(edge.server, OVERSIZED["url of 20 KB"][0])
    status, _, body = await raw_exchange(edge.server, request("/no/such/path"))
    assert status == 404 and orjson.loads(body)["detail"]
