"""Brands a message names, liked or not: "хочу тойоту", "Kia или Hyundai", "не хочу Ладу", "без BMW и
Audi", "только не китайцев", "no Chinese cars".

The names are the car finder's (`brand_aliases`: lowercase, Latin and Cyrillic, each to its slug); a
Cyrillic name is also found inflected ("тойоту", "лады", "мерседесы"). A name that is also a common word
(Seat, Mini, Smart, ГАЗ, ...) counts only written with a capital. A brand's country comes from the vehicle
references (a car has none): "китайцы", "японцы", "German cars" stand for that country's brands.

A brand is disliked when a negation ("не", "без", "кроме", "not", "no", "except", ...) precedes it with
nothing between but other brands, list words ("и", "или", ",") and verbs of wanting ("не хочу Ладу").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import orjson

from storage.reference.vehicles import VEHICLES_FILE

# Names that are common words too: a brand only when capitalised ("Seat", "SEAT", "ГАЗ").
AMBIGUOUS = frozenset({
    "seat", "mini", "smart", "man", "ram", "case", "indian", "silver", "progress", "regal", "polar",
    "tank", "газ", "мини", "смарт", "ман", "сеат", "танк",
})  # fmt: skip
COUNTRIES = {
    "China": r"китай\w*|chinese|china",
    "Japan": r"япон\w*|japanese|japan",
    "South Korea": r"корей\w*|korean|korea",
    "Germany": r"немц\w*|немец\w*|германи\w*|german\w*",
    "Russia": r"отечествен\w*|российск\w*|русск\w*|russian",
}
NEGATIONS = frozenset({
    "не", "без", "кроме", "ни", "нет", "исключая", "not", "no", "without", "except", "excluding",
    "avoid", "hate", "never", "don't", "dont", "nor",
})  # fmt: skip
# Words that may stand between a negation and the brand it negates.
CARRIED = frozenset({
    "и", "или", "и/или", "также", "тоже", "хочу", "хотим", "хочется", "хотелось", "бы", "надо", "нужно",
    "люблю", "любим", "нравится", "нравятся", "рассматриваю", "рассматриваем", "брать", "берем", "покупать",
    "предлагать", "предлагай", "предлагайте", "советуй", "советуйте", "показывай", "марки", "марку", "марок",
    "машин", "машины", "машину", "авто", "автомобили", "автомобилей", "только", "совсем", "особо", "очень",
    "and", "or", "want", "like", "need", "consider", "buy", "show", "suggest", "any", "a", "the", "brand",
    "brands", "make", "makes", "car", "cars", "from", "really", "do", "please", "§",
})  # fmt: skip
_WORD = re.compile(r"[\w'/§]+")
_CYRILLIC = re.compile(r"[а-я]")
_FEMININE = "(?:а|у|ы|е|ой|ою|и|ю|я)"
_MASCULINE = "(?:а|у|ом|е|ы|ов|ам|ами|ах)?"


@dataclass(frozen=True)
class BrandMentions:
    liked: frozenset[str]
    disliked: frozenset[str]


@dataclass(frozen=True)
class _Name:
    pattern: re.Pattern[str]
    slugs: frozenset[str]
    ambiguous: bool


class BrandWords:
    """The brand names of one car finder, compiled once per answer."""

    def __init__(self, aliases: Mapping[str, str]) -> None:
        known = frozenset(aliases.values())
        self.names = [
            _Name(_alias_pattern(alias), frozenset({slug}), alias in AMBIGUOUS)
            for alias, slug in sorted(aliases.items(), key=lambda pair: -len(pair[0]))
            if alias.strip()
        ]
        by_country = _references().by_country
        self.countries = {country: by_country.get(country, frozenset()) & known for country in COUNTRIES}
        for country, words in COUNTRIES.items():
            if self.countries[country]:
                pattern = re.compile(rf"(?<!\w)(?:{words})(?!\w)")
                self.names.append(_Name(pattern, self.countries[country], False))
        self.brand_names = {slug: _references().names.get(slug, slug) for slug in known}

    def mentions(self, text: str, original: str) -> BrandMentions:
        """`text` is `original` lowercased with ё as е (the same length, so spans agree)."""
        spans: list[tuple[int, int, frozenset[str]]] = []
        for name in self.names:
            for match in name.pattern.finditer(text):
                if name.ambiguous and not original[match.start()].isupper():
                    continue
                if any(match.start() < end and start < match.end() for start, end, _ in spans):
                    continue
                spans.append((match.start(), match.end(), name.slugs))
        liked: set[str] = set()
        disliked: set[str] = set()
        masked = text
        for start, end, _ in spans:
            masked = masked[:start] + "§" * (end - start) + masked[end:]
        for start, _, slugs in spans:
            (disliked if _negated(masked[:start]) else liked).update(slugs)
        return BrandMentions(frozenset(liked - disliked), frozenset(disliked))


def _alias_pattern(alias: str) -> re.Pattern[str]:
    words = alias.replace("ё", "е").split()
    body = r"[\s-]+".join(re.escape(word) for word in words)
    last = words[-1]
    if _CYRILLIC.search(last) and len(last) > 2:
        if last[-1] in "ая":
            body = body[: -len(re.escape(last[-1]))] + _FEMININE
        elif last[-1] not in "иоеуыэю":
            body += _MASCULINE
    return re.compile(rf"(?<![\w-]){body}(?![\w-])")


def _negated(before: str) -> bool:
    """Whether the words before a brand, in its sentence, negate it."""
    sentence = re.split(r"[.!?;\n]", before)[-1]
    for word in reversed(_WORD.findall(sentence)):
        word = word.strip("§") or "§"
        if word in NEGATIONS:
            return True
        if word not in CARRIED:
            return False
    return False


@dataclass(frozen=True)
class _Brands:
    names: dict[str, str]  # slug → name
    by_country: dict[str, frozenset[str]]


@cache
def _references() -> _Brands:
    names: dict[str, str] = {}
    countries: dict[str, set[str]] = {}
    for brand in orjson.loads(VEHICLES_FILE.read_bytes())["brands"]:
        names[brand["slug"]] = brand["name"]
        if brand.get("country"):
            countries.setdefault(brand["country"], set()).add(brand["slug"])
    return _Brands(names, {country: frozenset(slugs) for country, slugs in countries.items()})
