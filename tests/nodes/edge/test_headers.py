"""Security headers on every answer (issue 11, item 9): JSON, errors, HTML pages, the docs' CSP,
the realtime handshakes, HSTS when configured; no version in `Server`."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace

import pytest

from nodes.runtime.embedded_nats import EmbeddedNats
from tests.conftest import Cluster
from tests.support.edge_server import Edge, edge_settings, lone_edge, upgrade_head
from tests.support.sse import SseStream
from tests.support.tokens import Signer

pytestmark = pytest.mark.database_agnostic


@pytest.fixture
def signer() -> Signer:
    return Signer.generate()


@pytest.fixture
async def edge(nats_server: EmbeddedNats, signer: Signer) -> AsyncIterator[Edge]:
    async with lone_edge(edge_settings(nats_server.url), signer) as client:
        yield client


def assert_secured(headers: Mapping[str, str]) -> None:
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Server"] == "souk"  # not aiohttp's "Python/3.x aiohttp/3.x"
    assert "Strict-Transport-Security" not in headers  # off unless configured


def directives(csp: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (d.split() for d in csp.split(";") if d.strip())}


async def test_json_answers(edge: Edge) -> None:
    resp = await edge.get("/openapi.json")
    assert resp.status == 200
    assert_secured(resp.headers)
    assert "X-Frame-Options" not in resp.headers  # a page's header: JSON is not rendered


async def test_error_answers(edge: Edge) -> None:
    for path, status in (("/no/such/path", 404), ("/api/v1/users/me", 401)):
        resp = await edge.get(path)
        assert resp.status == status, path
        assert_secured(resp.headers)
    redirect = await edge.get("/redoc", allow_redirects=False)
    assert redirect.status == 302
    assert_secured(redirect.headers)


async def test_html_pages_may_not_be_framed(edge: Edge) -> None:
    for path in ("/docs", "/docs/static/oauth2-redirect.html"):
        resp = await edge.get(path)
        assert resp.status == 200 and resp.content_type == "text/html", path
        assert_secured(resp.headers)
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert directives(resp.headers["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]


async def test_the_docs_page_runs_only_its_own_scripts(edge: Edge) -> None:
    resp = await edge.get("/docs")
    policy = directives(resp.headers["Content-Security-Policy"])
    html = await resp.text()
    assert policy["default-src"] == ["'none'"]
    scripts = policy["script-src"]
    assert "'self'" in scripts and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert inline, "the page starts Swagger UI from an inline script"
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in scripts
    assert policy["connect-src"] == ["'self'"]  # the spec, and "Try it out" on this origin
    assert not re.search(r"https?:", resp.headers["Content-Security-Policy"])  # nothing from elsewhere
    for src in re.findall(r"""(?:src|href)=["']([^"']+)["']""", html):
        assert (await edge.get(src)).status == 200, src  # every asset the page names is served here


async def test_socketio_and_websocket_handshakes(edge: Edge) -> None:
    polling = await edge.get("/socket.io/", params={"EIO": "4", "transport": "polling"})
    assert polling.status == 200
    assert_secured(polling.headers)
    for path in ("/socket.io/?EIO=4&transport=websocket", "/ws/chat"):
        status, headers = await upgrade_head(edge.server, path)
        assert status == 101, path
        assert_secured(headers)


@pytest.mark.domains("chat", "notify")  # what a stream asks for as it opens
async def test_the_sse_handshake(cluster: Cluster) -> None:
    stream = await SseStream.open(cluster.edge_a, "/api/events/stream", token=cluster.signer.token(7))
    try:
        assert stream.status == 200
        assert_secured(stream.response.headers)
    finally:
        stream.response.close()


async def test_hsts_when_configured(nats_server: EmbeddedNats) -> None:
    settings = edge_settings(nats_server.url)
    settings = replace(settings, edge=replace(settings.edge, hsts_max_age_s=31_536_000))
    async with lone_edge(settings) as edge:
        for path in ("/openapi.json", "/no/such/path", "/docs"):
            resp = await edge.get(path)
            assert resp.headers["Strict-Transport-Security"] == "max-age=31536000", path
