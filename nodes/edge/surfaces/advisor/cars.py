"""Car advisor (002): the car catalog, `GET /api/v1/cars` and `GET /api/v1/cars/{id}`, on the advisor
domain (protocols.advisor_cars: what a car is, how it is priced, how the filters match).

Public, no token needed: the catalog is a reference, like MillionAvto's vehicle lists (a token sent
along is not read).

Contract choices, where the document names the filters but not their values:
- `body_type`, `engine_type`, `transmission`, `drive` take one word each: the vehicle references' slug
  (the enums the OpenAPI document publishes: `BodyType`, `EngineType`, `Transmission`, `Drive`) or
  its Russian or English name or a plain short form ("Седан", "автомат", "AWD", "бензин"), in any
  case. `brand` takes a brand's name or slug, in Latin or Cyrillic letters ("Kia", "киа", "хёндай").
- `min_price`/`max_price` (RUB), `min_year`/`max_year` and `seats` (exactly that many) select cars
  whose range meets them; `page` from 1 (default 1), `per_page` 1..50 (default 20, the chats' max).
- 400 `validation_error` with `details: {"field", "reason"}` for a number that is none or out of
  range, an unknown word or brand (`reason: "unknown"`), and a minimum above its maximum
  (`reason: "above_max"`, naming the minimum). An unknown car is 404 `not_found`.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from nodes.edge.http import SurfaceRoutes, json_response, path_int, read_query
from nodes.edge.state import BUS
from protocols.advisor_cars import BodyType, Drive, EngineType, GetCar, SearchCars, Transmission, word_of
from protocols.fields import Label, Price, Year

from .car_shapes import CarListOut, CarOut, car_out
from .errors import SURFACE, invalid
from .identity import PAGE_NUMBER_MAX

routes = SurfaceRoutes(SURFACE)

PER_PAGE_MAX = 50
WORD_MAX = 64  # longer is no word of the references
SEATS_MAX = 60
NAMES = "the reference's slug, or its Russian or English name (any case)"


def _reader(kind: type[StrEnum]) -> Callable[[object], object]:
    def read(value: object) -> object:
        if not isinstance(value, str):
            return value  # the enum's own check answers
        found = word_of(kind, value) if len(value) <= WORD_MAX else None  # type: ignore[type-var]
        if found is None:
            raise PydanticCustomError("unknown", "not a known {kind}", {"kind": kind.__name__})
        return found

    return read


BodyTypeWord = Annotated[BodyType, BeforeValidator(_reader(BodyType))]
EngineTypeWord = Annotated[EngineType, BeforeValidator(_reader(EngineType))]
TransmissionWord = Annotated[Transmission, BeforeValidator(_reader(Transmission))]
DriveWord = Annotated[Drive, BeforeValidator(_reader(Drive))]


class CarQuery(BaseModel):
    min_price: Price | None = None
    max_price: Price | None = None
    body_type: BodyTypeWord | None = Field(default=None, description=f"{NAMES}, e.g. Седан")
    engine_type: EngineTypeWord | None = Field(default=None, description=f"{NAMES}, e.g. бензин")
    brand: Label | None = Field(
        default=None, description="a brand's name or slug, in Latin or Cyrillic: Kia, киа"
    )
    min_year: Year | None = None
    max_year: Year | None = None
    seats: int | None = Field(default=None, ge=1, le=SEATS_MAX)
    transmission: TransmissionWord | None = Field(default=None, description=f"{NAMES}, e.g. автомат")
    drive: DriveWord | None = Field(default=None, description=f"{NAMES}, e.g. полный, AWD")
    page: int = Field(default=1, ge=1, le=PAGE_NUMBER_MAX)
    per_page: int = Field(default=20, ge=1, le=PER_PAGE_MAX)


def _ordered(query: CarQuery) -> None:
    for low, high in (("min_price", "max_price"), ("min_year", "max_year")):
        least, most = getattr(query, low), getattr(query, high)
        if least is not None and most is not None and least > most:
            raise invalid(low, "above_max", f"{low} is greater than {high}")


def search_command(query: CarQuery) -> SearchCars:
    def one(word: StrEnum | None) -> list[str] | None:
        return None if word is None else [word.value]

    return SearchCars.model_validate(
        {
            "min_price": query.min_price,
            "max_price": query.max_price,
            "min_year": query.min_year,
            "max_year": query.max_year,
            "min_seats": query.seats,
            "max_seats": query.seats,
            "body_types": one(query.body_type),
            "engine_types": one(query.engine_type),
            "transmissions": one(query.transmission),
            "drives": one(query.drive),
            "brands": None if query.brand is None else [query.brand],
            "offset": (query.page - 1) * query.per_page,
            "limit": query.per_page,
        }
    )


@routes.get("/api/v1/cars", query=CarQuery, responses={200: CarListOut, 400: None})
async def list_cars(request: web.Request) -> web.Response:
    """Search the car catalog: cheapest first, cars without a price last."""
    query = read_query(request, CarQuery)
    _ordered(query)
    found = await request.app[BUS].request(search_command(query))
    items = [car_out(car) for car in found.items]
    return json_response(CarListOut(items=items, total=found.total, page=query.page, per_page=query.per_page))


@routes.get("/api/v1/cars/{car_id}", responses={200: CarOut, 404: None})
async def get_car(request: web.Request) -> web.Response:
    """One car of the catalog, with a few of its active ads."""
    car = await request.app[BUS].request(GetCar(car_id=path_int(request, "car_id")))
    return json_response(car_out(car))
