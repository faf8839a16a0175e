"""The API docs: an OpenAPI 3.1 document of every route, Swagger UI from local assets only."""

from __future__ import annotations

import re

import pytest

from nodes.edge.app import endpoints
from nodes.runtime.embedded_nats import EmbeddedNats
from tests.conftest import Cluster
from tests.support.edge_server import edge_settings, lone_edge
from tests.support.http import json_of
from tests.support.openapi import refs
from tests.support.sse import SseStream

pytestmark = [pytest.mark.domains(), pytest.mark.database_agnostic]  # the docs are the edge's own

# The contracts' Server-Sent Events: FreeMarket's events, CarAdvisor's answer (at both of its paths).
EVENT_STREAMS = {"/api/events/stream", "/chats/{chat_id}/stream", "/api/v1/chats/{chat_id}/stream"}


async def test_openapi_describes_every_declared_route(cluster: Cluster) -> None:
    resp = await cluster.edge_a.get("/openapi.json")
    assert resp.status == 200
    spec = await resp.json()
    assert spec["openapi"] == "3.1.0"
    # a path parameter's pattern (`{key:.+}`) is aiohttp's, not OpenAPI's
    declared = {
        (re.sub(r"{(\w+):[^}]*}", r"{\1}", ep.path), ep.method.lower())
        for ep in endpoints(cluster.edge_a.app)
    }
    described = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert declared == described and ("/health", "get") in described

    get_user = spec["paths"]["/api/users/{user_id}"]["get"]
    assert get_user["parameters"] == [
        {"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ]
    [exchange] = spec["paths"]["/api/chat/exchange/{exchange_id}/history"]["get"]["parameters"][:1]
    assert exchange["schema"]["type"] == "string" and re.match(
        exchange["schema"]["pattern"], "mutual_1_2_10_15"
    )
    assert get_user["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UserOut"
    }
    assert "trust_score" in spec["components"]["schemas"]["UserOut"]["properties"]
    create = spec["paths"]["/api/users/"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CreateUserBody")
    # As declared, plus what the edge answers itself: a body over the limit, no worker answering.
    assert set(create["responses"]) == {"201", "400", "409", "413", "414", "431", "503"}
    assert create["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/FreeMarketError"
    )

    for ref in refs(spec):
        kind, _, name = ref.removeprefix("#/components/").partition("/")
        assert ref.startswith("#/components/") and name in spec["components"][kind], ref
    operation_ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))


async def test_swagger_ui_is_served_from_local_assets(cluster: Cluster) -> None:
    resp = await cluster.edge_b.get("/docs")
    assert resp.status == 200
    html = await resp.text()
    assert "SwaggerUIBundle" in html and "/openapi.json" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assets = re.findall(r"""(?:src|href)=["'](/docs/static/[^"']+)["']""", html)
    assert len(assets) >= 3
    for asset in assets:
        got = await cluster.edge_b.get(asset)
        assert got.status == 200, asset
        assert len(await got.read()) > 100


async def test_the_contracts_doc_paths_lead_to_the_same(cluster: Cluster) -> None:
    for path in ("/redoc", "/api/docs/"):
        resp = await cluster.edge_a.get(path, allow_redirects=False)
        assert resp.status == 302 and resp.headers["Location"] == "/docs"
    schema = await (await cluster.edge_a.get("/api/schema/")).json()
    assert schema == await (await cluster.edge_a.get("/openapi.json")).json()


@pytest.mark.domains("chat", "notify")  # what a stream asks for as it opens
async def test_event_streams_are_documented_as_they_are_served(cluster: Cluster) -> None:
    spec = await json_of(await cluster.edge_a.get("/openapi.json"), 200)
    streaming = {
        path
        for path, ops in spec["paths"].items()
        for op in ops.values()
        for response in op["responses"].values()
        if "text/event-stream" in response.get("content", {})
    }
    assert streaming == EVENT_STREAMS
    for path in EVENT_STREAMS:
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert list(content) == ["text/event-stream"], path
        event = spec["components"]["schemas"][content["text/event-stream"]["schema"]["$ref"].split("/")[-1]]
        assert event["properties"]["data"]["contentMediaType"] == "application/json"

    stream = await SseStream.open(cluster.edge_a, "/api/events/stream", token=cluster.signer.token(7))
    try:
        assert stream.status == 200 and stream.response.content_type == "text/event-stream"
    finally:
        stream.response.close()


async def test_swagger_ui_has_no_online_validator(nats_server: EmbeddedNats) -> None:
    """Swagger UI would send the document to validator.swagger.io for its badge."""
    async with lone_edge(edge_settings(nats_server.url)) as edge:
        html = await (await edge.get("/docs")).text()
    [script] = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert "SwaggerUIBundle(" in script
    assert re.search(r"""["']?validatorUrl["']?\s*:\s*null\b""", script), script
