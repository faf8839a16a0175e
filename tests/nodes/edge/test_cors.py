"""CORS for the configured origins (issue 13): a page can read the headers a client acts on
(`Retry-After`, `X-Request-ID`, every header the document names) and caches its preflights."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import replace

import pytest

from nodes.runtime.embedded_nats import EmbeddedNats
from tests.support.edge_server import Edge, edge_settings, lone_edge
from tests.support.http import bearer, json_of
from tests.support.tokens import Signer

FRONT = "https://app.example"
STRANGER = "https://elsewhere.example"


@pytest.fixture
def signer() -> Signer:
    return Signer.generate()


@pytest.fixture
async def edge(nats_server: EmbeddedNats, signer: Signer) -> AsyncIterator[Edge]:
    settings = edge_settings(nats_server.url)
    settings = replace(settings, edge=replace(settings.edge, cors_origins=(FRONT,)))
    async with lone_edge(settings, signer) as client:
        yield client


def listed(headers: Mapping[str, str], name: str) -> set[str]:
    return {item.strip().lower() for item in headers.get(name, "").split(",") if item.strip()}


def cors_of(headers: Mapping[str, str]) -> set[str]:
    return {name.lower() for name in headers if name.lower().startswith("access-control-")}


async def test_a_preflight_is_answered_and_may_be_cached(edge: Edge) -> None:
    asked = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    preflight = await edge.options("/api/v1/users/me", headers={"Origin": FRONT, **asked})
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == FRONT
    assert preflight.headers["Access-Control-Allow-Credentials"] == "true"
    assert "post" in listed(preflight.headers, "Access-Control-Allow-Methods")
    assert "authorization" in listed(preflight.headers, "Access-Control-Allow-Headers")
    assert int(preflight.headers["Access-Control-Max-Age"]) >= 60

    refused = await edge.options("/api/v1/users/me", headers={"Origin": STRANGER, **asked})
    assert not cors_of(refused.headers)


async def test_a_page_may_read_retry_after_and_the_request_id(edge: Edge, signer: Signer) -> None:
    # No worker behind this edge: the request is answered 503 with a Retry-After.
    unavailable = await edge.get("/api/v1/users/me", headers={"Origin": FRONT, **bearer(signer.token(7))})
    assert unavailable.status == 503 and unavailable.headers["Retry-After"]
    assert unavailable.headers["Access-Control-Allow-Origin"] == FRONT
    assert {"retry-after", "x-request-id"} <= listed(unavailable.headers, "Access-Control-Expose-Headers")
    assert "origin" in listed(unavailable.headers, "Vary")

    spec = await edge.get("/openapi.json", headers={"Origin": FRONT})
    named = {
        name.lower()
        for ops in (await json_of(spec, 200))["paths"].values()
        for op in ops.values()
        for response in op["responses"].values()
        for name in response.get("headers", {})
    }
    assert named and named <= listed(spec.headers, "Access-Control-Expose-Headers")

    redirect = await edge.get("/redoc", headers={"Origin": FRONT}, allow_redirects=False)
    assert redirect.status == 302 and redirect.headers["Access-Control-Allow-Origin"] == FRONT

    stranger = await edge.get("/openapi.json", headers={"Origin": STRANGER})
    assert stranger.status == 200 and not cors_of(stranger.headers)
