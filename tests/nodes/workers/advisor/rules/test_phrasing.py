"""The rule-based answer's words: prices as people say them, choices as the buyer asked for them."""

from __future__ import annotations

import pytest

from nodes.workers.advisor.rules.needs import Needs
from nodes.workers.advisor.rules.phrasing import Words, is_russian, understood

RU = Words(ru=True, brand_names={"kia": "Kia", "chery": "Chery", "haval": "Haval"},
           countries={"China": frozenset({"chery", "haval"})})  # fmt: skip
EN = Words(ru=False, brand_names=RU.brand_names, countries=RU.countries)


@pytest.mark.parametrize(
    ("words", "low", "high", "said"),
    [
        (RU, 2_100_000, 2_600_000, "от 2,1 до 2,6 млн ₽"),
        (RU, 850_000, 1_250_000, "от 850 тыс. ₽ до 1,25 млн ₽"),
        (RU, 2_000_000, 2_000_000, "2 млн ₽"),
        (EN, 2_100_000, 2_600_000, "2.1–2.6M ₽"),
        (EN, 850_000, 990_000, "850–990K ₽"),
    ],
)
def test_a_price_range_says_its_unit_once(words: Words, low: int, high: int, said: str) -> None:
    assert words.span(low, high) == said


def test_what_was_understood_is_said_as_the_buyer_put_it() -> None:
    needs = Needs(
        budget_max=3_000_000, body_types=frozenset({"crossover"}), drives=frozenset({"awd", "4wd"}),
        transmissions=frozenset({"automatic", "robot", "cvt"}), not_brands=frozenset({"chery", "haval", "kia"}),
        engine_types=frozenset({"petrol", "hybrid", "plug-in-hybrid", "electric", "lpg", "cng"}),
    )  # fmt: skip
    assert understood(needs, "Москва", RU) == (
        "Понял: кроссовер; до 3 млн ₽; не дизель; автомат (любой: АКПП, робот, вариатор); полный привод; "
        "кроме китайских марок и Kia; город Москва.\n\n"
    )
    assert understood(needs, None, EN).startswith("Got it: crossover; up to 3M ₽; not diesel;")
    assert is_russian("а подешевле?") and not is_russian("cheaper, 2 млн".replace("млн", "m"))
