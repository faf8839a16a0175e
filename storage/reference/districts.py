"""The districts of the big cities (districts.json, its sources in SOURCES.md), read offline: a district
as someone names it ("Центральный", "ЦАО", "Central district") -> its one name, and the district an
address names. Used by the market (a property's district) and the realty domain (a request's), so
that both sides compare the same key (`match_key`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

# Words that say "a district" around its name, in a name or an address; dropped before comparing.
MARKERS = frozenset({"район", "р-н", "р н", "рн", "административный округ", "округ", "district", "rayon",
                     "raion", "okrug", "ao"})  # fmt: skip
PARTS = re.compile(r"[,;\n]+")
SEPARATORS = re.compile(r"[\s.]+")


def _folded(text: str) -> str:
    return SEPARATORS.sub(" ", text.casefold().replace("ё", "е").replace("’", "").replace("'", "")).strip()


def _without_markers(folded: str) -> tuple[str, bool]:
    """The folded text without its district words, and whether it had any."""
    words = folded.split(" ")
    kept: list[str] = []
    marked = False
    i = 0
    while i < len(words):
        pair = " ".join(words[i : i + 2])
        if pair in MARKERS:
            marked, i = True, i + 2
        elif words[i] in MARKERS:
            marked, i = True, i + 1
        else:
            kept.append(words[i])
            i += 1
    return " ".join(kept), marked


def district_key(text: str) -> str:
    """How a district's name is compared: case, ё, punctuation and the word "район" do not matter."""
    return _without_markers(_folded(text))[0].replace("-", " ")


@dataclass(frozen=True)
class CityDistricts:
    by_key: dict[str, str]  # every key a district goes by -> its name


@cache
def _cities() -> dict[int, CityDistricts]:
    document = json.loads((files(__package__) / "districts.json").read_text(encoding="utf-8"))
    cities = {}
    for city_id, city in document["cities"].items():
        by_key = {}
        for name, others in city["districts"].items():
            for spelling in (name, *others):
                by_key[district_key(spelling)] = name
        cities[int(city_id)] = CityDistricts(by_key=by_key)
    return cities


def canonical(city_id: int | None, text: str) -> str | None:
    """The district of this city that `text` names, or None (no list for the city, or not on it)."""
    city = _cities().get(city_id) if city_id is not None else None
    return city.by_key.get(district_key(text)) if city is not None else None


def match_key(city_id: int | None, text: str) -> str:
    """The key a district is matched on: its listed name's, else the text's own."""
    return district_key(canonical(city_id, text) or text)


def in_address(city_id: int | None, address: str) -> str | None:
    """The district an address names in one of its comma-separated parts: the part is the district's
    name alone ("ЦАО"), or its name with a district word ("Центральный район"), so that a street
    called after a district ("Московский проспект") is not taken for it."""
    city = _cities().get(city_id) if city_id is not None else None
    if city is None:
        return None
    for part in PARTS.split(address):
        folded = _folded(part)
        name, marked = _without_markers(folded)
        found = city.by_key.get(name.replace("-", " "))
        if found is not None and (marked or name == folded):
            return found
    return None
