"""The rule-based advisor over a small real catalog: it says what it understood before it searches,
recommends cars that satisfy the request and says why, narrows on a follow-up, asks for what is
missing and, when nothing fits, says what relaxing one condition would give."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nodes.workers.advisor.backend import CarsPiece, Piece, TextPiece, Turn
from nodes.workers.advisor.rules import RulesBackend
from protocols.advisor_cars import Car, CarAd, CarPage, PriceSource, SearchCars
from protocols.catalog import City, CityInAddress, FindCityInAddress
from protocols.chat import Author

ALIASES = {"kia": "kia", "киа": "kia", "hyundai": "hyundai", "хендай": "hyundai", "haval": "haval",
           "chery": "chery", "geely": "geely", "toyota": "toyota", "тойота": "toyota", "lada": "lada",
           "лада": "lada", "skoda": "skoda", "volkswagen": "volkswagen", "nissan": "nissan"}  # fmt: skip
TWO_PEDALS = {"automatic", "robot", "cvt"}
CITIES = {"москва": City(id=1, country_id=1, region_id=None, name="Москва", latitude=55.75, longitude=37.62,
                         population=13_000_000)}  # fmt: skip


def car(
    car_id: int, brand: str, model: str, body: str, fuel: str, gearbox: str, drive: str, seats: int,
    price: tuple[int, int] | None, ads: int = 0, model_id: int | None = None,
) -> Car:  # fmt: skip
    shown = [
        CarAd(id=car_id * 100 + n, title=f"{brand} {model}, 2022", price=price[0] + n * 50_000, currency="RUB",
              year=2022, mileage=30_000 + n * 10_000, city_id=1)
        for n in range(min(ads, 3))
    ] if price else []  # fmt: skip
    return Car(
        id=car_id, brand_id=hash(brand) % 1000, brand=brand, model_id=model_id or car_id, model=model,
        generation_id=car_id, generation="II", modification=f"2.0 {gearbox[:2].upper()}", year_from=2019,
        year_to=None, body_type=body, engine_type=fuel, engine_volume_l=2.0, power_hp=150, transmission=gearbox,
        drive=drive, seats=seats, price_min=price[0] if price else None, price_max=price[1] if price else None,
        currency="RUB", price_source=(PriceSource.ADS if ads else PriceSource.REFERENCE) if price else None,
        ads_count=ads, ads=shown,
    )  # fmt: skip


M = 1_000_000
CARS = [
    car(1, "Kia", "Sportage", "crossover", "petrol", "automatic", "awd", 5, (2_100_000, 2_600_000), ads=4),
    car(
        2,
        "Kia",
        "Sportage",
        "crossover",
        "petrol",
        "automatic",
        "fwd",
        5,
        (1_900_000, 2_200_000),
        ads=2,
        model_id=1,
    ),
    car(3, "Hyundai", "Tucson", "crossover", "petrol", "automatic", "awd", 5, (2_500_000, 2_900_000), ads=3),
    car(4, "Haval", "Jolion", "crossover", "petrol", "robot", "fwd", 5, (1_700_000, 1_700_000)),
    car(5, "Chery", "Tiggo 7 Pro", "crossover", "petrol", "cvt", "fwd", 5, (2_000_000, 2_000_000)),
    car(6, "Geely", "Monjaro", "crossover", "petrol", "automatic", "awd", 5, (3_900_000, 3_900_000)),
    car(7, "Toyota", "RAV4", "crossover", "petrol", "cvt", "awd", 5, (3_200_000, 3_600_000), ads=2),
    car(8, "Lada", "Vesta", "sedan", "petrol", "manual", "fwd", 5, (1_200_000, 1_400_000), ads=5),
    car(9, "Skoda", "Octavia", "liftback", "petrol", "robot", "fwd", 5, (1_800_000, 2_300_000), ads=2),
    car(10, "Kia", "Carnival", "minivan", "diesel", "automatic", "fwd", 8, (4_500_000, 5_200_000), ads=2),
    car(
        11,
        "Toyota",
        "Land Cruiser Prado",
        "suv",
        "diesel",
        "automatic",
        "4wd",
        7,
        (5_500_000, 6_500_000),
        ads=3,
    ),
    car(12, "Lada", "Largus", "wagon", "petrol", "manual", "fwd", 7, (1_300_000, 1_500_000)),
    car(13, "Volkswagen", "Tiguan", "crossover", "petrol", "robot", "awd", 5, (2_800_000, 3_100_000), ads=1),
    car(14, "Nissan", "Qashqai", "crossover", "petrol", "cvt", "fwd", 5, None),
    car(15, "Lada", "Niva Travel", "crossover", "petrol", "manual", "4wd", 5, (1_300_000, 1_500_000), ads=2),
    car(16, "Chery", "Tiggo 4", "crossover", "petrol", "cvt", "fwd", 5, (1_500_000, 1_500_000)),
]


class Shelf:
    """The catalog as a list filtered by SearchCars' rules (every filter given holds; a price range
    matches when it meets the car's; cheapest first, unpriced last), recording the searches."""

    def __init__(self, cars: Sequence[Car]) -> None:
        self.cars = cars
        self.searches: list[SearchCars] = []

    async def search(self, query: SearchCars) -> CarPage:
        self.searches.append(query)
        hits = sorted(
            (c for c in self.cars if _fits(c, query)), key=lambda c: (c.price_min is None, c.price_min, c.id)
        )
        return CarPage(items=hits[query.offset : query.offset + query.limit], total=len(hits))

    def brand_aliases(self) -> Mapping[str, str]:
        return ALIASES


def _fits(c: Car, q: SearchCars) -> bool:
    def among(value: str | None, wanted: Sequence[str] | None) -> bool:
        return wanted is None or value in wanted

    brand = c.brand.lower()
    priced = q.min_price is None and q.max_price is None
    if c.price_min is not None and c.price_max is not None:
        priced = (q.min_price is None or c.price_max >= q.min_price) and (
            q.max_price is None or c.price_min <= q.max_price
        )
    return (
        among(c.body_type, q.body_types) and among(c.engine_type, q.engine_types)
        and among(c.transmission, q.transmissions) and among(c.drive, q.drives) and among(brand, q.brands)
        and brand not in (q.exclude_brands or []) and (q.min_seats is None or (c.seats or 0) >= q.min_seats)
        and priced
    )  # fmt: skip


class Catalog:
    """The catalog worker's answer to FindCityInAddress, over two cities: the first part naming one."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def request(self, cmd: Any, *, actor: Any = None, timeout: float | None = None) -> Any:
        assert isinstance(cmd, FindCityInAddress)
        self.asked.append(cmd.address)
        for part in cmd.address.split(", "):
            if part.lower() in CITIES:
                return CityInAddress(city=CITIES[part.lower()], named=part)
        return CityInAddress(city=None, named=None)


def said(*texts: str) -> list[Turn]:
    """A conversation: the buyer's messages with an assistant's reply between them."""
    turns = []
    for text in texts:
        turns += [Turn(Author.USER, text), Turn(Author.ASSISTANT, "…")]
    return turns[:-1]


async def answer(
    texts: Sequence[str], shelf: Shelf | None = None, rates: Mapping[str, float] | None = None
) -> tuple[str, list[Car], list[Piece]]:
    shelf = shelf or Shelf(CARS)
    pieces = [piece async for piece in RulesBackend(Catalog(), rates=rates).answer(said(*texts), shelf)]
    cars = [piece for piece in pieces if isinstance(piece, CarsPiece)]
    assert len(cars) == 1 and pieces[-1] is cars[0]  # one list of cars, after the words
    return "".join(p.text for p in pieces if isinstance(p, TextPiece)), cars[0].cars, pieces


async def test_the_recommended_cars_satisfy_the_request_and_the_answer_says_why() -> None:
    shelf = Shelf(CARS)
    stream = RulesBackend(Catalog()).answer(
        said("Ищу кроссовер до 3 млн на автомате, полный привод, в Москве"), shelf
    )
    first = await anext(stream)
    assert isinstance(first, TextPiece) and shelf.searches == []  # the first words come before any search
    assert "кроссовер" in first.text and "до 3 млн ₽" in first.text and "город Москва" in first.text
    rest = [piece async for piece in stream]
    text = first.text + "".join(p.text for p in rest if isinstance(p, TextPiece))
    cars = rest[-1].cars if isinstance(rest[-1], CarsPiece) else []
    assert [c.model for c in cars] == ["Sportage", "Tucson", "Tiguan"]  # Sportage once, not two of its trims
    for c in cars:
        assert c.body_type == "crossover" and c.drive in ("awd", "4wd") and c.transmission in TWO_PEDALS
        assert c.price_min is not None and c.price_min <= 3 * M
    assert all(q.ads_city_id == 1 and q.max_price == 3 * M for q in shelf.searches)
    sportage = text[text.index("Kia Sportage") : text.index("Hyundai Tucson")]
    for fact in ("кроссовер", "полный привод", "автомат", "бензин", "5 мест", "по 4 объявлениям на Souk",
                 "от 2,1 до 2,6 млн ₽", "укладывается в бюджет до 3 млн ₽", "№100 «Kia Sportage, 2022»"):  # fmt: skip
        assert fact in sportage, fact
    assert "робот" in text[text.index("Volkswagen Tiguan") :]


async def test_a_follow_up_narrows_what_was_recommended() -> None:
    _, first, _ = await answer(["кроссовер до 3 млн"])
    assert "Niva Travel" in [c.model for c in first]
    _, automatic, _ = await answer(["кроссовер до 3 млн", "только автомат"])
    assert automatic and all(c.transmission in TWO_PEDALS and c.body_type == "crossover" for c in automatic)
    text, cheaper, _ = await answer(["кроссовер до 3 млн", "только автомат", "а подешевле?"])
    cheapest_before = min(c.price_min or 0 for c in automatic)
    assert cheaper and all(c.price_min is not None and c.price_min < cheapest_before for c in cheaper)
    assert all(c.transmission in TWO_PEDALS for c in cheaper)
    assert f"Дешевле {cheapest_before / M:.1f}".replace(".", ",") in text
    text, _, _ = await answer(["кроссовер до 3 млн", "только автомат", "а подешевле?", "а ещё дешевле?"])
    assert "Дешевле 1,5 млн ₽ под эти условия ничего нет" in text and "поднять бюджет" not in text
    assert "с другой коробкой — 1 вариант, от 1,3 млн ₽" in text  # the Niva, a manual
    _, any_budget, _ = await answer(["кроссовер до 3 млн", "забудь про бюджет, только полный привод"])
    assert all(c.drive in ("awd", "4wd") for c in any_budget)
    assert any((c.price_min or 0) > 3 * M for c in any_budget)  # the budget is gone


async def test_a_missing_budget_is_asked_for_with_a_few_cars_to_start_with() -> None:
    text, cars, _ = await answer(["хочу кроссовер"])
    assert "какой у вас бюджет" in text
    assert 0 < len(cars) <= 3 and all(c.body_type == "crossover" for c in cars)
    text, cars, _ = await answer(["Hi, I need a car"])
    assert "your budget" in text and "what body type" in text and cars == []
    text, cars, _ = await answer(["SUV under $80k"])
    assert "in roubles" in text and "80,000 USD" in text and cars  # no rate: asked, still suggested
    text, cars, _ = await answer(["SUV under $80k"], rates={"USD": 80.0})
    assert "I count 80,000 USD as 6.4M ₽" in text and [c.model for c in cars] == ["Land Cruiser Prado"]


async def test_an_english_request_is_answered_in_english_with_the_facts() -> None:
    text, cars, _ = await answer(["used 7-seat SUV under 7m, diesel, no Kia, in Kazan"])
    assert [c.model for c in cars] == ["Land Cruiser Prado"]
    for fact in ("Got it:", "SUV", "7+ seats", "up to 7M ₽", "not Kia", "used", "could not find the city “Kazan”",
                 "four-wheel drive", "diesel", "7 seats", "Priced by 3 ads on Souk: 5.5–6.5M ₽"):  # fmt: skip
        assert fact in text, fact


async def test_when_nothing_fits_it_says_what_relaxing_one_condition_gives() -> None:
    text, cars, _ = await answer(["минивэн до 2 млн"])
    assert cars == []
    assert "ничего не нашлось" in text
    assert "если поднять бюджет — 1 вариант, от 4,5 млн ₽" in text
    assert "с другим кузовом" in text
