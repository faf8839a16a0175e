"""Realty's words -> the one vocabulary of protocols.market_realty.

Sellers write the document's English examples ("sale", "apartment", "resale"), buyers its Russian ones
("хочу купить", "квартира", "вторичная"); both sides, and the obvious variants, meet on one enum value.
A word is compared lowercased, `ё` as `е`, with spaces collapsed and surrounding punctuation dropped;
each enum's own value is always one of its words.

`*_WORD` types read a form or JSON field into its enum (a word nobody listed is a validation error that
names the words known); `rooms_wanted` reads a request's `total_rooms` ("студия", "2", "4+").
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Generic, TypeVar

from pydantic import BeforeValidator, WithJsonSchema

from protocols.fields import ROOMS_MAX
from protocols.market_realty import (
    DealFormat,
    PropertyCondition,
    PropertySubtype,
    PropertyType,
    Purpose,
    RealtyCurrency,
)

E = TypeVar("E", bound=StrEnum)

WORD_MAX = 64  # protocols.fields.PropertyWord: longer is no word of ours
WORDS_NAMED = 8  # in the OpenAPI document's description of a word field
SPACES = re.compile(r"\s+")
EDGE_PUNCTUATION = " .,;:!?\"'«»()"


def normal(word: str) -> str:
    return SPACES.sub(" ", word.lower().replace("ё", "е")).strip(EDGE_PUNCTUATION)


class Words(Generic[E]):
    """One enum's words."""

    def __init__(self, enum: type[E], words: dict[E, tuple[str, ...]]) -> None:
        self.enum = enum
        self.by_word: dict[str, E] = {normal(member.value): member for member in enum}
        for member, spellings in words.items():
            for spelling in spellings:
                self.by_word[normal(spelling)] = member

    def find(self, word: str) -> E | None:
        return self.by_word.get(normal(word)) if len(word) <= WORD_MAX else None

    def schema(self) -> WithJsonSchema:
        """A string: the enum's values, or any of their words (named in the description)."""
        others = [word for word in self.by_word if word not in {normal(member.value) for member in self.enum}]
        values = ", ".join(member.value for member in self.enum)
        return WithJsonSchema({"type": "string", "description": f"{values}; or a word of the same meaning: "
                               f"{', '.join(others[:WORDS_NAMED])}…", "examples": [m.value for m in self.enum]})  # fmt: skip

    def read(self, value: object) -> object:
        """A pydantic `BeforeValidator`: a known word becomes its member; anything else is refused."""
        if isinstance(value, self.enum) or not isinstance(value, str):
            return value  # the enum's own check answers for a non-string
        found = self.find(value)
        if found is None:
            known = ", ".join(member.value for member in self.enum)
            raise ValueError(f"Unknown value '{value[:WORD_MAX]}': one of {known} (or its Russian word)")
        return found


DEAL_FORMATS = Words(DealFormat, {
    DealFormat.SALE: ("for sale", "sell", "buy", "purchase", "продажа", "продаю", "продать", "купить",
                      "хочу купить", "покупка", "куплю"),
    DealFormat.RENT: ("for rent", "lease", "rental", "аренда", "арендовать", "хочу арендовать", "снять",
                      "хочу снять", "сниму", "сдать", "сдаю", "сдача в аренду", "посуточно"),
})  # fmt: skip

PROPERTY_TYPES = Words(PropertyType, {
    PropertyType.APARTMENT: ("flat", "apartments", "квартира", "квартиры", "апартаменты"),
    PropertyType.HOUSE: ("дом", "частный дом", "villa", "вилла", "cottage", "коттедж"),
    PropertyType.TOWNHOUSE: ("таунхаус",),
    PropertyType.ROOM: ("комната",),
    PropertyType.LAND: ("plot", "участок", "земельный участок", "земля"),
    PropertyType.COMMERCIAL: ("коммерческая", "коммерческая недвижимость", "office", "офис", "помещение"),
    PropertyType.PARKING: ("garage", "парковка", "машиноместо", "гараж"),
})  # fmt: skip

PROPERTY_SUBTYPES = Words(PropertySubtype, {
    PropertySubtype.FLAT: ("apartment", "квартира"),
    PropertySubtype.APARTMENTS: ("апартаменты",),
    PropertySubtype.STUDIO: ("студия",),
    PropertySubtype.PENTHOUSE: ("пентхаус",),
    PropertySubtype.LOFT: ("лофт",),
    PropertySubtype.DUPLEX: ("дуплекс", "двухуровневая квартира"),
    PropertySubtype.VILLA: ("вилла",),
    PropertySubtype.COTTAGE: ("коттедж",),
    PropertySubtype.TOWNHOUSE: ("таунхаус",),
    PropertySubtype.OFFICE: ("офис",),
    PropertySubtype.RETAIL: ("shop", "магазин", "торговое помещение"),
    PropertySubtype.WAREHOUSE: ("склад",),
})  # fmt: skip

CONDITIONS = Words(PropertyCondition, {
    PropertyCondition.NEW: ("new building", "primary", "off-plan", "новая", "новое", "новый", "новостройка",
                            "первичка", "первичная", "строящаяся"),
    PropertyCondition.RESALE: ("secondary", "used", "вторичная", "вторичное", "вторичный", "вторичка",
                               "вторичный рынок"),
})  # fmt: skip

PURPOSES = Words(Purpose, {
    Purpose.RESIDENCE: ("living", "to live", "для проживания", "проживание", "для жизни", "жить"),
    Purpose.INVESTMENT: ("для инвестиций", "инвестиции", "инвестиция", "вложение"),
    Purpose.RENTAL: ("rent out", "to let", "сдавать в аренду", "для сдачи в аренду", "под сдачу", "сдавать"),
    Purpose.VACATION: ("holiday", "для отдыха", "отдых"),
    Purpose.BUSINESS: ("commercial", "для бизнеса", "бизнес"),
})  # fmt: skip

CURRENCIES = Words(RealtyCurrency, {
    RealtyCurrency.RUB: ("rur", "ruble", "rubles", "рубли", "рубль", "рублей", "руб", "₽"),
    RealtyCurrency.USD: ("$", "dollar", "dollars", "us dollars", "доллары", "доллар", "долларов"),
    RealtyCurrency.EUR: ("€", "euro", "euros", "евро"),
    RealtyCurrency.KZT: ("₸", "tenge", "тенге"),
    RealtyCurrency.AED: ("dirham", "dirhams", "дирхам", "дирхамы", "дирхамов"),
    RealtyCurrency.TRY: ("lira", "турецкая лира", "лира", "лиры"),
    RealtyCurrency.GBP: ("£", "pound", "pounds", "фунт", "фунты", "фунтов"),
    RealtyCurrency.CNY: ("rmb", "yuan", "юань", "юани", "юаней"),
})  # fmt: skip

DEAL_FORMAT_WORD = Annotated[DealFormat, BeforeValidator(DEAL_FORMATS.read), DEAL_FORMATS.schema()]
PROPERTY_TYPE_WORD = Annotated[PropertyType, BeforeValidator(PROPERTY_TYPES.read), PROPERTY_TYPES.schema()]
PROPERTY_SUBTYPE_WORD = Annotated[
    PropertySubtype, BeforeValidator(PROPERTY_SUBTYPES.read), PROPERTY_SUBTYPES.schema()
]
CONDITION_WORD = Annotated[PropertyCondition, BeforeValidator(CONDITIONS.read), CONDITIONS.schema()]
PURPOSE_WORD = Annotated[Purpose, BeforeValidator(PURPOSES.read), PURPOSES.schema()]
CURRENCY_WORD = Annotated[RealtyCurrency, BeforeValidator(CURRENCIES.read), CURRENCIES.schema()]

# --- rooms -----------------------------------------------------------------------------------------

STUDIO_WORDS = frozenset({"студия", "studio", "0"})
ROOMS = re.compile(r"^(\d{1,3})(?:\s*(\+|и более|или более|or more)|\s*-\s*(\d{1,3}))?$")


def rooms_wanted(text: str) -> tuple[int, int | None] | None:
    """A request's `total_rooms` as (at least, at most; None: no upper bound), a studio (0, 0):
    "студия", "2", "4+", "2-3". None when it is none of these."""
    word = normal(text)
    if word in STUDIO_WORDS:
        return 0, 0
    found = ROOMS.match(word) if len(word) <= WORD_MAX else None
    if found is None:
        return None
    low = int(found.group(1))
    high = None if found.group(2) else int(found.group(3) or low)
    if low > ROOMS_MAX or (high is not None and not low <= high <= ROOMS_MAX):
        return None
    return low, high
