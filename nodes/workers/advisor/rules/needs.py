"""What a buyer wants, as read from the conversation so far, and the catalog search it makes.

Sets are the references' slugs (body, engine, transmission, drive, brand). A budget in roubles is what
the search filters by; one said in another currency is kept apart (`foreign`) until the backend turns
it into roubles at a configured rate, or asks for roubles when it has none. `cheaper` marks the last
message as "а подешевле?": the backend knows what it recommended before and lowers `budget_max`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protocols.advisor_cars import SearchCars
from protocols.fields import PAGE_MAX, PRICE_MAX, YEAR_MAX, YEAR_MIN
from protocols.market import Condition

Slugs = frozenset[str]


@dataclass(frozen=True)
class ForeignBudget:
    currency: str  # ISO code: USD, EUR, CNY, KZT, ...
    low: int | None
    high: int | None


@dataclass(frozen=True)
class Needs:
    budget_min: int | None = None  # roubles
    budget_max: int | None = None
    body_types: Slugs = field(default_factory=frozenset)
    min_seats: int | None = None
    engine_types: Slugs = field(default_factory=frozenset)
    transmissions: Slugs = field(default_factory=frozenset)
    drives: Slugs = field(default_factory=frozenset)
    brands: Slugs = field(default_factory=frozenset)  # liked: any of them
    not_brands: Slugs = field(default_factory=frozenset)
    condition: Condition | None = None
    min_year: int | None = None
    city: str | None = None  # as the buyer wrote it ("Москве", "Kazan"): the catalog finds the city
    foreign: ForeignBudget | None = None
    cheaper: bool = False  # the last message asked for cheaper than last time's cars

    def has_budget(self) -> bool:
        return self.budget_min is not None or self.budget_max is not None

    def has_kind(self) -> bool:
        """Something says what kind of car: a body, seats, a brand."""
        return bool(self.body_types or self.min_seats or self.brands)

    def narrows(self) -> bool:
        """Something narrows the catalog's cars (a city or new/used only narrow their ads)."""
        return bool(
            self.has_budget() or self.has_kind() or self.engine_types or self.transmissions or self.drives
            or self.not_brands or self.min_year
        )  # fmt: skip


def search(needs: Needs, *, city_id: int | None = None, offset: int = 0, limit: int = PAGE_MAX) -> SearchCars:
    def listed(slugs: Slugs) -> list[str] | None:
        return sorted(slugs) or None

    return SearchCars(
        min_price=_within(needs.budget_min, 0, PRICE_MAX),
        max_price=_within(needs.budget_max, 0, PRICE_MAX),
        body_types=listed(needs.body_types),
        engine_types=listed(needs.engine_types),
        transmissions=listed(needs.transmissions),
        drives=listed(needs.drives),
        brands=listed(needs.brands),
        exclude_brands=listed(needs.not_brands),
        min_year=_within(needs.min_year, YEAR_MIN, YEAR_MAX),
        min_seats=needs.min_seats,
        ads_city_id=city_id,
        ads_condition=needs.condition,
        offset=offset,
        limit=limit,
    )


def _within(value: int | None, least: int, most: int) -> int | None:
    """A buyer's number kept inside what the wire takes ("до 10^15 рублей" is no reason to fail)."""
    return None if value is None else min(max(value, least), most)
