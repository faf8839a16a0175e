"""Realty (003) sections 9-10, properties, on the market's realty vertical (protocols.market_realty).

- `POST /properties/create` (realtor, agency, developer; anyone else 403 before the form is read): a
  multipart form with every documented field, plus optional `city` and `district`. Words are read in
  English or Russian (vocabulary.py). Required: deal_format, type, location, price, currency, title.
  Files as property_files.py says. 200 with the stored property, its files' URLs under the document's
  field names, and `place_note` when its city or district could not be found.
- `GET /properties/my_properties/` (the same roles): all the caller's properties, archived ones
  too, newest first (at most 1000).

Where the document is silent:
- `GET /properties/{property_id}`: a property's public page (no token needed); an archived one is
  its owner's only.
- `PUT /properties/{property_id}` (the owner; anyone else's is 404): the same multipart form, every
  field optional; a field sent empty clears it (not a required one); files sent are added (a layout
  replaces the one there); `remove_files` ("3,7") removes files by id.
- `POST /properties/{property_id}/archive` and `/restore` (the owner): hidden from everyone else and
  from matching, then shown (and matched) again.
- `GET /properties/search`: active properties, with a buyer request's fields as filters (city,
  district, deal_format, type, subtype, condition, construction_year, construction_quarter,
  total_rooms, total_area_min/max, budget_min/max with currency) plus sort, skip and limit; a bare
  list, the number matching in all in `X-Total-Count`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.config import JsonDict

from nodes.edge.http import SurfaceRoutes, json_response, read_query
from nodes.edge.kit.fastapi import path_id
from nodes.edge.kit.forms import bad_form
from nodes.edge.session_http import require_actor
from nodes.edge.state import ACTOR, BUS
from nodes.runtime.bus import Bus
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.fields import (
    AdTitle,
    Offset,
    PageSize,
    PropertyAddress,
    PropertyNote,
    PropertyPrice,
)
from protocols.market_realty import (
    LISTER_ROLES,
    ArchiveProperty,
    CreateProperty,
    GetProperty,
    ListMyProperties,
    Property,
    PropertyFields,
    PropertySort,
    RestoreProperty,
    SearchProperties,
    UpdateProperty,
)

from .criteria import RequestCriteria
from .errors import SURFACE
from .property_files import property_form
from .property_shapes import PropertyListOut, PropertyOut, property_list, property_out
from .vocabulary import (
    CONDITION_WORD,
    CURRENCY_WORD,
    DEAL_FORMAT_WORD,
    PROPERTY_SUBTYPE_WORD,
    PROPERTY_TYPE_WORD,
    PURPOSE_WORD,
    rooms_wanted,
)

routes = SurfaceRoutes(SURFACE)
M = TypeVar("M", bound=BaseModel)

ALL_MAX = 1000
PAGE = 100
BINARY: JsonDict = {"format": "binary"}


class PropertyChange(PropertyFields):
    """The form's text fields, every one optional, words read in English or Russian."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    deal_format: DEAL_FORMAT_WORD | None = None
    type: PROPERTY_TYPE_WORD | None = None
    subtype: PROPERTY_SUBTYPE_WORD | None = None
    condition: CONDITION_WORD | None = None
    purpose: PURPOSE_WORD | None = None
    currency: CURRENCY_WORD | None = None


class NewProperty(PropertyChange):
    deal_format: DEAL_FORMAT_WORD
    type: PROPERTY_TYPE_WORD
    location: PropertyAddress
    price: PropertyPrice
    currency: CURRENCY_WORD
    title: AdTitle


class PropertyFiles(BaseModel):
    """The form's files, for the OpenAPI document."""

    images: list[str] = Field(default_factory=list, json_schema_extra={"items": BINARY})
    layout: str | None = Field(default=None, json_schema_extra=BINARY)
    building_layout: str | None = Field(default=None, json_schema_extra=BINARY)
    territory_layout: str | None = Field(default=None, json_schema_extra=BINARY)
    document_file1: str | None = Field(default=None, json_schema_extra=BINARY)
    document_file2: str | None = Field(default=None, json_schema_extra=BINARY)
    document_file3: str | None = Field(default=None, json_schema_extra=BINARY)


class NewPropertyDoc(NewProperty, PropertyFiles):
    """`/properties/create` as documented: the text fields and the files (PDF documents)."""


class PropertyChangeDoc(PropertyChange, PropertyFiles):
    remove_files: PropertyNote | None = Field(default=None, description="Ids of files to remove: 3,7")


class PropertySearchQuery(RequestCriteria):
    """A buyer request's fields as filters; every one optional."""

    sort: PropertySort = PropertySort.NEWEST
    skip: Offset = 0
    limit: PageSize = 20


TEXT_FIELDS = frozenset(PropertyChange.model_fields)
RESPONSES: dict[int, type[BaseModel] | None] = {200: PropertyOut, 400: None, 401: None, 403: None, 404: None}
FILE_RESPONSES: dict[int, type[BaseModel] | None] = {**RESPONSES, 413: None}


def validated(model: type[M], fields: dict[str, Any]) -> M:
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise bad_form(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None


def file_ids(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise bad_form("remove_files: file ids separated by commas") from None


# --- writing ---------------------------------------------------------------------------------------


@routes.post("/properties/create", auth=True, body=NewPropertyDoc, content_type="multipart/form-data",
             responses=FILE_RESPONSES)  # fmt: skip
async def create_property(request: web.Request) -> web.Response:
    """Create a property (realtor, agency, developer) with its images, layouts and PDF documents."""
    actor = require_actor(request)
    if actor.role not in LISTER_ROLES:
        raise DomainError(ErrorCode.FORBIDDEN, "Only realtors, agencies and developers can create properties")
    async with property_form(request, TEXT_FIELDS) as form:
        given = {name: value for name, value in form.fields.items() if value != ""}
        fields = validated(NewProperty, given).model_dump(exclude_unset=True)
        item = await request.app[BUS].request(CreateProperty(**fields, files=form.files), actor=actor)
    return json_response(property_out(item))


@routes.put("/properties/{property_id}", auth=True, body=PropertyChangeDoc,
            content_type="multipart/form-data", responses=FILE_RESPONSES)  # fmt: skip
async def update_property(request: web.Request) -> web.Response:
    """Change a property (its owner): the fields sent, files added, `remove_files` removed."""
    actor, property_id = require_actor(request), path_id(request, "property_id")
    async with property_form(request, TEXT_FIELDS | {"remove_files"}) as form:
        removed = file_ids(form.fields.pop("remove_files", ""))
        given = {name: None if value == "" else value for name, value in form.fields.items()}
        fields = validated(PropertyChange, given).model_dump(exclude_unset=True)
        cmd = UpdateProperty(
            property_id=property_id, changed=sorted(fields), **fields, add_files=form.files,
            remove_file_ids=removed,
        )  # fmt: skip
        item = await request.app[BUS].request(cmd, actor=actor)
    return json_response(property_out(item))


@routes.post("/properties/{property_id}/archive", auth=True, responses=RESPONSES)
async def archive_property(request: web.Request) -> web.Response:
    """Archive a property (its owner): no longer shown or matched."""
    cmd = ArchiveProperty(property_id=path_id(request, "property_id"))
    return json_response(property_out(await request.app[BUS].request(cmd, actor=require_actor(request))))


@routes.post("/properties/{property_id}/restore", auth=True, responses=RESPONSES)
async def restore_property(request: web.Request) -> web.Response:
    """Show an archived property again (its owner)."""
    cmd = RestoreProperty(property_id=path_id(request, "property_id"))
    return json_response(property_out(await request.app[BUS].request(cmd, actor=require_actor(request))))


# --- reading ---------------------------------------------------------------------------------------


async def all_mine(bus: Bus, actor: Actor) -> list[Property]:
    items: list[Property] = []
    while len(items) < ALL_MAX:
        page = await bus.request(ListMyProperties(offset=len(items), limit=PAGE), actor=actor)
        items += page.items
        if len(page.items) < PAGE:
            break
    return items


async def my_properties(request: web.Request) -> web.Response:
    """The current user's properties (realtor, agency, developer), newest first."""
    return json_response(property_list(await all_mine(request.app[BUS], require_actor(request))))


for _path in ("/properties/my_properties/", "/properties/my_properties"):
    routes.get(_path, auth=True, responses={200: PropertyListOut, 401: None, 403: None})(my_properties)


@routes.get("/properties/search", query=PropertySearchQuery, responses={200: PropertyListOut, 400: None})
async def search_properties(request: web.Request) -> web.Response:
    """Search active properties with a buyer request's fields as filters; the total in X-Total-Count."""
    query = read_query(request, PropertySearchQuery)
    rooms = rooms_wanted(query.total_rooms) if query.total_rooms else (None, None)
    if rooms is None:
        raise bad_form('total_rooms: "студия", a number, "4+" or "2-3"')
    criteria = query.model_dump(exclude_none=True, exclude={"total_rooms", "skip", "limit"})
    cmd = SearchProperties(
        **criteria, rooms_min=rooms[0], rooms_max=rooms[1], offset=query.skip, limit=query.limit
    )
    page = await request.app[BUS].request(cmd, actor=request.get(ACTOR))
    return json_response(property_list(page.items), headers={"X-Total-Count": str(page.total)})


@routes.get("/properties/{property_id}", responses={200: PropertyOut, 400: None, 404: None})
async def get_property(request: web.Request) -> web.Response:
    """A property's public page."""
    cmd = GetProperty(property_id=path_id(request, "property_id"))
    return json_response(property_out(await request.app[BUS].request(cmd, actor=request.get(ACTOR))))
