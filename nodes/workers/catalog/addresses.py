"""The city an address names, found offline among every name the catalog's cities go by.

An address is read part by part (between commas): a part that is a city's name alone ("Москва",
"г. Москва", "city of Almaty") names it; failing any, a run of up to three words inside a part does
("Moscow 125009"). A part that is a street, a house or a district ("ул. Ленина", "Main St", "район
Алматы") is never read for a city, so that a street named after one is not taken for it. Of several
cities found, the largest.
"""

from __future__ import annotations

import re

from protocols import catalog as wire

from .geography import Places, name_key

PARTS = re.compile(r"[,;\n]+")
WORDS = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
NGRAM_MAX = 3  # "Nizhny Novgorod", "Ust-Kamenogorsk", "Санкт-Петербург" split at its hyphen is still one
CITY_WORDS = frozenset({"г", "гор", "город", "city", "of", "town"})
# A part holding one of these is a street, a house or a district: no city is read in it.
NOT_A_CITY = frozenset({
    "ул", "улица", "пр", "пр-т", "просп", "проспект", "пер", "переулок", "ш", "шоссе", "б-р", "бульвар",
    "наб", "набережная", "пл", "площадь", "проезд", "тупик", "аллея", "д", "дом", "кв", "квартира", "корп",
    "корпус", "стр", "строение", "мкр", "микрорайон", "район", "р-н", "округ", "жк",
    "street", "st", "avenue", "ave", "road", "rd", "lane", "ln", "boulevard", "blvd", "square", "sq",
    "drive", "dr", "apt", "apartment", "building", "district", "tower",
})  # fmt: skip


def city_in_address(places: Places, address: str) -> wire.CityInAddress:
    whole: list[tuple[wire.City, str]] = []
    inside: list[tuple[wire.City, str]] = []
    for part in PARTS.split(address):
        words = WORDS.findall(part)
        if not words or any(word.casefold() in NOT_A_CITY for word in words):
            continue
        named = [word for word in words if word.casefold() not in CITY_WORDS]
        found = _named(places, named)
        if found is not None:
            whole.append(found)
            continue
        inside.extend(_runs(places, named))
    candidates = whole or inside
    if not candidates:
        return wire.CityInAddress(city=None, named=None)
    city, named_as = max(candidates, key=lambda pair: pair[0].population)
    return wire.CityInAddress(city=city, named=named_as)


def _named(places: Places, words: list[str]) -> tuple[wire.City, str] | None:
    text = " ".join(words)
    cities = places.by_name.get(name_key(text)) if text else None
    return (cities[0], text) if cities else None


def _runs(places: Places, words: list[str]) -> list[tuple[wire.City, str]]:
    found = []
    for size in range(min(NGRAM_MAX, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            named = _named(places, words[start : start + size])
            if named is not None:
                found.append(named)
    return found
