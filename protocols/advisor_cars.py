"""The advisor domain's car catalog (Car advisor's `/api/v1/cars`): a car is one model configuration
of the catalog's vehicle references (a modification, with its generation, model and brand), priced
from the marketplace's active ads for it where there are some, else from the reference price new
shipped with the references.

The words a client may filter by are the references' slugs (`body_type`, `engine_type`,
`transmission`, `drive`); each surface turns its contract's words (Russian or English names) into
them. A search matches a car when every filter given holds; a range includes its ends.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from . import subjects
from .envelope import Command, Message
from .fields import Id, Offset, PageSize, Price, Year
from .market import Condition

DOMAIN = "advisor"


class PriceSource(StrEnum):
    ADS = "ads"  # the range of the car's active ads on the marketplace
    REFERENCE = "reference"  # the reference price new shipped with the vehicle references


class CarAd(Message):
    """One active marketplace ad for a car, as a car lists a few."""

    id: int
    title: str
    price: int
    currency: str
    year: int | None
    mileage: int | None
    city_id: int | None


class Car(Message):
    id: int  # the modification's id in the vehicle references
    brand_id: int
    brand: str
    model_id: int
    model: str
    generation_id: int
    generation: str
    modification: str  # e.g. "2.0 AT (150 л.с.)"
    year_from: int | None
    year_to: int | None  # None: still made
    body_type: str | None  # reference slugs
    engine_type: str | None
    engine_volume_l: float | None
    power_hp: int | None
    transmission: str | None
    drive: str | None
    seats: int | None
    price_min: int | None  # None: no price known (no active ad, no reference price)
    price_max: int | None
    currency: str
    price_source: PriceSource | None
    ads_count: int  # active ads for it
    ads: list[CarAd]  # a few of them, cheapest first


class CarPage(Message):
    items: list[Car]
    total: int


class SearchCars(Command[CarPage]):
    """Cars matching every filter given: a list matches any of its slugs; a car with no known price
    matches no price filter. Cheapest first, cars without a price last."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "search_cars")
    idempotent: ClassVar[bool] = True
    min_price: Price | None = None
    max_price: Price | None = None
    body_types: list[str] | None = None
    engine_types: list[str] | None = None
    transmissions: list[str] | None = None
    drives: list[str] | None = None
    brands: list[str] | None = None  # brand names or slugs, any case, in Latin or Cyrillic letters
    exclude_brands: list[str] | None = None
    min_year: Year | None = None
    max_year: Year | None = None
    min_seats: int | None = None
    max_seats: int | None = None
    # Narrow the ads each car lists, counts and is priced by (not which cars match).
    ads_city_id: Id | None = None
    ads_condition: Condition | None = None
    offset: Offset = 0
    limit: PageSize = 20


class GetCar(Command[Car]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_car")
    idempotent: ClassVar[bool] = True
    car_id: Id
