"""The public search over active properties with a buyer request's fields as criteria, under the rules
protocols.market_realty states: every criterion given, all of them. A budget in one currency meets
prices in every other through the `[realty] rate_*` table: one range per currency, in one query."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from protocols import catalog
from protocols import market_realty as wire
from protocols.envelope import Actor
from protocols.market import AdStatus
from storage.models.market import Listing
from storage.models.market_realty import PropertyAttributes as A
from storage.reference import districts

from .deps import MarketDeps
from .handlers import handlers
from .properties import page_of

NOTHING = Listing.id.is_(None)  # an unknown city matches no property
# Newest: by creation, which the listings' (status, kind, created_at, id) index reads in order.
ORDERS: dict[wire.PropertySort, tuple[ColumnElement[Any], ...]] = {
    wire.PropertySort.NEWEST: (Listing.created_at.desc(), Listing.id.desc()),
    wire.PropertySort.PRICE_ASC: (Listing.price.asc(), Listing.id.asc()),
    wire.PropertySort.PRICE_DESC: (Listing.price.desc(), Listing.id.desc()),
}
EQUAL = (("deal_format", A.deal_format), ("type", A.type), ("subtype", A.subtype),
         ("condition", A.condition), ("construction_year", A.entry_year),
         ("construction_quarter", A.entry_quarter), ("owner_id", Listing.owner_id))  # fmt: skip
RANGES = (("rooms_min", "rooms_max", A.rooms_count), ("total_area_min", "total_area_max", A.total_area))


def budget(criteria: wire.PropertyCriteria, rates: dict[str, float]) -> ColumnElement[bool] | None:
    """The price within the budget, each currency's range converted from the budget's."""
    low, high = criteria.budget_min, criteria.budget_max
    if low is None and high is None:
        return None
    per_unit = rates[criteria.currency.value]
    ranges = []
    for currency, rate in rates.items():
        bounds = [Listing.currency == currency]
        if low is not None:
            bounds.append(A.price >= low * per_unit / rate)
        if high is not None:
            bounds.append(A.price <= high * per_unit / rate)
        ranges.append(and_(*bounds))
    return or_(*ranges)


async def conditions(deps: MarketDeps, criteria: wire.PropertyCriteria) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Listing.status == AdStatus.ACTIVE.value]
    city_id = criteria.city_id
    if city_id is None and criteria.city:
        found = await deps.bus.request(catalog.FindCity(name=criteria.city), actor=Actor.system())
        if found.city is None:
            return [NOTHING]
        city_id = found.city.id
    if city_id is not None:
        where.append(Listing.city_id == city_id)
    if criteria.district:
        where.append(A.district_key == districts.match_key(city_id, criteria.district))
    given: dict[str, Any] = criteria.model_dump(exclude_none=True)
    where += [column == getattr(given[name], "value", given[name]) for name, column in EQUAL if name in given]
    for low, high, column in RANGES:
        if low in given:
            where.append(column >= given[low])
        if high in given:
            where.append(column <= given[high])
    in_budget = budget(criteria, deps.settings.realty.rub_per_unit())
    if in_budget is not None:
        where.append(in_budget)
    return where


@handlers.on(wire.SearchProperties)
async def search_properties(cmd: wire.SearchProperties, _actor: Actor, deps: MarketDeps) -> wire.PropertyPage:
    where = await conditions(deps, cmd)
    return await page_of(deps, where, ORDERS[cmd.sort], cmd.offset, cmd.limit)
