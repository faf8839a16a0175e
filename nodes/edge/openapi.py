"""The OpenAPI 3.1 document, generated from the endpoints' declared models (built once at start)."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from .errors import ErrorFormat, detail_only
from .http import Endpoint
from .kit.error_bodies import ADVISOR_CODES, advisor
from .surfaces.autos.errors import autos_and_advisor
from .surfaces.barter.errors import FREEMARKET_ERROR_TYPES, freemarket
from .surfaces.garage.errors import garage

Schema = dict[str, Any]
ModelKey = tuple[type[BaseModel], JsonSchemaMode]

PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")
REF_PREFIX = "#/components/schemas/"
REF_TEMPLATE = REF_PREFIX + "{model}"
STATUS_TEXT = {
    101: "Switching Protocols",
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    414: "URI Too Long",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


def _schemas_by_surface(
    endpoints: list[Endpoint],
) -> dict[str, tuple[dict[ModelKey, Schema], dict[str, Schema]]]:
    """Each surface's models in one pydantic pass: their `$ref`s and the `$defs` they point into."""
    wanted: dict[str, dict[ModelKey, None]] = {}
    for ep in endpoints:
        keys = wanted.setdefault(ep.surface.name, {})
        for model in (ep.query, ep.body):
            if model is not None:
                keys[(model, "validation")] = None
        for model in ep.responses.values():
            if model is not None:
                keys[(model, "serialization")] = None
    result: dict[str, tuple[dict[ModelKey, Schema], dict[str, Schema]]] = {}
    for surface, keys in wanted.items():
        refs, defs = models_json_schema(list(keys), ref_template=REF_TEMPLATE)
        result[surface] = ({key: refs[key] for key in keys}, defs.get("$defs", {}))
    return result


def _renamed(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {key: _renamed(value, renames) for key, value in node.items()}
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            out["$ref"] = REF_PREFIX + renames.get(ref.removeprefix(REF_PREFIX), ref.removeprefix(REF_PREFIX))
        return out
    if isinstance(node, list):
        return [_renamed(item, renames) for item in node]
    return node


def _hoist(
    by_surface: dict[str, tuple[dict[ModelKey, Schema], dict[str, Schema]]],
) -> tuple[dict[str, dict[ModelKey, Schema]], dict[str, Schema]]:
    """One `components.schemas` for all surfaces.

    A name that two surfaces use for different schemas is prefixed with the surface name in every
    surface that uses it, so the result does not depend on mount order. Renaming can make a shared
    model differ (its nested refs changed), hence the loop until nothing clashes.
    """
    while True:
        variants: dict[str, list[Schema]] = {}
        for _, defs in by_surface.values():
            for name, schema in defs.items():
                if schema not in variants.setdefault(name, []):
                    variants[name].append(schema)
        clashing = {name for name, seen in variants.items() if len(seen) > 1}
        if not clashing:
            merged = {name: seen[0] for name, seen in sorted(variants.items())}
            return {surface: refs for surface, (refs, _) in by_surface.items()}, merged
        for surface, (refs, defs) in list(by_surface.items()):
            renames = {name: f"{surface}_{name}" for name in defs if name in clashing}
            by_surface[surface] = (
                {key: _renamed(schema, renames) for key, schema in refs.items()},
                {renames.get(name, name): _renamed(schema, renames) for name, schema in defs.items()},
            )


# --- error answers --------------------------------------------------------------------------------
# Each contract's error body as `errors.py` renders it, so that every 4xx can be held to a schema.

VALIDATION_ITEM = "ValidationErrorItem"
FIELD_MESSAGES = {"type": "array", "items": {"type": "string"}}
DETAIL = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"$ref": REF_PREFIX + VALIDATION_ITEM}}]}
ADVISOR_ERROR: Schema = {
    "type": "object",
    "required": ["code", "message", "details"],
    "properties": {
        "code": {"type": "string", "enum": sorted(set(ADVISOR_CODES.values()))},
        "message": {"type": "string"},
        "details": {"type": "object"},
    },
}
ERROR_SCHEMAS: dict[str, Schema] = {
    VALIDATION_ITEM: {  # pydantic's error as FastAPI lists it
        "type": "object",
        "required": ["loc", "msg", "type"],
        "properties": {
            "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
            "msg": {"type": "string"},
            "type": {"type": "string"},
        },
    },
    "DetailError": {"type": "object", "required": ["detail"], "properties": {"detail": DETAIL}},
    "FreeMarketError": {
        "type": "object",
        "required": ["detail", "status_code", "error_type"],
        "properties": {
            "detail": {"type": "string"},
            "status_code": {"type": "integer"},
            "error_type": {"type": "string", "enum": sorted(set(FREEMARKET_ERROR_TYPES.values()))},
        },
    },
    "MembershipAutoError": {  # DRF: the message, and a list of messages per field a validation names
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}},
        "additionalProperties": FIELD_MESSAGES,
    },
    "CarAdvisorError": {"type": "object", "required": ["error"], "properties": {"error": ADVISOR_ERROR}},
    "SharedAuthError": {
        "type": "object",
        "required": ["detail", "error"],
        "properties": {"detail": DETAIL, "error": ADVISOR_ERROR},
    },
}
ERROR_BODY: dict[ErrorFormat, str] = {
    detail_only: "DetailError",
    freemarket: "FreeMarketError",
    garage: "MembershipAutoError",
    advisor: "CarAdvisorError",
    autos_and_advisor: "SharedAuthError",
}
HEADERS: dict[str, Schema] = {
    "RequestId": {
        "description": "The request's id, as the logs name it",
        "required": True,
        "schema": {"type": "string"},
    },
    "RetryAfter": {
        "description": "Seconds to wait",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    },
}
REQUEST_ID = {"$ref": "#/components/headers/RequestId"}
RETRY_AFTER = {"$ref": "#/components/headers/RetryAfter"}


# --- event streams -------------------------------------------------------------------------------
# A Server-Sent Events answer is a stream of events, not one body: OpenAPI 3.1 has no keyword for
# that, so the schema describes one event as an EventSource delivers it (OpenAPI 3.2's convention,
# which tools reading 3.1 documents, schemathesis among them, already follow).

EVENT_STREAM = "text/event-stream"
SSE_EVENT = "ServerSentEvent"
STREAM_SCHEMAS: dict[str, Schema] = {
    SSE_EVENT: {
        "type": "object",
        "description": "One event of the stream; its `data` is a JSON document.",
        "required": ["data"],
        "properties": {
            "data": {"type": "string", "contentMediaType": "application/json"},
            "event": {"type": "string"},
            "id": {
                "type": "string",
                "description": "What a reconnecting client sends back as `Last-Event-ID`",
            },
            "retry": {
                "type": "integer",
                "minimum": 0,
                "description": "Milliseconds to wait before reconnecting",
            },
        },
    },
}
# Every schema the document adds to the models' own.
OWN_SCHEMAS: dict[str, Schema] = {**ERROR_SCHEMAS, **STREAM_SCHEMAS}


# Refused by the HTTP parser before any route is known (edge/server.py), so in the format of paths the
# edge does not know, on every route.
BEFORE_ROUTING = {414: "DetailError", 431: "DetailError"}


def _edge_errors(ep: Endpoint) -> set[int]:
    """What the edge may answer on a route whatever the route declares."""
    if 101 in ep.responses:
        return {400, *BEFORE_ROUTING}  # 400: a plain request to a WebSocket endpoint, not a handshake
    # Control characters in the query or path (edge/plain_text.py), on any route: 422 where the
    # contract answers its schema errors that way.
    implied = {422 if 422 in ep.responses else 400, *BEFORE_ROUTING}
    if ep.auth:
        implied.add(401)
    if ep.body is not None:
        implied.add(413)  # over `edge.max_body_bytes`
    if any(400 <= status < 500 for status in ep.responses):
        implied.add(503)  # a route that can fail asks a worker, which may not answer in time
    return implied


def _error_response(ep: Endpoint, status: int) -> Schema:
    body = BEFORE_ROUTING.get(status) or ERROR_BODY.get(ep.surface.error_format)
    if body is None:
        raise ValueError(f"no schema for the error body of surface {ep.surface.name!r}")
    response: Schema = {"content": {"application/json": {"schema": {"$ref": REF_PREFIX + body}}}}
    if status in (429, 503):
        response["headers"] = {"Retry-After": RETRY_AFTER}
    return response


def _responses(ep: Endpoint, refs: dict[ModelKey, Schema], *, streams: bool) -> dict[str, Schema]:
    declared: dict[int, type[BaseModel] | None] = {status: None for status in _edge_errors(ep)}
    declared.update(ep.responses)
    responses: dict[str, Schema] = {}
    for status, model in sorted(declared.items()):
        response: Schema = {"description": STATUS_TEXT.get(status, str(status))}
        if model is not None:
            response["content"] = {"application/json": {"schema": refs[(model, "serialization")]}}
        elif status == 200 and streams:
            response["content"] = {EVENT_STREAM: {"schema": {"$ref": REF_PREFIX + SSE_EVENT}}}
        elif status >= 400:
            response.update(_error_response(ep, status))
        if status != 101:  # set by the request middleware, which an upgrade has left behind
            response["headers"] = {"X-Request-ID": REQUEST_ID, **response.get("headers", {})}
        responses[str(status)] = response
    return responses


def _operation_id(ep: Endpoint, taken: set[str]) -> str:
    base = f"{ep.surface.name}_{getattr(ep.handler, '__name__', 'handler')}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    taken.add(candidate)
    return candidate


# Ids their contract does not number: FreeMarket's exchanges are `mutual_{user_a}_{user_b}_{item_a}_{item_b}`.
TEXT_IDS: dict[str, Schema] = {"exchange_id": {"type": "string", "pattern": r"^mutual_\d+_\d+_\d+_\d+$"}}


def _path_parameters(path: str) -> list[Schema]:
    params = []
    for name in PATH_PARAM.findall(path):
        is_id = name == "id" or name.endswith("_id")
        schema = TEXT_IDS.get(name) or {"type": "integer" if is_id else "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _query_parameters(ref: Schema, schemas: dict[str, Schema]) -> list[Schema]:
    # The query model was generated with the others, so nested refs (enums...) point into components.
    model = schemas[ref["$ref"].removeprefix(REF_PREFIX)]
    required = set(model.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in model.get("properties", {}).items()
    ]


def _template(path: str) -> str:
    """The OpenAPI path template: no aiohttp regex (`{id:\\d+}` -> `{id}`)."""
    return PATH_PARAM.sub(r"{\1}", path)


def build_openapi(
    endpoints: list[Endpoint],
    *,
    title: str,
    version: str,
    description: str,
    event_streams: Collection[str] = (),
) -> dict[str, Any]:
    """The document of `endpoints`; the GET routes at `event_streams` (path templates) answer 200 with
    Server-Sent Events."""
    if unknown := set(event_streams) - {_template(ep.path) for ep in endpoints if ep.method == "GET"}:
        raise ValueError(f"event streams that are no GET route: {sorted(unknown)}")
    refs, schemas = _hoist(_schemas_by_surface(endpoints))
    if clash := OWN_SCHEMAS.keys() & schemas.keys():
        raise ValueError(f"models named like the document's own schemas: {sorted(clash)}")
    schemas = {**schemas, **OWN_SCHEMAS}
    paths: dict[str, dict[str, Any]] = {}
    taken: set[str] = set()
    tags: dict[str, None] = {}
    for ep in endpoints:
        surface_refs = refs[ep.surface.name]
        tags[ep.surface.title] = None
        operation: dict[str, Any] = {
            "operationId": _operation_id(ep, taken),
            "summary": ep.summary,
            "tags": [ep.surface.title],
        }
        params = _path_parameters(ep.path)
        if ep.query is not None:
            params += _query_parameters(surface_refs[(ep.query, "validation")], schemas)
        if params:
            operation["parameters"] = params
        if ep.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {ep.content_type: {"schema": surface_refs[(ep.body, "validation")]}},
            }
        path = _template(ep.path)
        streams = ep.method == "GET" and path in event_streams
        operation["responses"] = _responses(ep, surface_refs, streams=streams)
        if ep.auth:
            operation["security"] = [{"bearerAuth": []}]
        paths.setdefault(path, {})[ep.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "tags": [{"name": name} for name in tags],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "headers": HEADERS,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
