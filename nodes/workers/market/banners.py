"""Banners: admins create, change and delete them; anyone reads those shown now, that is active and
within their dates (from `starts_at`, until before `ends_at`, either open when unset). An admin reads
every banner, listed with `include_inactive`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, or_

from protocols import market as wire
from protocols.envelope import Actor, DomainError, Empty, ErrorCode, Role
from storage.models.banners import Banner

from . import queries
from .deps import MarketDeps
from .handlers import handlers
from .references import invalid

NOT_FOUND = "Banner not found"
ADMINS = (Role.ADMIN, Role.SYSTEM)
FIELDS = tuple(field.value for field in wire.BannerField)
REQUIRED = {wire.BannerField.TITLE, wire.BannerField.IMAGE_URL, wire.BannerField.LOCATION,
            wire.BannerField.IS_ACTIVE, wire.BannerField.POSITION}  # fmt: skip


def require_admin(actor: Actor) -> None:
    if actor.role not in ADMINS:
        actor.require_user()
        raise DomainError(ErrorCode.FORBIDDEN, "Admin role required")


def shown(now: datetime) -> list[ColumnElement[bool]]:
    return [
        Banner.is_active.is_(True),
        or_(Banner.starts_at.is_(None), Banner.starts_at <= now),
        or_(Banner.ends_at.is_(None), Banner.ends_at > now),
    ]


def is_shown(row: Banner, now: datetime) -> bool:
    return (
        row.is_active
        and (row.starts_at is None or row.starts_at <= now)
        and (row.ends_at is None or row.ends_at > now)
    )


def in_order(values: dict[str, Any]) -> None:
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if starts is not None and ends is not None and ends <= starts:
        raise invalid("ends_at", "must come after starts_at")


def stored(values: dict[str, Any]) -> dict[str, Any]:
    location = values.get("location")
    return values | {"location": location.value} if isinstance(location, wire.BannerLocation) else values


def banner(row: Banner) -> wire.Banner:
    return wire.Banner(
        id=row.id, title=row.title, image_url=row.image_url, link_url=row.link_url,
        location=wire.BannerLocation(row.location), starts_at=row.starts_at, ends_at=row.ends_at,
        is_active=row.is_active, position=row.position, created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


@handlers.on(wire.ListBanners)
async def list_banners(cmd: wire.ListBanners, actor: Actor, deps: MarketDeps) -> wire.BannerPage:
    where: list[ColumnElement[bool]] = []
    if cmd.include_inactive:
        require_admin(actor)
    else:
        where = shown(datetime.now(UTC))
    if cmd.location is not None:
        where.append(Banner.location == cmd.location.value)
    async with deps.read_db() as db:
        rows, total = await queries.banners(db, where, cmd.offset, cmd.limit)
    return wire.BannerPage(items=[banner(row) for row in rows], total=total)


@handlers.on(wire.GetBanner)
async def get_banner(cmd: wire.GetBanner, actor: Actor, deps: MarketDeps) -> wire.Banner:
    async with deps.read_db() as db:
        row = await queries.banner(db, cmd.banner_id)
    if row is None or (actor.role not in ADMINS and not is_shown(row, datetime.now(UTC))):
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return banner(row)


@handlers.on(wire.CreateBanner)
async def create_banner(cmd: wire.CreateBanner, actor: Actor, deps: MarketDeps) -> wire.Banner:
    require_admin(actor)
    values = cmd.model_dump()
    in_order(values)
    now = datetime.now(UTC)
    async with deps.db() as db:
        banner_id = await queries.insert_banner(db, stored(values) | {"created_at": now, "updated_at": now})
        await db.commit()
        row = await queries.banner(db, banner_id)
    assert row is not None  # just written
    return banner(row)


@handlers.on(wire.UpdateBanner)
async def update_banner(cmd: wire.UpdateBanner, actor: Actor, deps: MarketDeps) -> wire.Banner:
    require_admin(actor)
    changes = {field.value: getattr(cmd, field.value) for field in cmd.changed}
    for field in sorted(REQUIRED & cmd.changed):
        if changes[field.value] is None:
            raise invalid(field.value, "may not be null")
    async with deps.db() as db:
        row = await queries.banner(db, cmd.banner_id)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        in_order({field: getattr(row, field) for field in FIELDS} | changes)
        await queries.update_banner(db, cmd.banner_id, stored(changes) | {"updated_at": datetime.now(UTC)})
        await db.commit()
        row = await queries.banner(db, cmd.banner_id)
    if row is None:  # deleted meanwhile
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return banner(row)


@handlers.on(wire.DeleteBanner)
async def delete_banner(cmd: wire.DeleteBanner, actor: Actor, deps: MarketDeps) -> Empty:
    require_admin(actor)
    async with deps.db() as db:
        deleted = await queries.delete_banner(db, cmd.banner_id)
        await db.commit()
    if not deleted:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return Empty()
