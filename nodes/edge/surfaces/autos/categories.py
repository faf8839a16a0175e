"""MillionAvto (000) section 3: categories under `/api/v1/categories`, on the catalog domain.

Anyone lists and reads the active categories; admins create, update and delete them (no token: 401,
another role: 403, checked before the body is read, as FastAPI's dependencies run first). A category
is `{id, parent_id, name, slug, meta_title, meta_description, position, is_active, created_at,
updated_at}`, the catalog's own fields, relayed as they come.

Choices where the document is silent:

- The list is flat, each category followed by its subcategories (`parent_id` links them), siblings by
  `position`. An inactive category (and what is under it) is listed for admins only, with
  `?include_inactive=true`, and read by id by admins only; for anyone else it is not there.
- Lists and reads carry an `ETag` and `Cache-Control` (kit/caching.py) and answer 304 to a matching
  `If-None-Match`.
- `PUT` changes the fields the body names (`null` for `parent_id` makes a category top-level). A
  parent that does not exist, or that is the category itself or under it, is 422 on `parent_id`; a
  slug taken is 409; deleting a category that still has subcategories is 409. Create answers 201,
  delete 204.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, RootModel

from nodes.edge.http import SurfaceRoutes, json_response
from nodes.edge.kit.caching import cached_json
from nodes.edge.kit.fastapi import answers_422, body_of, located, path_id, query_of
from nodes.edge.kit.rewording import reworded
from nodes.edge.session_http import require_actor
from nodes.edge.state import ACTOR, BUS
from protocols.catalog import (
    Category,
    CategoryField,
    CreateCategory,
    DeleteCategory,
    GetCategory,
    ListCategories,
    UpdateCategory,
)
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.fields import CategoryName, Id, Int32, MetaDescription, MetaTitle, Slug

from .errors import SURFACE

routes = SurfaceRoutes(SURFACE)

PREFIX = "/api/v1/categories"
MAX_AGE_S = 60  # an admin's change reaches every client within a minute
ADMIN_ONLY = {401: None, 403: None}


class CategoriesQuery(BaseModel):
    include_inactive: bool = False


class CategoryBody(BaseModel):
    name: CategoryName
    slug: Slug
    parent_id: Id | None = None
    meta_title: MetaTitle | None = None
    meta_description: MetaDescription | None = None
    position: Int32 = 0
    is_active: bool = True


class CategoryChanges(BaseModel):
    """Only the fields given change."""

    name: CategoryName | None = None
    slug: Slug | None = None
    parent_id: Id | None = None
    meta_title: MetaTitle | None = None
    meta_description: MetaDescription | None = None
    position: Int32 | None = None
    is_active: bool | None = None


CategoryListOut = RootModel[list[Category]]


def require_admin(request: web.Request) -> Actor:
    actor = require_actor(request)
    if actor.role is not Role.ADMIN:
        raise DomainError(ErrorCode.FORBIDDEN, "Admin role required")
    return actor


@routes.get(PREFIX + "/", query=CategoriesQuery,
            responses={200: CategoryListOut, 304: None, **ADMIN_ONLY, 422: None})  # fmt: skip
@answers_422
async def list_categories(request: web.Request) -> web.Response:
    """List all categories (admins: inactive ones too, with `include_inactive`)."""
    query = query_of(request, CategoriesQuery)
    actor = require_admin(request) if query.include_inactive else request.get(ACTOR)
    found = await request.app[BUS].request_json(
        ListCategories(include_inactive=query.include_inactive), actor=actor
    )
    return cached_json(request, found["items"], version=found["version"], max_age_s=MAX_AGE_S)


@routes.get(PREFIX + "/{id}", responses={200: Category, 304: None, 404: None, 422: None})
@answers_422
async def get_category(request: web.Request) -> web.Response:
    """Get a single category."""
    category_id = path_id(request, "id")
    found = await request.app[BUS].request_json(
        GetCategory(category_id=category_id), actor=request.get(ACTOR)
    )
    return cached_json(request, found, max_age_s=MAX_AGE_S)


@routes.post(PREFIX + "/", auth=True, body=CategoryBody,
             responses={201: Category, **ADMIN_ONLY, 409: None, 422: None})  # fmt: skip
@answers_422
async def create_category(request: web.Request) -> web.Response:
    """Create a category (admin)."""
    actor = require_admin(request)
    body = await body_of(request, CategoryBody)
    with reworded(located("body")):  # an unknown parent is the body's error, as a schema's would be
        created = await request.app[BUS].request(CreateCategory(**body.model_dump()), actor=actor)
    return json_response(created, status=201)


@routes.put(PREFIX + "/{id}", auth=True, body=CategoryChanges,
            responses={200: Category, **ADMIN_ONLY, 404: None, 409: None, 422: None})  # fmt: skip
@answers_422
async def update_category(request: web.Request) -> web.Response:
    """Update a category (admin): the fields the body gives."""
    actor = require_admin(request)
    category_id = path_id(request, "id")
    body = await body_of(request, CategoryChanges)
    changed = frozenset(CategoryField(name) for name in body.model_fields_set)
    cmd = UpdateCategory(category_id=category_id, changed=changed, **body.model_dump())
    with reworded(located("body")):
        updated = await request.app[BUS].request(cmd, actor=actor)
    return json_response(updated)


@routes.delete(
    PREFIX + "/{id}", auth=True, responses={204: None, **ADMIN_ONLY, 404: None, 409: None, 422: None}
)
@answers_422
async def delete_category(request: web.Request) -> web.Response:
    """Delete a category (admin); one with subcategories is refused."""
    actor = require_admin(request)
    category_id = path_id(request, "id")
    await request.app[BUS].request(DeleteCategory(category_id=category_id), actor=actor)
    return web.Response(status=204)
