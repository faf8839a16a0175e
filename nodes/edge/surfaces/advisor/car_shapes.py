"""Car advisor's `Car`, alike in `/api/v1/cars` and in an answer's recommended cars (the stream's
`cars` event). The document names the type without its fields: they are the catalog's
(protocols.advisor_cars.Car), the filterable words as the references' slugs."""

from __future__ import annotations

from pydantic import BaseModel

from protocols.advisor_cars import Car, CarAd, PriceSource


class CarAdOut(BaseModel):
    id: int
    title: str
    price: int
    currency: str
    year: int | None
    mileage: int | None
    city_id: int | None


class CarOut(BaseModel):
    id: int
    brand: str
    brand_id: int
    model: str
    model_id: int
    generation: str
    generation_id: int
    modification: str
    year_from: int | None
    year_to: int | None
    body_type: str | None
    engine_type: str | None
    engine_volume: float | None
    power_hp: int | None
    transmission: str | None
    drive: str | None
    seats: int | None
    price_min: int | None
    price_max: int | None
    currency: str
    price_source: PriceSource | None
    ads_count: int
    ads: list[CarAdOut]


def car_ad_out(ad: CarAd) -> CarAdOut:
    return CarAdOut(**ad.model_dump())


def car_out(car: Car) -> CarOut:
    fields = car.model_dump(exclude={"ads", "engine_volume_l"})
    return CarOut(**fields, engine_volume=car.engine_volume_l, ads=[car_ad_out(ad) for ad in car.ads])


class CarListOut(BaseModel):
    items: list[CarOut]
    total: int
    page: int
    per_page: int
