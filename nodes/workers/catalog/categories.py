"""Categories: listed and read by anyone (the active ones), written by admins. A category's list is
its tree in order: each category followed by its subcategories, siblings by position. An inactive
category hides its subcategories too."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from protocols import catalog as wire
from protocols.envelope import Actor, DomainError, Empty, ErrorCode
from storage.models.catalog import Category

from . import queries
from .cache import listed
from .deps import CatalogDeps
from .handlers import handlers
from .staff import ADMINS, invalid, require_admin

REQUIRED = {wire.CategoryField.NAME, wire.CategoryField.SLUG, wire.CategoryField.POSITION,
            wire.CategoryField.IS_ACTIVE}  # fmt: skip
NOT_FOUND = "Category not found"
SLUG_TAKEN = "A category with this slug already exists"


def view(row: Category) -> wire.Category:
    return wire.Category(
        id=row.id, parent_id=row.parent_id, name=row.name, slug=row.slug, meta_title=row.meta_title,
        meta_description=row.meta_description, position=row.position, is_active=row.is_active,
        created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


def in_tree_order(rows: Sequence[Category], include_inactive: bool) -> list[wire.Category]:
    """Each category followed by its subcategories (rows come siblings in order); with
    `include_inactive` false, an inactive category and everything under it are left out."""
    children: dict[int | None, list[Category]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    ordered: list[wire.Category] = []
    stack = list(reversed(children.get(None, [])))
    while stack:  # not recursive: an admin may nest categories deeper than Python's stack
        row = stack.pop()
        if row.is_active or include_inactive:
            ordered.append(view(row))
            stack.extend(reversed(children.get(row.id, [])))
    return ordered


async def category_list(deps: CatalogDeps, include_inactive: bool) -> wire.CategoryList:
    cached = deps.categories.get(include_inactive)
    if cached is not None:
        return cached
    generation = deps.categories.generation
    async with deps.read_db() as db:
        rows = await queries.all_categories(db)
    categories = listed(wire.CategoryList, in_tree_order(rows, include_inactive))
    deps.categories.keep(include_inactive, categories, generation)
    return categories


async def written(deps: CatalogDeps) -> None:
    """After a committed write: this worker's lists go at once, the other replicas' on the event."""
    deps.categories.clear()
    if deps.bus is not None:
        await deps.bus.publish(wire.CategoriesChanged())


@handlers.on(wire.ListCategories)
async def list_categories(cmd: wire.ListCategories, actor: Actor, deps: CatalogDeps) -> wire.CategoryList:
    if cmd.include_inactive:
        require_admin(actor)
    return await category_list(deps, cmd.include_inactive)


@handlers.on(wire.GetCategory)
async def get_category(cmd: wire.GetCategory, actor: Actor, deps: CatalogDeps) -> wire.Category:
    if actor.role in ADMINS:
        async with deps.read_db() as db:
            row = await queries.category(db, cmd.category_id)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        return view(row)
    visible = await category_list(deps, include_inactive=False)
    for category in visible.items:
        if category.id == cmd.category_id:
            return category
    raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)


@handlers.on(wire.CreateCategory)
async def create_category(cmd: wire.CreateCategory, actor: Actor, deps: CatalogDeps) -> wire.Category:
    require_admin(actor)
    now = datetime.now(UTC)
    async with deps.db() as db:
        if cmd.parent_id is not None and await queries.category(db, cmd.parent_id) is None:
            raise invalid("parent_id", "no such category")
        if await queries.slug_taken(db, cmd.slug):
            raise DomainError(ErrorCode.CONFLICT, SLUG_TAKEN)
        try:
            row = await queries.insert_category(
                db, {**cmd.model_dump(), "created_at": now, "updated_at": now}
            )
            await db.commit()
        except IntegrityError:  # a race: the slug taken, or the parent deleted, since the checks
            raise DomainError(ErrorCode.CONFLICT, SLUG_TAKEN) from None
    await written(deps)
    return view(row)


async def check_parent(db: AsyncSession, category_id: int, parent_id: int) -> None:
    """The new parent exists and is neither the category nor one of its descendants."""
    parents = await queries.category_parents(db)
    if parent_id not in parents:
        raise invalid("parent_id", "no such category")
    ancestor: int | None = parent_id
    while ancestor is not None:
        if ancestor == category_id:
            raise invalid("parent_id", "a category cannot be moved under itself or its subcategories")
        ancestor = parents.get(ancestor)


@handlers.on(wire.UpdateCategory)
async def update_category(cmd: wire.UpdateCategory, actor: Actor, deps: CatalogDeps) -> wire.Category:
    require_admin(actor)
    values: dict[str, Any] = {field.value: getattr(cmd, field.value) for field in cmd.changed}
    for field in REQUIRED & cmd.changed:
        if values[field.value] is None:
            raise invalid(field.value, "may not be null")
    async with deps.db() as db:
        if await queries.category(db, cmd.category_id) is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        if cmd.parent_id is not None and wire.CategoryField.PARENT_ID in cmd.changed:
            await check_parent(db, cmd.category_id, cmd.parent_id)
        if cmd.slug is not None and await queries.slug_taken(db, cmd.slug, but=cmd.category_id):
            raise DomainError(ErrorCode.CONFLICT, SLUG_TAKEN)
        try:
            row = await queries.update_category(
                db, cmd.category_id, {**values, "updated_at": datetime.now(UTC)}
            )
            await db.commit()
        except IntegrityError:
            raise DomainError(ErrorCode.CONFLICT, SLUG_TAKEN) from None
    if row is None:  # deleted meanwhile
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    await written(deps)
    return view(row)


@handlers.on(wire.DeleteCategory)
async def delete_category(cmd: wire.DeleteCategory, actor: Actor, deps: CatalogDeps) -> Empty:
    require_admin(actor)
    async with deps.db() as db:
        if await queries.has_children(db, cmd.category_id):
            raise DomainError(ErrorCode.CONFLICT, "The category has subcategories: move or delete them first")
        try:
            found = await queries.delete_category(db, cmd.category_id)
            await db.commit()
        except IntegrityError:  # a subcategory added meanwhile
            raise DomainError(ErrorCode.CONFLICT, "The category is in use") from None
    if not found:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    await written(deps)
    return Empty()
