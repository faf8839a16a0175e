"""Buyers' requests: written by buyers (role `user`), changed and closed by their owners, listed with
their matching properties (protocols/realty.py); every buyer's listed for admins, who close any."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from protocols import realty as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.market_realty import Property, RealtyCurrency
from storage.models.realty import BuyerRequest
from storage.reference.districts import match_key

from . import queries
from .deps import RealtyDeps
from .handlers import handlers
from .matching import matching_properties, store_matches
from .notices import tell_pending
from .places import city_id
from .properties import properties

NOT_FOUND = "Request not found"
RANGES = (("rooms_min", "rooms_max"), ("total_area_min", "total_area_max"), ("budget_min", "budget_max"))


def view(row: BuyerRequest, matches: list[Property], total: int) -> wire.BuyerRequest:
    columns = {name: getattr(row, name) for name in wire.FIELD_NAMES}
    return wire.BuyerRequest(
        **columns, id=row.id, owner_id=row.owner_id, status=wire.RequestStatus(row.status),
        city_id=row.city_id, city_found=row.city_id is not None, created_at=row.created_at,
        updated_at=row.updated_at, closed_at=row.closed_at, matches=matches, matches_total=total,
    )  # fmt: skip


def _buyer(actor: Actor) -> int:
    if actor.role is not Role.USER:
        raise DomainError(ErrorCode.FORBIDDEN, "Only buyers (role user) can make requests")
    return actor.require_user()


async def _write(deps: RealtyDeps, row: BuyerRequest, fields: dict[str, Any]) -> None:
    """Sets `fields` on `row` (enums as their values), the city found again when it changes."""
    for name, value in fields.items():
        setattr(row, name, value.value if isinstance(value, Enum) else value)
    if row.currency is None:
        row.currency = RealtyCurrency.RUB.value
    for name in wire.REQUIRED_FIELDS:
        if getattr(row, name) is None:
            raise DomainError(ErrorCode.VALIDATION, f"{name} is required")
    for low, high in RANGES:
        if (
            getattr(row, low) is not None
            and getattr(row, high) is not None
            and getattr(row, low) > getattr(row, high)
        ):
            raise DomainError(ErrorCode.VALIDATION, f"{low} must not be more than {high}")
    if "city" in fields:
        row.city_id = await city_id(deps.bus, row.city)
    row.district_key = match_key(row.city_id, row.district) if row.district else None


@handlers.on(wire.CreateRequest)
async def create_request(cmd: wire.CreateRequest, actor: Actor, deps: RealtyDeps) -> wire.BuyerRequest:
    now = datetime.now(UTC)
    row = BuyerRequest(
        owner_id=_buyer(actor), status=wire.RequestStatus.OPEN.value, created_at=now, updated_at=now
    )
    await _write(deps, row, {name: getattr(cmd, name) for name in wire.FIELD_NAMES})
    found = await matching_properties(deps, row)  # before anything is stored: a failure stores nothing
    async with deps.db() as db:
        db.add(row)
        await db.flush()
        await store_matches(db, row, found)
        await db.commit()
    await tell_pending(deps)
    return view(row, found[: wire.MATCHES_SHOWN_MAX], len(found))


@handlers.on(wire.UpdateRequest)
async def update_request(cmd: wire.UpdateRequest, actor: Actor, deps: RealtyDeps) -> wire.BuyerRequest:
    unknown = set(cmd.changed) - set(wire.FIELD_NAMES)
    if unknown:
        raise DomainError(ErrorCode.VALIDATION, f"Unknown fields: {', '.join(sorted(unknown))}")
    owner = actor.require_user()
    async with deps.read_db() as db:
        changed = await _open_request(db, cmd.request_id, owner)
        db.expunge(changed)
    await _write(deps, changed, {name: getattr(cmd, name) for name in cmd.changed})
    found = await matching_properties(deps, changed)
    async with deps.db() as db:
        row = await _open_request(db, cmd.request_id, owner)  # closed meanwhile: nothing changes
        for name in (*wire.FIELD_NAMES, "city_id", "district_key"):
            setattr(row, name, getattr(changed, name))
        row.updated_at = datetime.now(UTC)
        await store_matches(db, row, found)
        await db.commit()
    await tell_pending(deps)
    return view(row, found[: wire.MATCHES_SHOWN_MAX], len(found))


async def _open_request(db: AsyncSession, request_id: int, owner_id: int) -> BuyerRequest:
    row = await queries.own_request(db, request_id, owner_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    if row.status != wire.RequestStatus.OPEN.value:
        raise DomainError(ErrorCode.CONFLICT, "The request is closed")
    return row


@handlers.on(wire.CloseRequest)
async def close_request(cmd: wire.CloseRequest, actor: Actor, deps: RealtyDeps) -> wire.BuyerRequest:
    owner = None if actor.role is Role.ADMIN else actor.require_user()  # an admin closes anyone's
    async with deps.db() as db:
        row = await queries.own_request(db, cmd.request_id, owner)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        if row.status == wire.RequestStatus.OPEN.value:
            row.status = wire.RequestStatus.CLOSED.value
            row.closed_at = row.updated_at = datetime.now(UTC)
            await db.commit()
        matched = (await queries.matched_properties(db, [row.id]))[row.id]
    shown = await properties(deps, matched[: wire.MATCHES_SHOWN_MAX])
    return view(row, shown, len(matched))


@handlers.on(wire.ListMyRequests)
async def list_my_requests(cmd: wire.ListMyRequests, actor: Actor, deps: RealtyDeps) -> wire.RequestPage:
    async with deps.read_db() as db:
        rows, total = await queries.requests_page(db, actor.require_user(), cmd.offset, cmd.limit)
        matched = await queries.matched_properties(db, [row.id for row in rows])
    wanted = [pid for row in rows for pid in matched[row.id][: wire.MATCHES_SHOWN_MAX]]
    by_id = {item.id: item for item in await properties(deps, wanted)}
    items = [
        view(row, [by_id[pid] for pid in matched[row.id][: wire.MATCHES_SHOWN_MAX] if pid in by_id],
             len(matched[row.id]))
        for row in rows
    ]  # fmt: skip
    return wire.RequestPage(items=items, total=total)


@handlers.on(wire.ListRequestsForStaff)
async def list_requests_for_staff(
    cmd: wire.ListRequestsForStaff, actor: Actor, deps: RealtyDeps
) -> wire.RequestPage:
    if actor.role is not Role.ADMIN:
        raise DomainError(ErrorCode.FORBIDDEN, "Admin role required")
    status = cmd.status.value if cmd.status is not None else None
    async with deps.read_db() as db:
        rows, total = await queries.staff_requests_page(db, status, cmd.owner_id, cmd.offset, cmd.limit)
        counted = await queries.match_counts(db, [row.id for row in rows])
    return wire.RequestPage(items=[view(row, [], counted.get(row.id, 0)) for row in rows], total=total)
