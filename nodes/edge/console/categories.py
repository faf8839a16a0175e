"""Categories (admins): `GET /admin/categories?page=`, the tree as a table (each category under its
parent, siblings in their order, the inactive ones too) with its SEO fields, and a form for a new one
(`POST /admin/categories`, the catalog's `CreateCategory`); `GET|POST /admin/categories/{id}`, a
category's every field edited (`UpdateCategory`), and `POST /admin/categories/{id}/delete`
(`DeleteCategory`, refused while it has subcategories or ads). Each change is in the audit log.

The tree is one list, cached by the catalog and a few dozen long: it is paged here."""

from __future__ import annotations

from aiohttp import web

from nodes.edge.state import BUS
from protocols.catalog import (
    Category,
    CategoryField,
    CreateCategory,
    DeleteCategory,
    GetCategory,
    ListCategories,
    UpdateCategory,
)
from protocols.envelope import DomainError, ErrorCode
from protocols.moderation import LogAction

from .editing import (
    Done,
    EditQuery,
    Form,
    Input,
    Kind,
    Row,
    Table,
    back_with,
    listing,
    reference_page,
    submit,
)
from .pages import filters_of, page, page_size
from .sections import CATEGORIES
from .session import Staff
from .trail import record

routes = web.RouteTableDef()

PATH = "/admin/categories"
ONE = PATH + r"/{category_id:\d{1,9}}"
KIND = {"kind": Kind.CATEGORY.value}


def in_tree(categories: list[Category]) -> list[tuple[Category, int]]:
    """Each category with its depth (the list comes parents first)."""
    depth: dict[int, int] = {}
    for category in categories:
        depth[category.id] = 0 if category.parent_id is None else depth.get(category.parent_id, -1) + 1
    return [(category, depth[category.id]) for category in categories]


def inputs(tree: list[tuple[Category, int]], but: int | None = None) -> list[Input]:
    parents = [(c.id, "— " * depth + c.name) for c, depth in tree if c.id != but]
    return [
        Input("parent_id", "Parent", "select", options=parents),
        Input("name", "Name", required=True, maxlength=100),
        Input("slug", "Slug", required=True, maxlength=100),
        Input("meta_title", "SEO title", maxlength=200),
        Input("meta_description", "SEO description", "textarea", maxlength=500),
        Input("position", "Order", "number"),
        Input("is_active", "Active", "checkbox"),
    ]


async def tree_of(request: web.Request, staff: Staff) -> list[tuple[Category, int]]:
    listed = await request.app[BUS].request(ListCategories(include_inactive=True), actor=staff.actor)
    return in_tree(listed.items)


def row(category: Category, depth: int) -> Row:
    cells = (
        "— " * depth + category.name, category.id, category.slug, category.meta_title,
        category.meta_description, category.position, category.is_active,
    )  # fmt: skip
    return Row(f"category-{category.id}", f"{PATH}/{category.id}", cells)


@routes.get(PATH)
@page(CATEGORIES)
async def categories(request: web.Request, staff: Staff) -> web.Response:
    query = filters_of(request, EditQuery)
    size = page_size(request)
    tree = await tree_of(request, staff)
    headers = ("Name", "ID", "Slug", "SEO title", "SEO description", "Order", "Active")
    table = Table("categories", "Categories", headers, [row(c, depth) for c, depth in tree])
    context = {
        "heading": "Categories",
        "query": query,
        "notice": query.notice_text(),
        **listing(query, table, PATH, size),
        "create": Form(PATH, "New category", inputs(tree), {"position": 0, "is_active": True}, "Create"),
    }
    return reference_page(request, staff, CATEGORIES, context)


@routes.get(ONE)
@page(CATEGORIES)
async def category(request: web.Request, staff: Staff) -> web.Response:
    query = filters_of(request, EditQuery)
    category_id = int(request.match_info["category_id"])
    found = await request.app[BUS].request(GetCategory(category_id=category_id), actor=staff.actor)
    edit = Form(f"{PATH}/{found.id}", f"Category #{found.id}", inputs(await tree_of(request, staff), found.id),
                found.model_dump())  # fmt: skip
    context = {
        "heading": found.name,
        "crumbs": [("Categories", PATH)],
        "notice": query.notice_text(),
        "edit": edit,
        "delete": f"{PATH}/{found.id}/delete",
    }
    return reference_page(request, staff, CATEGORIES, context)


@routes.post(PATH)
@page(CATEGORIES)
async def create(request: web.Request, staff: Staff) -> web.Response:
    return await submit(request, staff, inputs([]), CreateCategory, kind=Kind.CATEGORY, back=PATH)


@routes.post(ONE)
@page(CATEGORIES)
async def update(request: web.Request, staff: Staff) -> web.Response:
    """Every field as the form has it (no parent: a top-level category)."""
    category_id = int(request.match_info["category_id"])
    every = {"category_id": category_id, "changed": set(CategoryField)}
    return await submit(request, staff, inputs([]), UpdateCategory, kind=Kind.CATEGORY,
                        back=f"{PATH}/{category_id}", fixed=every, created=False)  # fmt: skip


@routes.post(ONE + "/delete")
@page(CATEGORIES)
async def delete(request: web.Request, staff: Staff) -> web.Response:
    category_id = int(request.match_info["category_id"])
    try:
        await request.app[BUS].request(DeleteCategory(category_id=category_id), actor=staff.actor)
    except DomainError as exc:
        if exc.code is ErrorCode.CONFLICT:
            return back_with(
                f"{PATH}/{category_id}", {**KIND, "notice": Done.IN_USE, "target": str(category_id)}
            )
        if exc.code is ErrorCode.NOT_FOUND:
            return back_with(PATH, {**KIND, "notice": Done.MISSING})
        raise
    await record(request, staff, LogAction.DELETE_REFERENCE, (Kind.CATEGORY.value, category_id))
    return back_with(PATH, {**KIND, "notice": Done.DELETED, "target": str(category_id)})
