"""A search of the car catalog in memory: which configurations match (protocols.advisor_cars states
the rules), their order (cheapest first by the low end of their price, cars without a price last,
then by id) and each car as the wire carries it, priced from its ads or else its reference price."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from protocols.advisor_cars import Car, CarAd, PriceSource, SearchCars
from protocols.catalog import CarConfiguration
from protocols.market import ModificationAds

CURRENCY = "RUB"  # the market sums up RUB ads only; the reference prices are RUB


@dataclass(frozen=True)
class Priced:
    config: CarConfiguration
    ads: ModificationAds | None  # its active ads, if it has any

    @property
    def price(self) -> tuple[int, int] | None:
        if self.ads is not None:
            return self.ads.price_min, self.ads.price_max
        if self.config.price_new_rub is not None:
            return self.config.price_new_rub, self.config.price_new_rub
        return None


@dataclass(frozen=True)
class Brands:
    """A search's brands as slugs: None where it names none."""

    wanted: frozenset[str] | None
    excluded: frozenset[str]


def _meets(low: int | None, high: int | None, least: int | None, most: int | None) -> bool:
    """The range [low, high] meets [least, most] (an open end: unbounded; a filter on an unknown
    range fails)."""
    if least is None and most is None:
        return True
    if low is None or high is None:
        return False
    return (least is None or high >= least) and (most is None or low <= most)


def _among(value: str | None, wanted: Collection[str] | None) -> bool:
    return wanted is None or (value is not None and value in wanted)


def matches(car: Priced, query: SearchCars, brands: Brands, this_year: int) -> bool:
    c = car.config
    low, high = car.price or (None, None)
    return (
        _among(c.body_type, query.body_types)
        and _among(c.engine_type, query.engine_types)
        and _among(c.transmission, query.transmissions)
        and _among(c.drive, query.drives)
        and _among(c.brand_slug, brands.wanted)
        and c.brand_slug not in brands.excluded
        and _meets(c.seats, c.seats, query.min_seats, query.max_seats)
        and _meets(c.year_from, this_year if c.year_to is None else c.year_to, query.min_year, query.max_year)
        and _meets(low, high, query.min_price, query.max_price)
    )


def _order(car: Priced) -> tuple[bool, int, int]:
    price = car.price
    return (price is None, price[0] if price else 0, car.config.id)


def found(
    configs: Iterable[CarConfiguration],
    ads: Mapping[int, ModificationAds],
    query: SearchCars,
    brands: Brands,
    this_year: int,
) -> list[Priced]:
    """Every matching car, in the search's order."""
    priced = (Priced(config, ads.get(config.id)) for config in configs)
    return sorted((car for car in priced if matches(car, query, brands, this_year)), key=_order)


def car_of(car: Priced) -> Car:
    c, ads, price = car.config, car.ads, car.price
    source = None if price is None else PriceSource.ADS if ads is not None else PriceSource.REFERENCE
    return Car(
        id=c.id, brand_id=c.brand_id, brand=c.brand, model_id=c.model_id, model=c.model,
        generation_id=c.generation_id, generation=c.generation, modification=c.name,
        year_from=c.year_from, year_to=c.year_to, body_type=c.body_type, engine_type=c.engine_type,
        engine_volume_l=c.engine_volume_l, power_hp=c.power_hp, transmission=c.transmission, drive=c.drive,
        seats=c.seats, price_min=price[0] if price else None, price_max=price[1] if price else None,
        currency=CURRENCY, price_source=source, ads_count=ads.count if ads else 0,
        ads=[CarAd(**ad.model_dump()) for ad in ads.cheapest] if ads else [],
    )  # fmt: skip
