"""The car catalog in the advisor worker's memory: the catalog's configurations and the market's active
ads summed up per configuration, searched and paged here (`car_search`).

- Configurations are read whole (a page a reply) on first use, not at start: a cluster that boots the
  advisor never pays for them unless someone asks. At most every `recheck_s` the index asks the
  catalog whether its version moved on (an empty reply when not) and reads them again when it did; a
  catalog away at that moment leaves the copy as it was.
- Ad summaries are read per narrowing (city, condition) and kept `ads_ttl_s`, dropped at once when the
  market announces `ListingsChanged`: every advisor worker hears it outside the queue group
  (deps.open_deps). A summary read while a change lands is not kept (the generation moved on), so a
  lost announcement leaves one at most a TTL old.
- Brands are asked by any name `brand_aliases` knows (the configurations' own names and slugs, and
  brand_names' spellings); any other is a `validation` error naming the field `brand`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from nodes.runtime.bus import Bus
from protocols.advisor_cars import Car, CarPage, SearchCars, folded
from protocols.catalog import CarConfiguration, ListCarConfigurations
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.market import Condition, ModificationAds, SummarizeModificationAds

from .brand_names import BRAND_NAMES
from .car_search import Brands, Priced, car_of, found

log = logging.getLogger(__name__)

CATALOG_RECHECK_S = 300.0
ADS_TTL_S = 60.0
ADS_PER_CAR = 3
MOST_NARROWINGS = 64  # ad summaries kept at once (per city and condition); the least recent go first

AdsKey = tuple[int | None, Condition | None]


@dataclass(frozen=True)
class Configurations:
    version: str
    by_id: dict[int, CarConfiguration]  # in id order
    aliases: dict[str, str]  # folded brand name -> slug
    checked_at: float = field(default_factory=time.monotonic)


def _aliases(configs: Mapping[int, CarConfiguration]) -> dict[str, str]:
    """Each name lowercased as written ("mercedes-benz") and folded ("mercedes benz")."""
    named = [(slug, name) for slug, names in BRAND_NAMES.items() for name in (slug, *names)]
    named += [(c.brand_slug, name) for c in configs.values() for name in (c.brand, c.brand_slug)]
    return {form: slug for slug, name in named for form in (name.lower(), folded(name))}


STATIC_ALIASES = _aliases({})


class CarIndex:
    def __init__(
        self,
        bus: Bus,
        *,
        recheck_s: float = CATALOG_RECHECK_S,
        ads_ttl_s: float = ADS_TTL_S,
        ads_per_car: int = ADS_PER_CAR,
    ) -> None:
        self._bus = bus
        self._recheck_s = recheck_s
        self._ads_ttl_s = ads_ttl_s
        self._ads_per_car = ads_per_car
        self._configs: Configurations | None = None
        self._configs_lock = asyncio.Lock()
        self._ads: OrderedDict[AdsKey, tuple[float, dict[int, ModificationAds]]] = OrderedDict()
        self._generation = 0

    # --- what the handlers and the backends ask -------------------------------------------------------

    async def search(self, query: SearchCars) -> CarPage:
        configs = await self._configurations()
        brands = Brands(
            wanted=None if query.brands is None else frozenset(_slugs(configs, query.brands)),
            excluded=frozenset(_slugs(configs, query.exclude_brands or [])),
        )
        ads = await self._summaries((query.ads_city_id, query.ads_condition))
        matching = found(configs.by_id.values(), ads, query, brands, datetime.now(UTC).year)
        page = matching[query.offset : query.offset + query.limit]
        return CarPage(items=[car_of(car) for car in page], total=len(matching))

    async def car(self, car_id: int) -> Car | None:
        config = (await self._configurations()).by_id.get(car_id)
        if config is None:
            return None
        return car_of(Priced(config, (await self._summaries((None, None))).get(car_id)))

    def brand_aliases(self) -> Mapping[str, str]:
        """Every name a buyer may call a brand by, lowercase (also folded: `ё` as `е`, hyphens as
        spaces; protocols.advisor_cars.folded) → its slug."""
        return STATIC_ALIASES if self._configs is None else self._configs.aliases

    def listings_changed(self) -> None:
        """The market announced a change to its listings: no kept summary holds any more."""
        self._generation += 1
        self._ads.clear()

    # --- the catalog's configurations ------------------------------------------------------------------

    async def _configurations(self) -> Configurations:
        async with self._configs_lock:
            kept = self._configs
            if kept is None:
                kept = await self._read_configurations(None)
            elif time.monotonic() - kept.checked_at >= self._recheck_s:
                try:
                    kept = await self._read_configurations(kept)
                except DomainError as exc:  # the catalog away: what the index holds still serves
                    log.warning("the car configurations could not be checked: %s", exc.message)
                    kept = Configurations(kept.version, kept.by_id, kept.aliases)
            self._configs = kept
            return kept

    async def _read_configurations(self, kept: Configurations | None) -> Configurations:
        ask = ListCarConfigurations(known_version=None if kept is None else kept.version)
        page = await self._bus.request(ask, actor=Actor.system())
        if kept is not None and page.version == kept.version:
            return Configurations(kept.version, kept.by_id, kept.aliases)
        items = list(page.items)
        while page.next_after_id is not None:
            page = await self._bus.request(
                ListCarConfigurations(after_id=page.next_after_id), actor=Actor.system()
            )
            items.extend(page.items)
        by_id = {config.id: config for config in sorted(items, key=lambda c: c.id)}
        log.info("car configurations read: %d (version %s)", len(by_id), page.version)
        return Configurations(page.version, by_id, _aliases(by_id))

    # --- the market's ads -----------------------------------------------------------------------------

    async def _summaries(self, key: AdsKey) -> dict[int, ModificationAds]:
        kept = self._ads.get(key)
        if kept is not None and time.monotonic() - kept[0] < self._ads_ttl_s:
            self._ads.move_to_end(key)
            return kept[1]
        generation = self._generation
        summaries = await self._read_summaries(key)
        if generation == self._generation:
            self._ads[key] = (time.monotonic(), summaries)
            self._ads.move_to_end(key)
            while len(self._ads) > MOST_NARROWINGS:
                self._ads.popitem(last=False)
        return summaries

    async def _read_summaries(self, key: AdsKey) -> dict[int, ModificationAds]:
        city_id, condition = key
        summaries: dict[int, ModificationAds] = {}
        after: int | None = 0
        while after is not None:
            ask = SummarizeModificationAds(
                city_id=city_id, condition=condition, cheapest=self._ads_per_car, after_id=after
            )
            page = await self._bus.request(ask, actor=Actor.system())
            summaries.update((item.modification_id, item) for item in page.items)
            after = page.next_after_id
        return summaries


def _slugs(configs: Configurations, names: list[str]) -> list[str]:
    slugs = []
    for name in names:
        slug = configs.aliases.get(folded(name))
        if slug is None:
            raise DomainError(
                ErrorCode.VALIDATION, f"brand: no such brand in the car catalog: {name}",
                {"field": "brand", "reason": "unknown"},
            )  # fmt: skip
        slugs.append(slug)
    return slugs
