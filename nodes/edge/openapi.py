"""The OpenAPI 3.1 document, generated from the endpoints' declared models (built once at start)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from .http import Endpoint

PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")
REF_TEMPLATE = "#/components/schemas/{model}"
STATUS_TEXT = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 409: "Conflict", 413: "Payload Too Large", 422: "Unprocessable Entity",
    429: "Too Many Requests", 503: "Service Unavailable",
}


def _models(endpoints: list[Endpoint]) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}
    for ep in endpoints:
        if ep.body is not None:
            wanted[(ep.body, "validation")] = None
        for model in ep.responses.values():
            if model is not None:
                wanted[(model, "serialization")] = None
    return list(wanted)


def _operation_id(ep: Endpoint, taken: set[str]) -> str:
    base = f"{ep.surface.name}_{getattr(ep.handler, '__name__', 'handler')}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _path_parameters(path: str) -> list[dict[str, Any]]:
    params = []
    for name in PATH_PARAM.findall(path):
        is_id = name == "id" or name.endswith("_id")
        params.append({"name": name, "in": "path", "required": True, "schema": {"type": "integer" if is_id else "string"}})
    return params


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def build_openapi(endpoints: list[Endpoint], *, title: str, version: str, description: str) -> dict[str, Any]:
    refs, definitions = models_json_schema(_models(endpoints), ref_template=REF_TEMPLATE)
    paths: dict[str, dict[str, Any]] = {}
    taken: set[str] = set()
    tags: dict[str, None] = {}
    for ep in endpoints:
        tags[ep.surface.title] = None
        operation: dict[str, Any] = {
            "operationId": _operation_id(ep, taken),
            "summary": ep.summary,
            "tags": [ep.surface.title],
            "responses": {},
        }
        params = _path_parameters(ep.path) + (_query_parameters(ep.query) if ep.query else [])
        if params:
            operation["parameters"] = params
        if ep.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {ep.content_type: {"schema": refs[(ep.body, "validation")]}},
            }
        for status, model in sorted(ep.responses.items()):
            response: dict[str, Any] = {"description": STATUS_TEXT.get(status, str(status))}
            if model is not None:
                response["content"] = {"application/json": {"schema": refs[(model, "serialization")]}}
            operation["responses"][str(status)] = response
        if ep.auth:
            operation["security"] = [{"bearerAuth": []}]
        paths.setdefault(ep.path, {})[ep.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "tags": [{"name": name} for name in tags],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


