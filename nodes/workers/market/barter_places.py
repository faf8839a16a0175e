"""What barter items need from other domains, asked over NATS and kept for the worker's life (neither
changes while it runs): the catalog category every barter listing is filed under, and the cities of
the catalog's places by name.

A FreeMarket profile names its city as its owner wrote it ("Алматы", "Almaty", "алматы"); the catalog's
cities carry GeoNames' English names. A name is found by its English spelling or by its Russian one
transliterated (BGN/PCGN, which GeoNames follows for Russia and mostly for Kazakhstan), with the few
Kazakh and Russian cities whose English name is not their Russian one's transliteration named here
(Караганда: Karagandy, Уральск: Oral). The cities searched are every city of Kazakhstan (FreeMarket's
country) that the catalog holds, then the catalog's major cities (Russia's largest); a name in both is
Kazakhstan's. A name found nowhere leaves the item's place unknown (null), never a guess."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from nodes.runtime.bus import Bus
from protocols import catalog
from protocols.envelope import Actor, DomainError, ErrorCode
from storage.models.market_barter import BARTER_CATEGORY_SLUG

log = logging.getLogger(__name__)

HOME = "KZ"  # FreeMarket's country: every city of it; elsewhere the catalog's major cities
BGN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "ye", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
    # Kazakh letters, as GeoNames writes them in Kazakhstan's names
    "ә": "a", "ғ": "gh", "қ": "q", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
}  # fmt: skip
VOWELS = set("аеёиоуыэюяәөұүі")
# Russian names whose GeoNames English name is not their transliteration.
ALIASES = {
    "караганда": "karagandy", "уральск": "oral", "петропавловск": "petropavl", "туркестан": "turkistan",
    "нур-султан": "astana", "нурсултан": "astana", "целиноград": "astana", "акмола": "astana",
    "жезказган": "zhezqazghan", "балхаш": "balqash", "капчагай": "konayev", "конаев": "konayev",
    "кульсары": "qulsary", "аксай": "aqsay", "сарыагаш": "saryaghash", "талгар": "talghar",
    "байконур": "baikonur", "сарканд": "sarqant", "шу": "shu", "жетысай": "zhetysay", "шардара": "shardara",
    "москва": "moscow", "санкт-петербург": "saint petersburg", "петербург": "saint petersburg",
}  # fmt: skip


def transliterated(name: str) -> str:
    """A Cyrillic name in BGN/PCGN Latin (е is `ye` at a word's start and after a vowel or a sign)."""
    out = []
    previous = ""
    for letter in name:
        if letter == "е" and (not previous.isalpha() or previous in VOWELS or previous in "ъь"):
            out.append("ye")
        else:
            out.append(BGN.get(letter, letter))
        previous = letter
    return "".join(out)


def key(name: str) -> str:
    return " ".join(name.casefold().replace("’", "").replace("'", "").split())


@dataclass
class BarterPlaces:
    """Kept by each market worker; filled on the first barter write that needs it."""

    _category_id: int | None = None
    _cities: dict[str, catalog.City] | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def category_id(self, bus: Bus) -> int:
        if self._category_id is None:
            listed = await bus.request(catalog.ListCategories(include_inactive=True), actor=Actor.system())
            found = [category.id for category in listed.items if category.slug == BARTER_CATEGORY_SLUG]
            if not found:  # migration 0022 seeds it: a database without it is not migrated
                raise DomainError(
                    ErrorCode.UNAVAILABLE, "The barter category is missing: migrate the database"
                )
            self._category_id = found[0]
        return self._category_id

    async def city(self, bus: Bus, name: str | None) -> catalog.City | None:
        """The catalog's city of this name, or None."""
        if not name or not name.strip():
            return None
        cities = await self._index(bus)
        given = key(name).replace("ё", "е")
        for candidate in (given, ALIASES.get(given), transliterated(given)):
            if candidate and candidate in cities:
                return cities[candidate]
        return None

    async def _index(self, bus: Bus) -> dict[str, catalog.City]:
        async with self._lock:
            if self._cities is None:
                countries = await bus.request(catalog.ListCountries(), actor=Actor.system())
                kazakhstan = [country.id for country in countries.items if country.iso2 == HOME]
                listed = [] if not kazakhstan else [catalog.ListCities(country_id=kazakhstan[0])]
                index: dict[str, catalog.City] = {}
                for cmd in (*listed, catalog.ListMajorCities()):
                    for city in (await bus.request(cmd, actor=Actor.system())).items:
                        index.setdefault(key(city.name), city)  # largest first: a name keeps its largest
                self._cities = index
                log.debug("barter places: %d city names", len(index))
            return self._cities
