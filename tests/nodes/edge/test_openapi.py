"""`build_openapi` on its own: what the served document (tests/nodes/edge/test_docs.py) cannot show
with today's surfaces — query models, surfaces sharing model names, auth, regex paths."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
from aiohttp import web
from pydantic import BaseModel, create_model

from nodes.edge.http import Surface, SurfaceRoutes
from nodes.edge.openapi import build_openapi
from nodes.edge.surfaces.barter import errors as barter_errors
from nodes.edge.surfaces.garage import errors as garage_errors
from tests.support.openapi import refs

REF_PREFIX = "#/components/schemas/"


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    return spec["components"]["schemas"][schema["$ref"].removeprefix(REF_PREFIX)]  # type: ignore[no-any-return]


class Kind(str, Enum):
    car = "car"
    bike = "bike"


class ListQuery(BaseModel):
    kind: Kind | None = None
    page: int = 1
    q: str


class Shared(BaseModel):
    ok: bool


# Two surfaces each with their own `Item`; a model both use unchanged.
AutosItem = create_model("Item", __module__="tests.autos", id=(int, ...), shared=(Shared, ...))
BarterItem = create_model("Item", __module__="tests.barter", title=(str, ...), shared=(Shared, ...))


async def handler(_request: web.Request) -> web.Response:
    return web.Response()


async def list_items(_request: web.Request) -> web.Response:
    return web.Response()


def spec() -> dict[str, Any]:
    autos = SurfaceRoutes(Surface(name="autos", title="MillionAvto"))
    barter = SurfaceRoutes(Surface(name="barter", title="FreeMarket"))
    autos.get("/ads", query=ListQuery, responses={200: AutosItem})(list_items)
    autos.post(
        "/ads/{ad_id:\\d+}/photos/{slot}",
        body=Shared,
        auth=True,
        content_type="multipart/form-data",
        responses={201: None},
    )(handler)
    barter.get("/items", query=ListQuery, responses={200: BarterItem, 404: None})(list_items)
    endpoints = autos.endpoints + barter.endpoints
    return build_openapi(endpoints, title="T", version="1", description="Socket.IO at /socket.io/")


def test_every_ref_resolves_and_operations_are_unique() -> None:
    doc = spec()
    assert doc["openapi"] == "3.1.0" and "Socket.IO" in doc["info"]["description"]
    for ref in refs(doc):
        kind, _, name = ref.removeprefix("#/components/").partition("/")
        assert ref.startswith("#/components/") and name in doc["components"][kind], ref
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert ids == ["autos_list_items", "autos_handler", "barter_list_items"]
    assert doc["tags"] == [{"name": "MillionAvto"}, {"name": "FreeMarket"}]


def test_query_fields_become_parameters_with_their_nested_schemas() -> None:
    params = {p["name"]: p for p in spec()["paths"]["/ads"]["get"]["parameters"]}
    assert set(params) == {"kind", "page", "q"}
    assert all(p["in"] == "query" for p in params.values())
    assert params["q"]["required"] and not params["page"]["required"]
    kind_ref = next(s for s in params["kind"]["schema"]["anyOf"] if "$ref" in s)
    assert resolve(spec(), kind_ref)["enum"] == ["car", "bike"]


def test_clashing_names_are_prefixed_by_surface_and_shared_models_merged() -> None:
    doc = spec()
    schemas = doc["components"]["schemas"]
    assert "Item" not in schemas and {"autos_Item", "barter_Item", "Shared"} <= set(schemas)
    autos_out = doc["paths"]["/ads"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    barter_out = doc["paths"]["/items"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert resolve(doc, autos_out)["properties"].keys() == {"id", "shared"}
    assert resolve(doc, barter_out)["properties"].keys() == {"title", "shared"}
    assert doc["paths"]["/items"]["get"]["responses"]["404"]["content"] == {
        "application/json": {"schema": {"$ref": REF_PREFIX + "DetailError"}}
    }
    assert spec() == doc  # deterministic


def test_path_params_auth_and_body_content_type() -> None:
    doc = spec()
    op = doc["paths"]["/ads/{ad_id}/photos/{slot}"]["post"]
    assert [(p["name"], p["schema"]["type"]) for p in op["parameters"]] == [
        ("ad_id", "integer"),
        ("slot", "string"),
    ]
    assert op["security"] == [{"bearerAuth": []}]
    assert "security" not in doc["paths"]["/ads"]["get"]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert op["requestBody"]["content"]["multipart/form-data"]["schema"] == {"$ref": REF_PREFIX + "Shared"}


def test_every_error_answer_has_its_contracts_body_and_the_edges_own_are_added() -> None:
    """4xx/503 in the surface's error body; 400 (control characters), 401 (auth), 413 (a body) and
    503 (a worker behind) added to what a route declares; an upgrade adds only its 400; 414 and 431
    (refused before routing) everywhere, in the body of paths the edge does not know."""
    autos = SurfaceRoutes(Surface(name="autos", title="MillionAvto"))
    garage = SurfaceRoutes(Surface(name="garage", title="Membership Auto", error_format=garage_errors.garage))
    garage.post("/threads", body=Shared, auth=True, responses={201: Shared, 404: None})(handler)
    autos.get("/ws", responses={101: None})(handler)
    autos.get("/health", responses={200: Shared})(handler)
    doc = build_openapi(garage.endpoints + autos.endpoints, title="T", version="1", description="")
    post = doc["paths"]["/threads"]["post"]["responses"]
    assert set(post) == {"201", "400", "401", "404", "413", "414", "431", "503"}
    for status in ("400", "401", "404", "413", "503"):
        assert post[status]["content"]["application/json"]["schema"] == {
            "$ref": REF_PREFIX + "MembershipAutoError"
        }
    assert set(post["503"]["headers"]) == {"X-Request-ID", "Retry-After"}
    for status in ("414", "431"):
        assert post[status]["content"]["application/json"]["schema"] == {"$ref": REF_PREFIX + "DetailError"}
    assert set(doc["paths"]["/ws"]["get"]["responses"]) == {"101", "400", "414", "431"}
    assert "headers" not in doc["paths"]["/ws"]["get"]["responses"]["101"]
    assert set(doc["paths"]["/health"]["get"]["responses"]) == {"200", "400", "414", "431"}
    body = doc["components"]["schemas"]["MembershipAutoError"]
    assert body["required"] == ["error"] and body["additionalProperties"] == {
        "type": "array",
        "items": {"type": "string"},
    }


def test_an_event_stream_answers_events_and_only_its_200_says_so() -> None:
    """A route named in `event_streams` documents its 200 as `text/event-stream`, each event an object
    with its JSON `data` (OpenAPI 3.2's convention, which 3.1 readers follow); its errors stay JSON."""
    barter = SurfaceRoutes(Surface(name="barter", title="FreeMarket", error_format=barter_errors.freemarket))
    barter.get("/chats/{chat_id:\\d+}/stream", query=ListQuery, responses={200: None, 204: None, 401: None})(
        handler
    )
    barter.get("/items", responses={200: None})(list_items)
    doc = build_openapi(
        barter.endpoints, title="T", version="1", description="", event_streams=["/chats/{chat_id}/stream"]
    )
    responses = doc["paths"]["/chats/{chat_id}/stream"]["get"]["responses"]
    [(media_type, content)] = responses["200"]["content"].items()
    assert media_type == "text/event-stream"
    event = resolve(doc, content["schema"])
    assert event["type"] == "object" and event["required"] == ["data"]
    assert event["properties"]["data"] == {"type": "string", "contentMediaType": "application/json"}
    assert {"id", "retry"} <= event["properties"].keys()
    assert responses["200"]["headers"] == {"X-Request-ID": {"$ref": "#/components/headers/RequestId"}}
    assert "content" not in responses["204"]
    assert list(responses["401"]["content"]) == ["application/json"]
    assert "content" not in doc["paths"]["/items"]["get"]["responses"]["200"]


def test_an_event_stream_that_is_no_route_is_refused() -> None:
    routes = SurfaceRoutes(Surface(name="autos", title="MillionAvto"))
    routes.post("/stream", responses={200: None})(handler)
    for stream in ("/stream", "/elsewhere"):  # a POST is not one either
        with pytest.raises(ValueError, match=stream):
            build_openapi(routes.endpoints, title="T", version="1", description="", event_streams=[stream])
