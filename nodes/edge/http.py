"""Declaring routes with their request and response models, reading bodies, writing orjson.

A route declared here is mounted on the app and described in the OpenAPI document from the same
declaration, so the docs cannot drift from what is served.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from protocols.envelope import DomainError, ErrorCode, require_plain_text
from protocols.fields import INT32_MAX

from .errors import ErrorFormat, detail_only

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
B = TypeVar("B", bound=BaseModel)


@dataclass(frozen=True)
class Surface:
    """One contract: its name, its error body and its docs tag."""

    name: str
    title: str
    error_format: ErrorFormat = detail_only


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    surface: Surface
    summary: str = ""
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    responses: dict[int, type[BaseModel] | None] = field(default_factory=dict)
    auth: bool = False
    content_type: str = "application/json"


class SurfaceRoutes:
    """The routes of one surface, each declared with its models."""

    def __init__(self, surface: Surface) -> None:
        self.surface = surface
        self.endpoints: list[Endpoint] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str = "",
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        responses: dict[int, type[BaseModel] | None] | None = None,
        auth: bool = False,
        content_type: str = "application/json",
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.endpoints.append(
                Endpoint(
                    method=method.upper(),
                    path=path,
                    handler=handler,
                    surface=self.surface,
                    summary=summary or (handler.__doc__ or "").strip().split("\n")[0],
                    body=body,
                    query=query,
                    responses=responses or {200: None},
                    auth=auth,
                    content_type=content_type,
                )
            )
            return handler

        return register

    def get(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, **kw)


def _validation_error(exc: ValidationError) -> DomainError:
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    first = errors[0] if errors else {"loc": (), "msg": "invalid"}
    where = ".".join(str(p) for p in first.get("loc", ()))
    message = f"{where}: {first['msg']}" if where else str(first["msg"])
    return DomainError(ErrorCode.VALIDATION, message, {"errors": errors})


async def read_body(request: web.Request, model: type[B]) -> B:
    """The JSON body as `model`, or a validation error in the surface's own format (text holding
    control characters is one: see protocols/fields.py)."""
    try:
        raw = await request.read()
    except web.RequestPayloadError:  # a body its Content-Encoding does not decode
        raise DomainError(ErrorCode.VALIDATION, "request body could not be decoded") from None
    try:
        data = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        raise DomainError(ErrorCode.VALIDATION, "request body is not valid JSON") from None
    require_plain_text(data, raw)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc) from None


def read_query(request: web.Request, model: type[B]) -> B:
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as exc:
        raise _validation_error(exc) from None


def path_int(request: web.Request, name: str) -> int:
    """A row's id in the path (1 and up); anything else is simply not there."""
    value = request.match_info[name]
    if not value.isdigit() or len(value) > 10 or not 1 <= int(value) <= INT32_MAX:  # 32-bit columns
        raise DomainError(ErrorCode.NOT_FOUND, "Not found")
    return int(value)


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    if isinstance(data, BaseModel):
        body = data.model_dump_json().encode()
    else:
        body = orjson.dumps(data)
    return web.Response(body=body, status=status, content_type="application/json", headers=headers)
