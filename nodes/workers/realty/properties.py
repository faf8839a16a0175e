"""The market's properties, as the realty domain reads them: by id, and searched with a request's
criteria."""

from __future__ import annotations

from collections.abc import Sequence

from protocols.envelope import Actor
from protocols.fields import PAGE_MAX
from protocols.market_realty import (
    GetProperties,
    Property,
    PropertyCondition,
    PropertySubtype,
    RealtyCurrency,
    SearchProperties,
)
from storage.models.realty import BuyerRequest

from .deps import RealtyDeps

SEARCHED_MAX = 200  # properties one request is matched with when written, newest first


async def search(deps: RealtyDeps, row: BuyerRequest) -> list[Property]:
    """The active properties `row` matches, newest first, at most SEARCHED_MAX."""
    found: list[Property] = []
    while len(found) < SEARCHED_MAX:
        page = await deps.bus.request(
            SearchProperties(
                city_id=row.city_id, district=row.district, deal_format=row.deal_format, type=row.type,
                subtype=row.subtype and PropertySubtype(row.subtype),
                condition=row.condition and PropertyCondition(row.condition),
                construction_year=row.construction_year, construction_quarter=row.construction_quarter,
                rooms_min=row.rooms_min, rooms_max=row.rooms_max, total_area_min=row.total_area_min,
                total_area_max=row.total_area_max, budget_min=row.budget_min, budget_max=row.budget_max,
                currency=RealtyCurrency(row.currency), offset=len(found), limit=PAGE_MAX,
            ),
            actor=Actor.system(),
        )  # fmt: skip
        found.extend(page.items)
        if len(page.items) < PAGE_MAX:
            break
    return found[:SEARCHED_MAX]


async def properties(deps: RealtyDeps, ids: Sequence[int]) -> list[Property]:
    """These properties, those still active, in the order given."""
    unique = list(dict.fromkeys(ids))
    found: dict[int, Property] = {}
    for start in range(0, len(unique), PAGE_MAX):
        chunk = unique[start : start + PAGE_MAX]
        page = await deps.bus.request(GetProperties(property_ids=chunk), actor=Actor.system())
        found.update((item.id, item) for item in page.items)
    return [found[pid] for pid in unique if pid in found]
