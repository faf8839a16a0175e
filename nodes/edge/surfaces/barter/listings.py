"""FreeMarket (seeds/001): "Listings Exchange", `/user/listings` and the partial update (`PATCH`), on the
market domain's barter vertical (protocols.market_barter). What the document calls a listing is a
barter list (a user's wants and offers made in one go); each of its items is a listing of the one
listing model, and the lists below show items.

Choices where the document is silent:
- Every call that writes needs the token (the document's PATCH example has none: 401). The acting user
  is the token's: a `user_id` query naming anyone else is refused 403 `permission_denied`, never obeyed.
  Another user's list answers 404 like a missing one.
- Writes (create-by-categories, create, PATCH) are rate limited per user, counted across every edge:
  `[barter] write_limit` per `write_window_s` (30 a minute by default); past it 429
  `rate_limit_exceeded` with `Retry-After`.
- `create-by-categories` groups items by exchange type (`PERMANENT`, `TEMPORARY`), `PATCH` by category
  slug (of the current category version, `/v1/categories`); an item under a slug takes `exchange_type`
  and the slug must be one of that type's. Left out (as the document's curl example does), it is the
  category's own type, PERMANENT for a slug that names a category of both types (or of neither: 400). Any item may name a `category` slug itself in `create-by-categories` and `create`.
  A TEMPORARY item needs `duration_days` (1..365); a PERMANENT one may not have it. `value_tenge` is
  0 or more. At most 50 items are added, and 50 removed, per request; anything else is 400
  `validation_error` and nothing is stored.
- `PATCH` adds and removes in one transaction: an item to remove that is not in the list answers 404,
  one removed already 409, and nothing changes. `current_counts` are the list's active items after it.
- Lists (`wants`, `offers`, `user/{user_id}`, `/user/listings`) take `skip`, `limit` (1..100, default
  20), `sort` (`created`, `value`, `name`) and `order` (`asc`, `desc`; default `desc`), and show active
  items; `/user/listings` (and `user/{your id}`) shows your own in every status. An item is the
  document's `/user/listings` shape (`id`, `title`, `description`, `user_id`, `exchange_type`,
  `created_at`) with `item_type`, `item_name`, `value_tenge`, `duration_days`, `category`,
  `listing_id` (its list) and `status` beside them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, RootModel

from nodes.edge.http import SurfaceRoutes, json_response, path_int, read_body, read_query
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS, LIMITER, SETTINGS, actor_of
from nodes.runtime.ratelimit import Rule
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.fields import (
    BARTER_ITEMS_MAX,
    BarterItemCount,
    BarterSlug,
    DurationDays,
    Id,
    ItemDescription,
    ItemName,
    Offset,
    PageSize,
    Price,
)
from protocols.market_barter import (
    AddBarterItem,
    BarterItem,
    BarterSort,
    CreateBarterList,
    ExchangeType,
    GetBarterCategories,
    ItemSide,
    ListBarterItems,
    NewBarterItem,
    UpdateBarterList,
)

from .errors import SURFACE

routes = SurfaceRoutes(SURFACE)
UPDATED = "Listing updated successfully with incremental matching triggered"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ItemBody(Strict):
    item_name: ItemName
    value_tenge: Price
    description: ItemDescription | None = None
    duration_days: DurationDays | None = None
    category: BarterSlug | None = None


class ByExchangeType(Strict):
    PERMANENT: list[ItemBody] = Field(default_factory=list)
    TEMPORARY: list[ItemBody] = Field(default_factory=list)


class CreateByCategoriesBody(Strict):
    wants: ByExchangeType = Field(default_factory=ByExchangeType)
    offers: ByExchangeType = Field(default_factory=ByExchangeType)


class CreateBody(ItemBody):
    item_type: ItemSide
    exchange_type: ExchangeType


class PatchItemBody(Strict):
    item_name: ItemName
    value_tenge: Price
    exchange_type: ExchangeType | None = None  # the category's, when left out
    description: ItemDescription | None = None
    duration_days: DurationDays | None = None


class PatchBody(Strict):
    wants: dict[BarterSlug, list[PatchItemBody]] = Field(default_factory=dict)
    offers: dict[BarterSlug, list[PatchItemBody]] = Field(default_factory=dict)
    remove_items: Annotated[list[Id], BarterItemCount] = Field(default_factory=list)


class UserQuery(BaseModel):
    user_id: int | None = None


class ListQuery(BaseModel):
    skip: Offset = 0
    limit: PageSize = 20
    sort: BarterSort = BarterSort.CREATED
    order: Literal["asc", "desc"] = "desc"


class CreatedItemOut(BaseModel):
    id: int
    item_type: ItemSide
    exchange_type: ExchangeType
    item_name: str
    value_tenge: int
    duration_days: int | None
    description: str | None
    category: str | None


class CreatedListOut(BaseModel):
    id: int
    user_id: int
    created_at: datetime
    listings: list[CreatedItemOut]


class CreatedOut(BaseModel):
    id: int
    item_type: ItemSide
    exchange_type: ExchangeType
    item_name: str
    value_tenge: int
    description: str | None
    user_id: int
    created_at: datetime
    duration_days: int | None
    category: str | None
    listing_id: int


class ListingOut(BaseModel):
    id: int
    title: str
    description: str | None
    user_id: int
    exchange_type: ExchangeType
    created_at: datetime
    item_type: ItemSide
    item_name: str
    value_tenge: int
    duration_days: int | None
    category: str | None
    listing_id: int
    status: str


class ListingListOut(RootModel[list[ListingOut]]):
    pass


class CountsOut(BaseModel):
    wants: int
    offers: int


class PatchedOut(BaseModel):
    status: Literal["success"] = "success"
    listing_id: int
    user_id: int
    items_added: int
    items_removed: int
    current_counts: CountsOut
    message: str = UPDATED


def listing_out(item: BarterItem) -> ListingOut:
    return ListingOut(
        id=item.id, title=item.item_name, description=item.description, user_id=item.owner_id,
        exchange_type=item.exchange_type, created_at=item.created_at, item_type=item.side,
        item_name=item.item_name, value_tenge=item.value_tenge, duration_days=item.duration_days,
        category=item.category, listing_id=item.list_id, status=item.status.value,
    )  # fmt: skip


def created_item_out(item: BarterItem) -> CreatedItemOut:
    return CreatedItemOut(
        id=item.id, item_type=item.side, exchange_type=item.exchange_type, item_name=item.item_name,
        value_tenge=item.value_tenge, duration_days=item.duration_days, description=item.description,
        category=item.category,
    )  # fmt: skip


def new_item(
    side: ItemSide, exchange_type: ExchangeType, body: ItemBody | PatchItemBody, category: str | None
) -> NewBarterItem:
    return NewBarterItem(
        side=side, exchange_type=exchange_type, category=category, item_name=body.item_name,
        description=body.description, value_tenge=body.value_tenge, duration_days=body.duration_days,
    )  # fmt: skip


def at_most(items: list[NewBarterItem], what: str) -> list[NewBarterItem]:
    if len(items) > BARTER_ITEMS_MAX:
        raise DomainError(ErrorCode.VALIDATION, f"At most {BARTER_ITEMS_MAX} items are {what} at once")
    return items


async def writer(request: web.Request) -> Actor:
    """The signed-in user, counted against the write limit; a `user_id` naming anyone else is refused."""
    actor = require_actor(request)
    asked = read_query(request, UserQuery).user_id
    if asked is not None and asked != actor.user_id:
        raise DomainError(ErrorCode.FORBIDDEN, "You may only change your own listings")
    settings = request.app[SETTINGS].barter
    rule = Rule("barter_write_user", limit=settings.write_limit, window_s=settings.write_window_s)
    await request.app[LIMITER].hit(rule, str(actor.user_id))
    return actor


WRITES = {400: None, 401: None, 403: None, 429: None}


@routes.post("/api/listings/create-by-categories", body=CreateByCategoriesBody, auth=True,
             responses={201: CreatedListOut, **WRITES})  # fmt: skip
async def create_by_categories(request: web.Request) -> web.Response:
    """A new listing of wants and offers, grouped by exchange type."""
    actor = await writer(request)
    body = await read_body(request, CreateByCategoriesBody)
    items = [
        new_item(side, exchange_type, item, item.category)
        for side, grouped in ((ItemSide.WANT, body.wants), (ItemSide.OFFER, body.offers))
        for exchange_type in ExchangeType
        for item in getattr(grouped, exchange_type.value)
    ]
    if not items:
        raise DomainError(ErrorCode.VALIDATION, "Give at least one want or offer")
    created = await request.app[BUS].request(CreateBarterList(items=at_most(items, "listed")), actor=actor)
    listings = [created_item_out(item) for item in created.items]
    out = CreatedListOut(
        id=created.id, user_id=created.owner_id, created_at=created.created_at, listings=listings
    )
    return json_response(out, status=201)


@routes.post("/api/listings/create", body=CreateBody, auth=True, responses={201: CreatedOut, **WRITES})
async def create_item(request: web.Request) -> web.Response:
    """One want or offer, into your newest listing (a new one when you have none)."""
    actor = await writer(request)
    body = await read_body(request, CreateBody)
    item = new_item(body.item_type, body.exchange_type, body, body.category)
    created = await request.app[BUS].request(AddBarterItem(item=item), actor=actor)
    out = CreatedOut(
        id=created.id, item_type=created.side, exchange_type=created.exchange_type,
        item_name=created.item_name, value_tenge=created.value_tenge, description=created.description,
        user_id=created.owner_id, created_at=created.created_at, duration_days=created.duration_days,
        category=created.category, listing_id=created.list_id,
    )  # fmt: skip
    return json_response(out, status=201)


async def types_of(request: web.Request, body: PatchBody) -> dict[str, ExchangeType]:
    """The exchange type an item under each slug takes when it names none: the category's own; only
    asked of the category system when some item leaves it out."""
    untyped = {slug for grouped in (body.wants, body.offers) for slug, items in grouped.items()
               if any(item.exchange_type is None for item in items)}  # fmt: skip
    if not untyped:
        return {}
    current = await request.app[BUS].request(GetBarterCategories())
    temporary_only = {c.slug for c in current.temporary} - {c.slug for c in current.permanent}
    return {
        slug: ExchangeType.TEMPORARY if slug in temporary_only else ExchangeType.PERMANENT for slug in untyped
    }


async def patch_listing(request: web.Request) -> web.Response:
    actor = await writer(request)
    list_id = path_int(request, "listing_id")
    if list_id < 1:
        raise DomainError(ErrorCode.NOT_FOUND, "Listing not found")
    body = await read_body(request, PatchBody)
    types = await types_of(request, body)
    add = [
        new_item(side, item.exchange_type or types[slug], item, slug)
        for side, grouped in ((ItemSide.WANT, body.wants), (ItemSide.OFFER, body.offers))
        for slug, items in grouped.items()
        for item in items
    ]
    cmd = UpdateBarterList(list_id=list_id, add=at_most(add, "added"), remove_item_ids=body.remove_items)
    updated = await request.app[BUS].request(cmd, actor=actor)
    counts = CountsOut(wants=updated.wants, offers=updated.offers)
    out = PatchedOut(
        listing_id=updated.list_id, user_id=updated.owner_id, items_added=updated.items_added,
        items_removed=updated.items_removed, current_counts=counts,
    )  # fmt: skip
    return json_response(out)


PATCHES = {200: PatchedOut, **WRITES, 404: None, 409: None}
routes.patch("/api/listings/{listing_id}", body=PatchBody, query=UserQuery, auth=True, responses=PATCHES,
             summary="Add items to your listing by category and remove some, all or nothing")(patch_listing)  # fmt: skip
routes.patch("/listings/{listing_id}", body=PatchBody, query=UserQuery, auth=True, responses=PATCHES,
             summary="The same, at the document's other path")(patch_listing)  # fmt: skip


async def listed(request: web.Request, side: ItemSide | None, owner_id: int | None) -> web.Response:
    query = read_query(request, ListQuery)
    cmd = ListBarterItems(
        side=side, owner_id=owner_id, sort=query.sort, descending=query.order == "desc", offset=query.skip,
        limit=query.limit,
    )  # fmt: skip
    page = await request.app[BUS].request(cmd, actor=actor_of(request))
    return json_response(ListingListOut([listing_out(item) for item in page.items]))


LISTS = {200: ListingListOut, 400: None}


@routes.get("/api/listings/wants", query=ListQuery, responses=LISTS)
async def wants(request: web.Request) -> web.Response:
    """Everyone's active wants (what people need)."""
    return await listed(request, ItemSide.WANT, None)


@routes.get("/api/listings/offers", query=ListQuery, responses=LISTS)
async def offers(request: web.Request) -> web.Response:
    """Everyone's active offers (what people have)."""
    return await listed(request, ItemSide.OFFER, None)


@routes.get("/api/listings/user/{user_id}", query=ListQuery, responses={**LISTS, 404: None})
async def users_items(request: web.Request) -> web.Response:
    """A user's active wants and offers (all of yours, when it is you)."""
    user_id = path_int(request, "user_id")
    if user_id < 1:  # no account has it
        return json_response(ListingListOut([]))
    return await listed(request, None, user_id)


@routes.get("/user/listings", query=ListQuery, auth=True, responses={**LISTS, 401: None})
async def my_items(request: web.Request) -> web.Response:
    """Your wants and offers, in every status."""
    return await listed(request, None, require_actor(request).user_id)
