"""The console's table of properties (admins only): every one, archived ones too, filtered by status,
city and owner, sorted by price or creation, paged. A city is the catalog's of that name, or one kept as
written (a property's city the catalog did not know)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_

from protocols import catalog
from protocols import market_realty as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from storage.models.market import Listing
from storage.models.market_realty import PropertyAttributes

from .deps import MarketDeps
from .handlers import handlers
from .properties import page_of

Sort = wire.StaffPropertySort
ORDERS: dict[Sort, tuple[ColumnElement[Any], ...]] = {
    Sort.CREATED_ASC: (Listing.created_at.asc(), Listing.id.asc()),
    Sort.CREATED_DESC: (Listing.created_at.desc(), Listing.id.desc()),
    Sort.PRICE_ASC: (Listing.price.asc(), Listing.id.asc()),
    Sort.PRICE_DESC: (Listing.price.desc(), Listing.id.desc()),
}


@handlers.on(wire.ListPropertiesForStaff)
async def list_properties_for_staff(
    cmd: wire.ListPropertiesForStaff, actor: Actor, deps: MarketDeps
) -> wire.PropertyPage:
    if actor.role is not Role.ADMIN:
        raise DomainError(ErrorCode.FORBIDDEN, "Admin role required")
    where: list[ColumnElement[bool]] = []
    if cmd.status is not None:
        where.append(Listing.status == cmd.status.value)
    if cmd.owner_id is not None:
        where.append(Listing.owner_id == cmd.owner_id)
    if cmd.city:
        found = (await deps.bus.request(catalog.FindCity(name=cmd.city), actor=Actor.system())).city
        as_written = PropertyAttributes.city == cmd.city
        where.append(or_(Listing.city_id == found.id, as_written) if found is not None else as_written)
    return await page_of(deps, where, ORDERS[cmd.sort], cmd.offset, cmd.limit)
