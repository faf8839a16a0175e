"""Realty (003): buyers' requests, `users/create_request` and `users/my_requests` (the document also
writes `/my_requests`: both are served), on the realty domain (protocols/realty.py).

Decisions where the document is silent:

- Only buyers (role `user`) make requests; anyone else gets 403. The words of `deal_format`, `type`,
  `subtype`, `condition`, `currency` and `purchase_purpose` are read in Russian or English
  (vocabulary.py) and answered as the one vocabulary's values ("хочу купить" is `sale`); a word not
  known is a 400 naming the known ones. `total_rooms` is "студия", a number, "N+" or "N-M"; `currency`
  is RUB when not given. `city`, `deal_format` and `type` are required.
- The answer is the stored request (`owner_id` its buyer; `rooms_min`/`rooms_max` as `total_rooms` reads)
  with its matching properties in the properties' own shape (`matches`, active ones, the newest
  matches first, at most 50; `matches_total` counts every match) and `city_found` (false: the city is
  not in the platform's places, and the request matches nothing until it is changed).
- A buyer changes his open request with `PUT users/update_request/{request_id}` (the fields given are
  set, null clears an optional one) and closes it with `POST users/close_request/{request_id}`; a closed
  request is listed still but matched no more. Another user's request answers 404 like a missing one.
"""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import Field, RootModel, model_validator

from nodes.edge.http import SurfaceRoutes, json_response, read_body
from nodes.edge.kit.fastapi import path_id
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.fields import (
    NON_EMPTY,
    PlaceName,
    RequestNote,
)
from protocols.realty import BuyerRequest, CloseRequest, CreateRequest, ListMyRequests, UpdateRequest

from .criteria import RequestCriteria
from .errors import SURFACE
from .property_shapes import PropertyOut, property_out
from .vocabulary import (
    DEAL_FORMAT_WORD,
    PROPERTY_TYPE_WORD,
    PURPOSE_WORD,
    rooms_wanted,
)

routes = SurfaceRoutes(SURFACE)

ROOMS = "total_rooms: one of студия, a number, N+ or N-M"


class RequestChanges(RequestCriteria):
    """Every field optional: what `users/update_request/{id}` sets."""

    city: Annotated[PlaceName, NON_EMPTY] | None = None
    purchase_purpose: PURPOSE_WORD | None = None
    urgency: RequestNote | None = None
    purchase_method: RequestNote | None = None
    mortgage_approved: bool | None = None
    wishes: RequestNote | None = None

    @model_validator(mode="after")
    def _rooms_read(self) -> RequestChanges:
        if self.total_rooms is not None and rooms_wanted(self.total_rooms) is None:
            raise ValueError(ROOMS)
        return self

    def command_fields(self, names: set[str]) -> dict[str, Any]:
        """The command's fields for `names` of these (total_rooms with the rooms it reads)."""
        fields = {name: getattr(self, name) for name in names}
        if "total_rooms" in names:
            rooms = rooms_wanted(self.total_rooms) if self.total_rooms is not None else None
            fields |= {"rooms_min": rooms and rooms[0], "rooms_max": rooms and rooms[1]}
        return fields


class RequestBody(RequestChanges):
    """The document's fields of `users/create_request`."""

    city: Annotated[PlaceName, NON_EMPTY]
    deal_format: DEAL_FORMAT_WORD
    type: PROPERTY_TYPE_WORD


class RequestOut(BuyerRequest):
    matches: list[PropertyOut] = Field(default_factory=list)  # type: ignore[assignment]


class RequestListOut(RootModel[list[RequestOut]]):
    pass


def request_out(request: BuyerRequest) -> RequestOut:
    matches = [property_out(item) for item in request.matches]
    return RequestOut(**request.model_dump(exclude={"matches"}), matches=matches)


# --- routes ----------------------------------------------------------------------------------------


@routes.post("/users/create_request", auth=True, body=RequestBody,
             responses={200: RequestOut, 400: None, 401: None, 403: None})  # fmt: skip
async def create_request(request: web.Request) -> web.Response:
    """Create a buyer's request for properties (role user); answered with the properties it matches."""
    body = await read_body(request, RequestBody)
    cmd = CreateRequest(**body.command_fields(set(RequestBody.model_fields)))
    return json_response(request_out(await request.app[BUS].request(cmd, actor=require_actor(request))))


async def my_requests(request: web.Request) -> web.Response:
    """The current user's requests, newest first, each with its matching properties."""
    page = await request.app[BUS].request(ListMyRequests(), actor=require_actor(request))
    return json_response(RequestListOut([request_out(item) for item in page.items]))


for _path in ("/users/my_requests", "/my_requests"):
    routes.get(_path, auth=True, responses={200: RequestListOut, 401: None})(my_requests)


@routes.put("/users/update_request/{request_id}", auth=True, body=RequestChanges,
            responses={200: RequestOut, 400: None, 401: None, 404: None, 409: None})  # fmt: skip
async def update_request(request: web.Request) -> web.Response:
    """Change an open request of the current user (the fields given; null clears an optional one)."""
    request_id = path_id(request, "request_id")
    body = await read_body(request, RequestChanges)
    changed = body.model_fields_set
    fields = body.command_fields(changed)
    cmd = UpdateRequest(**fields, request_id=request_id, changed=sorted(fields))
    return json_response(request_out(await request.app[BUS].request(cmd, actor=require_actor(request))))


@routes.post("/users/close_request/{request_id}", auth=True,
             responses={200: RequestOut, 400: None, 401: None, 404: None})  # fmt: skip
async def close_request(request: web.Request) -> web.Response:
    """Close a request of the current user: listed still, matched no more."""
    cmd = CloseRequest(request_id=path_id(request, "request_id"))
    return json_response(request_out(await request.app[BUS].request(cmd, actor=require_actor(request))))
