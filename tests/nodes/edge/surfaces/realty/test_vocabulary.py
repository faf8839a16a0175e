"""Realty's words: a seller's English and a buyer's Russian meet on one vocabulary value; anything
else is refused naming the words known; a request's total_rooms read as a range."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from nodes.edge.surfaces.realty.vocabulary import (
    CONDITIONS,
    CURRENCIES,
    DEAL_FORMAT_WORD,
    DEAL_FORMATS,
    PROPERTY_SUBTYPES,
    PROPERTY_TYPES,
    PURPOSES,
    rooms_wanted,
)
from nodes.runtime.settings import Settings
from protocols.market_realty import (
    DealFormat,
    PropertyCondition,
    PropertySubtype,
    PropertyType,
    Purpose,
    RealtyCurrency,
)


@pytest.mark.parametrize(
    ("words", "seller", "buyer", "meet"),
    [
        (DEAL_FORMATS, "sale", "Хочу купить", DealFormat.SALE),
        (DEAL_FORMATS, "rent", "хочу арендовать", DealFormat.RENT),
        (PROPERTY_TYPES, "apartment", "квартира", PropertyType.APARTMENT),
        (PROPERTY_TYPES, "house", "  Дом ", PropertyType.HOUSE),
        (PROPERTY_SUBTYPES, "studio", "студия", PropertySubtype.STUDIO),
        (PROPERTY_SUBTYPES, "apartments", "апартаменты", PropertySubtype.APARTMENTS),
        (PROPERTY_SUBTYPES, "flat", "квартира", PropertySubtype.FLAT),
        (CONDITIONS, "new", "новая", PropertyCondition.NEW),
        (CONDITIONS, "resale", "Вторичная.", PropertyCondition.RESALE),
        (PURPOSES, "residence", "для проживания", Purpose.RESIDENCE),
        (PURPOSES, "investment", "сдавать в аренду", None),  # a different purpose: they do not meet
        (CURRENCIES, "USD", "доллары", RealtyCurrency.USD),
        (CURRENCIES, "EUR", "евро", RealtyCurrency.EUR),
        (CURRENCIES, "KZT", "тенге", RealtyCurrency.KZT),
        (CURRENCIES, "RUB", "рубли", RealtyCurrency.RUB),
    ],
)
def test_both_sides_words_meet_on_one_value(words, seller, buyer, meet) -> None:  # type: ignore[no-untyped-def]
    found = words.find(seller), words.find(buyer)
    if meet is None:
        assert found[0] is not None and found[1] is not None and found[0] != found[1]
    else:
        assert found == (meet, meet)


def test_a_word_nobody_listed_is_refused_naming_the_known_ones() -> None:
    adapter = TypeAdapter(DEAL_FORMAT_WORD)
    assert adapter.validate_python("продажа") is DealFormat.SALE
    with pytest.raises(ValidationError, match="one of sale, rent"):
        adapter.validate_python("обмен")
    assert DEAL_FORMATS.find("x" * 1000) is None


@pytest.mark.parametrize(
    ("text", "wanted"),
    [("студия", (0, 0)), ("Studio", (0, 0)), ("2", (2, 2)), ("4+", (4, None)), ("3 и более", (3, None)),
     ("2-3", (2, 3)), ("3-2", None), ("много", None), ("1000", None)],
)  # fmt: skip
def test_total_rooms_is_a_range(text: str, wanted: tuple[int, int | None] | None) -> None:
    assert rooms_wanted(text) == wanted


def test_every_currency_has_a_configured_rate() -> None:
    assert set(Settings().realty.rub_per_unit()) == {currency.value for currency in RealtyCurrency}
