"""The advisor domain's car catalog (Car advisor's `/api/v1/cars`): a car is one model configuration
of the catalog's vehicle references (a modification, with its generation, model and brand), priced
from the marketplace's active ads for it where there are some, else from the reference price new
shipped with the references.

The words a client may filter by are the references' slugs (`body_type`, `engine_type`,
`transmission`, `drive`: the enums below, one member per entry of `storage/reference/vehicles.json`);
`word_of` reads one from the reference's Russian or English name or a plain short form a buyer would
write ("автомат", "AWD"), in any case, `ё` as `е`, hyphens as spaces. "Полный" is all-wheel drive
(`awd`); four-wheel drive is "4wd" / "4x4".

A search matches a car when every filter given holds; a range includes its ends. A car's years and
prices are ranges themselves: a filter holds where the two ranges meet (a car made 2015-2019 matches
`min_year=2018`; one whose ads run 1.0-1.5 M matches `max_price=1.2 M`). A car still made runs to
this day; a car without a known price, years or seats matches no filter on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import ClassVar, TypeVar

from . import subjects
from .envelope import Command, Message
from .fields import Id, Offset, PageSize, Price, Year
from .market import AdDigest, Condition

DOMAIN = "advisor"


class BodyType(StrEnum):
    SEDAN = "sedan"
    HATCHBACK = "hatchback"
    LIFTBACK = "liftback"
    WAGON = "wagon"
    CROSSOVER = "crossover"
    SUV = "suv"
    COUPE = "coupe"
    CONVERTIBLE = "convertible"
    ROADSTER = "roadster"
    MINIVAN = "minivan"
    PICKUP = "pickup"
    LIMOUSINE = "limousine"
    VAN = "van"
    MINIBUS = "minibus"
    BUS = "bus"
    FLATBED_TRUCK = "flatbed-truck"
    BOX_TRUCK = "box-truck"
    TRACTOR_UNIT = "tractor-unit"
    DUMP_TRUCK = "dump-truck"
    CHASSIS = "chassis"


class EngineType(StrEnum):
    """The references' fuel types."""

    PETROL = "petrol"
    DIESEL = "diesel"
    HYBRID = "hybrid"
    PLUG_IN_HYBRID = "plug-in-hybrid"
    ELECTRIC = "electric"
    LPG = "lpg"
    CNG = "cng"


class Transmission(StrEnum):
    MANUAL = "manual"
    AUTOMATIC = "automatic"
    ROBOT = "robot"
    CVT = "cvt"


class Drive(StrEnum):
    """The references' drive types."""

    FWD = "fwd"
    RWD = "rwd"
    AWD = "awd"
    FOUR_WD = "4wd"


# Each member's names besides its slug: the reference's `name` and `name_en` first, then short forms.
NAMES: Mapping[StrEnum, tuple[str, ...]] = {
    BodyType.SEDAN: ("Седан", "Sedan", "saloon"),
    BodyType.HATCHBACK: ("Хэтчбек", "Hatchback", "хетчбек", "хэтчбэк", "хетчбэк"),
    BodyType.LIFTBACK: ("Лифтбек", "Liftback", "лифтбэк"),
    BodyType.WAGON: ("Универсал", "Estate", "station wagon", "estate car"),
    BodyType.CROSSOVER: ("Кроссовер", "Crossover", "cuv", "паркетник"),
    BodyType.SUV: ("Внедорожник", "SUV", "джип", "jeep", "off-roader"),
    BodyType.COUPE: ("Купе", "Coupe", "coupé"),
    BodyType.CONVERTIBLE: ("Кабриолет", "Convertible", "cabriolet", "cabrio"),
    BodyType.ROADSTER: ("Родстер", "Roadster"),
    BodyType.MINIVAN: ("Минивэн", "Minivan", "минивен", "mpv"),
    BodyType.PICKUP: ("Пикап", "Pickup", "pick-up", "pickup truck"),
    BodyType.LIMOUSINE: ("Лимузин", "Limousine"),
    BodyType.VAN: ("Фургон", "Van"),
    BodyType.MINIBUS: ("Микроавтобус", "Minibus"),
    BodyType.BUS: ("Автобус", "Bus"),
    BodyType.FLATBED_TRUCK: ("Бортовой грузовик", "Flatbed truck", "бортовой"),
    BodyType.BOX_TRUCK: ("Грузовой фургон", "Box truck"),
    BodyType.TRACTOR_UNIT: ("Седельный тягач", "Tractor unit", "тягач"),
    BodyType.DUMP_TRUCK: ("Самосвал", "Dump truck"),
    BodyType.CHASSIS: ("Шасси", "Chassis cab"),
    EngineType.PETROL: ("Бензин", "Petrol", "бензиновый", "gasoline"),
    EngineType.DIESEL: ("Дизель", "Diesel", "дизельный"),
    EngineType.HYBRID: ("Гибрид", "Hybrid", "гибридный", "hev"),
    EngineType.PLUG_IN_HYBRID: ("Подключаемый гибрид", "Plug-in hybrid", "plug-in", "phev"),
    EngineType.ELECTRIC: ("Электро", "Electric", "электрический", "электромобиль", "ev", "bev"),
    EngineType.LPG: ("Газ (пропан-бутан)", "LPG", "газ", "пропан", "пропан-бутан"),
    EngineType.CNG: ("Газ (метан)", "CNG", "метан"),
    Transmission.MANUAL: ("Механика", "Manual", "механическая", "мкпп", "ручная", "mt"),
    Transmission.AUTOMATIC: ("Автомат", "Automatic", "автоматическая", "акпп", "auto", "at"),
    Transmission.ROBOT: ("Робот", "Automated manual / dual-clutch", "робот", "ркпп", "dct", "dsg", "amt"),
    Transmission.CVT: ("Вариатор", "CVT"),
    Drive.FWD: ("Передний", "Front-wheel drive", "передний привод", "front"),
    Drive.RWD: ("Задний", "Rear-wheel drive", "задний привод", "rear"),
    Drive.AWD: ("Полный (AWD)", "All-wheel drive", "полный", "полный привод", "all"),
    Drive.FOUR_WD: ("Полный (4WD)", "Four-wheel drive", "4x4", "4х4"),
}

Word = TypeVar("Word", BodyType, EngineType, Transmission, Drive)


def folded(name: str) -> str:
    """A name as the words compare: case folded, `ё` as `е`, hyphens and underscores as spaces."""
    plain = name.casefold().replace("ё", "е").replace("-", " ").replace("_", " ")
    return " ".join(plain.split())


def _index(kind: type[StrEnum]) -> dict[str, StrEnum]:
    words: dict[str, StrEnum] = {}
    for member in kind:
        for name in (member.value, *NAMES.get(member, ())):
            words[folded(name)] = member
    return words


_WORDS: dict[type[StrEnum], dict[str, StrEnum]] = {
    kind: _index(kind) for kind in (BodyType, EngineType, Transmission, Drive)
}


def word_of(kind: type[Word], name: str) -> Word | None:
    """The member of `kind` that `name` names (a slug or a name, any case), else None."""
    found = _WORDS[kind].get(folded(name))
    return found if isinstance(found, kind) else None


def names_of(kind: type[StrEnum]) -> list[str]:
    """Every name `word_of` reads for `kind`, as written here (slugs first)."""
    return [member.value for member in kind] + [name for member in kind for name in NAMES.get(member, ())]


class PriceSource(StrEnum):
    ADS = "ads"  # the range of the car's active ads on the marketplace
    REFERENCE = "reference"  # the reference price new shipped with the vehicle references


class CarAd(AdDigest):
    """One active marketplace ad for a car, as a car lists a few (the market's digest of it)."""


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
    body_types: list[BodyType] | None = None
    engine_types: list[EngineType] | None = None
    transmissions: list[Transmission] | None = None
    drives: list[Drive] | None = None
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
