"""FreeMarket (seeds/001): the category system, "Categories API (v6)", served from the market domain
(`GetBarterCategories`; the versions are data files, storage/reference/barter_categories).

- `GET /v1/categories?version=`: the version's categories by exchange type; `version` defaults to the
  current one (v6.0), as the document says.
- `GET /v1/categories/{exchange_type}` and `GET /v1/categories/groups/{exchange_type}`: one exchange
  type's categories in their order, or its groups (each once, in the order their first category has).
  `exchange_type` is `permanent` or `temporary` (any case).
- An unknown exchange type or version answers 404 `not_found` in the document's error body.
- The answers are the same for everyone and change only with a deploy: they carry an ETag and a
  `Cache-Control` lifetime (`[barter] categories_max_age_s`), and a client holding them gets 304.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, RootModel

from nodes.edge.http import SurfaceRoutes, read_query
from nodes.edge.kit.caching import cached_json
from nodes.edge.state import BUS, SETTINGS
from protocols.envelope import DomainError, ErrorCode
from protocols.fields import CategoryVersion
from protocols.market_barter import BarterCategories, BarterCategory, GetBarterCategories

from .errors import SURFACE

routes = SurfaceRoutes(SURFACE)
EXCHANGE_TYPES = ("permanent", "temporary")


class VersionQuery(BaseModel):
    version: CategoryVersion | None = None


class CategoriesByType(BaseModel):
    permanent: list[BarterCategory]
    temporary: list[BarterCategory]


class CategoriesOut(BaseModel):
    version: str
    description: str
    categories: CategoriesByType


class CategoryListOut(RootModel[list[BarterCategory]]):
    pass


class GroupsOut(BaseModel):
    groups: list[str]


async def version_asked(request: web.Request) -> BarterCategories:
    query = read_query(request, VersionQuery)
    return await request.app[BUS].request(GetBarterCategories(version=query.version))


def of_type(request: web.Request, categories: BarterCategories) -> list[BarterCategory]:
    given = request.match_info["exchange_type"]
    exchange_type = given.lower()
    if exchange_type not in EXCHANGE_TYPES:
        raise DomainError(ErrorCode.NOT_FOUND, f"Unknown exchange type '{given}': permanent or temporary")
    listed: list[BarterCategory] = getattr(categories, exchange_type)
    return listed


def cached(request: web.Request, data: object) -> web.Response:
    return cached_json(request, data, max_age_s=request.app[SETTINGS].barter.categories_max_age_s)


@routes.get(
    "/v1/categories", query=VersionQuery, responses={200: CategoriesOut, 304: None, 400: None, 404: None}
)
async def all_categories(request: web.Request) -> web.Response:
    """The category system's version (the current one by default), its categories by exchange type."""
    categories = await version_asked(request)
    by_type = CategoriesByType(permanent=categories.permanent, temporary=categories.temporary)
    out = CategoriesOut(version=categories.version, description=categories.description, categories=by_type)
    return cached(request, out)


@routes.get("/v1/categories/groups/{exchange_type}", query=VersionQuery,
            responses={200: GroupsOut, 304: None, 400: None, 404: None})  # fmt: skip
async def category_groups(request: web.Request) -> web.Response:
    """One exchange type's category groups, each once, in order."""
    listed = of_type(request, await version_asked(request))
    return cached(request, GroupsOut(groups=list(dict.fromkeys(category.group for category in listed))))


@routes.get("/v1/categories/{exchange_type}", query=VersionQuery,
            responses={200: CategoryListOut, 304: None, 400: None, 404: None})  # fmt: skip
async def categories_of_type(request: web.Request) -> web.Response:
    """One exchange type's categories (`permanent` or `temporary`), in order."""
    listed = of_type(request, await version_asked(request))
    return cached(request, CategoryListOut(listed))
