"""What barter items need from other domains, asked over NATS: the catalog category every barter listing
is filed under (kept for the worker's life), and the place of the owner's city.

A FreeMarket profile names its city as its owner wrote it ("Алматы", "Almaty", "алматы"): the catalog
finds it among every name GeoNames gives its cities (`FindCity`), Kazakhstan's (FreeMarket's
country) first. A name it does not know leaves the item's place unknown (null), never a guess. Each
answer is kept until the catalog announces a saved place (`PlaceSaved`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nodes.runtime.bus import Bus
from protocols import catalog
from protocols.envelope import Actor, DomainError, ErrorCode
from storage.models.market_barter import BARTER_CATEGORY_SLUG

HOME = "KZ"  # FreeMarket's country: of two cities of one name, its own
CITIES_KEPT = 1000  # names remembered per worker: profiles name few cities


@dataclass
class BarterPlaces:
    """Kept by each market worker."""

    _category_ids: dict[str, int] = field(default_factory=dict)
    _cities: dict[str, catalog.City | None] = field(default_factory=dict)

    async def category_id(self, bus: Bus, slug: str = BARTER_CATEGORY_SLUG) -> int:
        """The inactive catalog category a vertical's listings are filed under (barter's, realty's)."""
        if slug not in self._category_ids:
            listed = await bus.request(catalog.ListCategories(include_inactive=True), actor=Actor.system())
            found = [category.id for category in listed.items if category.slug == slug]
            if not found:  # a migration seeds it (0023, 0026): a database without it is not migrated
                raise DomainError(
                    ErrorCode.UNAVAILABLE, f"The {slug} category is missing: migrate the database"
                )
            self._category_ids[slug] = found[0]
        return self._category_ids[slug]

    def forget_cities(self) -> None:
        """A place was saved (`PlaceSaved`): a city renamed, moved or added may answer a name
        differently, including one that found none."""
        self._cities.clear()

    async def city(self, bus: Bus, name: str | None) -> catalog.City | None:
        """The catalog's city of this name, or None."""
        name = (name or "").strip()
        if not name:
            return None
        if name not in self._cities:
            found = await bus.request(catalog.FindCity(name=name, country_iso2=HOME), actor=Actor.system())
            if len(self._cities) >= CITIES_KEPT:
                self._cities.clear()
            self._cities[name] = found.city
        return self._cities[name]
