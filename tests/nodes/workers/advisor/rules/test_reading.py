"""The rule-based advisor reads real-sounding requests, and follow-ups, into the needs a buyer meant."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nodes.workers.advisor.rules.amounts import Budget, budget_in
from nodes.workers.advisor.rules.needs import ForeignBudget, Needs
from nodes.workers.advisor.rules.reading import city_forms, read
from protocols.market import Condition

# What a car finder calls brands by (as the catalog's index gives them: names, Cyrillic spellings).
ALIASES = {
    "toyota": "toyota", "тойота": "toyota", "kia": "kia", "киа": "kia", "hyundai": "hyundai",
    "хендай": "hyundai", "хундай": "hyundai", "lada": "lada", "лада": "lada", "ваз": "lada", "bmw": "bmw",
    "бмв": "bmw", "audi": "audi", "ауди": "audi", "skoda": "skoda", "шкода": "skoda", "chery": "chery",
    "чери": "chery", "haval": "haval", "хавал": "haval", "geely": "geely", "джили": "geely", "omoda": "omoda",
    "mercedes-benz": "mercedes-benz", "mercedes": "mercedes-benz", "мерседес": "mercedes-benz",
    "volkswagen": "volkswagen", "vw": "volkswagen", "фольксваген": "volkswagen", "seat": "seat",
    "land rover": "land-rover", "mini": "mini", "nissan": "nissan", "ниссан": "nissan",
}  # fmt: skip
CHINESE = frozenset({"chery", "haval", "geely", "omoda"})
TWO_PEDALS = frozenset({"automatic", "robot", "cvt"})
ALL_WHEELS = frozenset({"awd", "4wd"})


def f(*slugs: str) -> frozenset[str]:
    return frozenset(slugs)


CASES: list[tuple[list[str], Needs]] = [
    (["Ищу кроссовер до 3 млн в Москве, на автомате, полный привод"],
     Needs(budget_max=3_000_000, body_types=f("crossover"), transmissions=TWO_PEDALS, drives=ALL_WHEELS,
           city="Москве")),
    (["Нужен семиместный минивэн для большой семьи, бюджет 2,5 млн"],
     Needs(budget_max=2_500_000, body_types=f("minivan"), min_seats=7)),
    (["хочу тойоту или шкоду, с пробегом, в казани"],
     Needs(brands=f("toyota", "skoda"), condition=Condition.USED, city="казани")),
    (["Looking for a 7-seater SUV under $40k in Kazan, diesel, no manual"],
     Needs(body_types=f("suv"), min_seats=7, engine_types=f("diesel"), transmissions=TWO_PEDALS, city="Kazan",
           foreign=ForeignBudget("USD", None, 40_000))),
    (["Нужна машина на 7 человек, новая, от 2018 года, не дороже 4 млн. Только не китайцев!"],
     Needs(budget_max=4_000_000, min_seats=7, not_brands=CHINESE, condition=Condition.NEW, min_year=2018)),
    (["седан или универсал около 2 млн, без дизеля"],
     Needs(budget_min=1_700_000, budget_max=2_300_000, body_types=f("sedan", "wagon"),
           engine_types=f("petrol", "hybrid", "plug-in-hybrid", "electric", "lpg", "cng"))),
    (["В Санкт-Петербурге ищу хэтчбек тысяч за 800"], Needs(body_types=f("hatchback"), city="Санкт-Петербурге")),
    (["В Санкт-Петербурге ищу хэтчбек за 800 тыс"],
     Needs(budget_max=800_000, body_types=f("hatchback"), city="Санкт-Петербурге")),
    (["электромобиль в Нижнем Новгороде"], Needs(engine_types=f("electric"), city="Нижнем Новгороде")),
    (["used AWD estate for 1.5m, any brand except BMW"],
     Needs(budget_max=1_500_000, body_types=f("wagon"), drives=ALL_WHEELS, not_brands=f("bmw"),
           condition=Condition.USED)),
    (["Kia или Hyundai от 1 до 2 млн"], Needs(budget_min=1_000_000, budget_max=2_000_000, brands=f("kia", "hyundai"))),
    (["не хочу Ладу, кроссовер 1.5-2 млн"],
     Needs(budget_min=1_500_000, budget_max=2_000_000, body_types=f("crossover"), not_brands=f("lada"))),
    (["без BMW и Audi, что-нибудь на механике до 900к"],
     Needs(budget_max=900_000, transmissions=f("manual"), not_brands=f("bmw", "audi"))),
    (["бюджет 3 000 000 руб, пробег до 100 тыс км, заднеприводный седан"],
     Needs(budget_max=3_000_000, body_types=f("sedan"), drives=f("rwd"), condition=Condition.USED)),
    (["a hybrid crossover from 2 million roubles, new, 5 seats"],
     Needs(budget_min=2_000_000, body_types=f("crossover"), engine_types=f("hybrid", "plug-in-hybrid"),
           min_seats=5, condition=Condition.NEW)),
    (["Интересует пикап 4х4, дизельный, в районе 4 млн"],
     Needs(budget_min=3_400_000, budget_max=4_600_000, body_types=f("pickup"), engine_types=f("diesel"),
           drives=ALL_WHEELS)),
    (["Нужен автомобиль с третьим рядом, вариатор или робот, б/у"],
     Needs(min_seats=7, transmissions=f("cvt", "robot"), condition=Condition.USED)),
    (["Хочу мерседес или фольксваген, классический автомат, 2015+"],
     Needs(brands=f("mercedes-benz", "volkswagen"), transmissions=f("automatic"), min_year=2015)),
    (["I want a 7-seat car for a big family, no Chinese brands"], Needs(min_seats=7, not_brands=CHINESE)),
    (["Seat or Mini up to 25 000 евро"], Needs(brands=f("seat", "mini"), foreign=ForeignBudget("EUR", None, 25_000))),
    (["Посоветуйте машину для семьи с двумя детьми, в бюджете до двух миллионов"], Needs(budget_max=2_000_000)),
    (["Хочу машину в кредит, платить не больше 30 тыс в месяц, седан"], Needs(body_types=f("sedan"))),
    (["Ищу машину до 1.5 млн, не старше 5 лет, пробег до 80 000 км"],
     Needs(budget_max=1_500_000, min_year=datetime.now(UTC).year - 5, condition=Condition.USED)),
    (["Бюджет 3-3.5 млн, хочу японца, полный привод"],
     Needs(budget_min=3_000_000, budget_max=3_500_000, brands=f("toyota", "nissan"), drives=ALL_WHEELS)),
    (["Нужна машина для такси: седан, газ-бензин, механика, не дороже миллиона"],
     Needs(budget_max=1_000_000, body_types=f("sedan"), engine_types=f("lpg"), transmissions=f("manual"))),
    (["привет"], Needs()),
    # Follow-ups: later messages add to and override earlier ones.
    (["кроссовер до 3 млн", "а подешевле?"], Needs(budget_max=3_000_000, body_types=f("crossover"), cheaper=True)),
    (["кроссовер до 3 млн, механика", "только автомат"],
     Needs(budget_max=3_000_000, body_types=f("crossover"), transmissions=TWO_PEDALS)),
    (["кроссовер до 3 млн", "забудь про бюджет"], Needs(body_types=f("crossover"))),
    (["crossover under 3m", "any budget, but only all-wheel drive"],
     Needs(body_types=f("crossover"), drives=ALL_WHEELS)),
    (["хочу Kia или Toyota до 2 млн", "а седаны есть?", "не Киа"],
     Needs(budget_max=2_000_000, body_types=f("sedan"), brands=f("toyota"), not_brands=f("kia"))),
    (["кроссовер или универсал до 2.5 млн", "без универсалов", "и пусть будет дизель"],
     Needs(budget_max=2_500_000, body_types=f("crossover"), engine_types=f("diesel"))),
    (["седан до 2 млн", "можно и хэтчбек тоже", "от 1,5 млн"],
     Needs(budget_min=1_500_000, budget_max=2_000_000, body_types=f("sedan", "hatchback"))),
    (["кроссовер, полный привод, до 3 млн", "полный привод не обязательно", "любой кузов"],
     Needs(budget_max=3_000_000)),
    (["хочу китайца до 2 млн", "кроме Haval"], Needs(budget_max=2_000_000, brands=CHINESE - {"haval"},
                                                     not_brands=f("haval"))),
    (["в Москве, кроссовер", "а в Питере?"], Needs(body_types=f("crossover"), city="Питере")),
    (["новый кроссовер", "или с пробегом, не важно"], Needs(body_types=f("crossover"))),
]  # fmt: skip


@pytest.mark.parametrize(("messages", "expected"), CASES, ids=[" / ".join(m)[:60] for m, _ in CASES])
def test_a_conversation_reads_into_the_needs_it_states(messages: list[str], expected: Needs) -> None:
    assert read(messages, ALIASES) == expected


BUDGETS = [
    ("до 3 млн", Budget("RUB", None, 3_000_000)),
    ("3 000 000 руб", Budget("RUB", None, 3_000_000)),
    ("2,5 млн", Budget("RUB", None, 2_500_000)),
    ("1.5m", Budget("RUB", None, 1_500_000)),
    ("800 тыс", Budget("RUB", None, 800_000)),
    ("800k", Budget("RUB", None, 800_000)),
    ("800к", Budget("RUB", None, 800_000)),
    ("от 1 до 2 млн", Budget("RUB", 1_000_000, 2_000_000)),
    ("between 1 and 2m", Budget("RUB", 1_000_000, 2_000_000)),
    ("около 2 млн", Budget("RUB", 1_700_000, 2_300_000)),
    ("не больше 1,2 лямов", Budget("RUB", None, 1_200_000)),
    ("не меньше 900 000", Budget("RUB", 900_000, None)),
    ("$30k", Budget("USD", None, 30_000)),
    ("up to $40,000", Budget("USD", None, 40_000)),
    ("пробег до 100 тыс км, 2.0 л, 150 л.с., 2018 года, 7 мест", None),
]


@pytest.mark.parametrize(("text", "expected"), BUDGETS, ids=[text for text, _ in BUDGETS])
def test_amounts_are_read_with_their_units_and_their_role(text: str, expected: Budget | None) -> None:
    assert budget_in(text.lower()) == expected


def test_an_inflected_city_is_looked_up_by_its_names() -> None:
    assert "Москва" in city_forms("Москве")
    assert "Нижний Новгород" in city_forms("Нижнем Новгороде")
    assert "Казань" in city_forms("Казани")
    assert "Санкт-Петербург" in city_forms("Питере")
    assert city_forms("Kazan") == ["Kazan"]
