"""The catalog's matching rules on their own (nodes/workers/advisor/car_search.py): ranges that meet,
unknowns that match no filter on them, and the order (cheapest first, no price last)."""

from __future__ import annotations

from typing import Any

import pytest

from nodes.workers.advisor.car_search import Brands, Priced, car_of, found, matches
from protocols.advisor_cars import BodyType, Drive, PriceSource, SearchCars
from protocols.catalog import CarConfiguration
from protocols.market import AdDigest, ModificationAds

THIS_YEAR = 2026
ANY_BRAND = Brands(wanted=None, excluded=frozenset())


def config(id_: int = 1, **fields: Any) -> CarConfiguration:
    base = CarConfiguration(
        id=id_, name="2.0 AT", year_from=2015, year_to=2019, body_type="sedan", engine_type="petrol",
        engine_volume_l=2.0, power_hp=150, transmission="automatic", drive="fwd", seats=5,
        price_new_rub=None, generation_id=1, generation="I", model_id=1, model="Rio", model_slug="rio",
        brand_id=1, brand="Kia", brand_slug="kia",
    )  # fmt: skip
    return base.model_copy(update=fields)


def ads(low: int, high: int, id_: int = 1) -> ModificationAds:
    cheapest = [AdDigest(id=9, title="Kia", price=low, currency="RUB", year=2018, mileage=1, city_id=None)]
    return ModificationAds(modification_id=id_, price_min=low, price_max=high, count=2, cheapest=cheapest)


@pytest.mark.parametrize(
    ("car", "query", "expected"),
    [
        (Priced(config(), None), {}, True),
        (Priced(config(), None), {"min_year": 2019}, True),  # the ends are in
        (Priced(config(), None), {"min_year": 2020}, False),
        (Priced(config(), None), {"max_year": 2015}, True),
        (Priced(config(), None), {"max_year": 2014}, False),
        (Priced(config(year_to=None), None), {"min_year": THIS_YEAR}, True),  # still made
        (Priced(config(year_from=None), None), {"max_year": 2020}, False),  # unknown: no year filter holds
        (Priced(config(), ads(1_000, 1_500)), {"max_price": 1_200}, True),  # the ranges meet
        (Priced(config(), ads(1_000, 1_500)), {"min_price": 1_500}, True),
        (Priced(config(), ads(1_000, 1_500)), {"min_price": 1_501}, False),
        (Priced(config(), ads(1_000, 1_500)), {"max_price": 999}, False),
        (Priced(config(price_new_rub=2_000), None), {"min_price": 2_000, "max_price": 2_000}, True),
        (Priced(config(price_new_rub=2_000), ads(1_000, 1_500)), {"min_price": 1_600}, False),  # ads first
        (Priced(config(), None), {"max_price": 10**9}, False),  # no price: no price filter holds
        (Priced(config(seats=7), None), {"min_seats": 7, "max_seats": 7}, True),
        (Priced(config(seats=5), None), {"min_seats": 7, "max_seats": 7}, False),
        (Priced(config(seats=None), None), {"min_seats": 1}, False),
        (Priced(config(), None), {"body_types": [BodyType.SEDAN, BodyType.SUV]}, True),
        (Priced(config(), None), {"body_types": [BodyType.SUV]}, False),
        (Priced(config(drive=None), None), {"drives": [Drive.FWD]}, False),
    ],
)
def test_a_filter_holds_where_the_ranges_meet(car: Priced, query: dict[str, Any], expected: bool) -> None:
    assert matches(car, SearchCars(**query), ANY_BRAND, THIS_YEAR) is expected


def test_brands_wanted_and_excluded() -> None:
    car = Priced(config(), None)
    assert matches(car, SearchCars(), Brands(wanted=frozenset({"kia", "lada"}), excluded=frozenset()), 2026)
    assert not matches(car, SearchCars(), Brands(wanted=frozenset({"lada"}), excluded=frozenset()), 2026)
    assert not matches(car, SearchCars(), Brands(wanted=None, excluded=frozenset({"kia"})), 2026)


def test_cheapest_first_no_price_last_and_the_source_of_a_price() -> None:
    configs = [config(1), config(2, price_new_rub=900), config(3), config(4, price_new_rub=5_000)]
    summaries = {3: ads(1_000, 1_100, id_=3), 4: ads(100, 200, id_=4)}
    order = found(configs, summaries, SearchCars(), ANY_BRAND, THIS_YEAR)
    assert [car.config.id for car in order] == [4, 2, 3, 1]
    cars = [car_of(car) for car in order]
    assert [(c.price_min, c.price_max, c.price_source, c.ads_count) for c in cars] == [
        (100, 200, PriceSource.ADS, 2),
        (900, 900, PriceSource.REFERENCE, 0),
        (1_000, 1_100, PriceSource.ADS, 2),
        (None, None, None, 0),
    ]
    assert [ad.id for ad in cars[0].ads] == [9] and cars[1].ads == [] and cars[0].currency == "RUB"
