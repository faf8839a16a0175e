"""The catalog domain: reference data that listings point at (categories, vehicle references, places).

Read-mostly: every list reply carries a `version`, the same for the same content on any worker, which
an edge answers as an ETag. Categories are written by admins only. The vehicle references and places
come with the platform (loaded by migrations); admins add to them and correct them from the console
(`Save*`), and every catalog worker hears of it (`VehicleReferencesChanged`, `PlaceSaved`), so that its
lists, and their versions, change at once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from . import subjects
from .envelope import Command, Empty, Event, Message
from .fields import (
    Address,
    CategoryName,
    CountryCode,
    CountryName,
    Currency,
    EnginePower,
    EngineVolume,
    Id,
    Int32,
    IpAddress,
    Iso3,
    Label,
    Latitude,
    Longitude,
    MetaDescription,
    MetaTitle,
    Offset,
    PageSize,
    PhoneCode,
    PlaceName,
    Population,
    Price,
    RadiusKm,
    ReferenceName,
    ReferenceSearch,
    RegionCode,
    Seats,
    Slug,
    Year,
)

DOMAIN = "catalog"

# --- categories ------------------------------------------------------------------------------------


class Category(Message):
    id: int
    parent_id: int | None  # None: a top-level category
    name: str
    slug: str
    meta_title: str | None
    meta_description: str | None
    position: int  # order among its siblings, lowest first
    is_active: bool
    created_at: datetime
    updated_at: datetime


class CategoryList(Message):
    items: list[Category]  # parents before their children, each level by position
    version: str


class ListCategories(Command[CategoryList]):
    """The active categories; with `include_inactive` (admins only) every one."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_categories")
    idempotent: ClassVar[bool] = True
    include_inactive: bool = False


class GetCategory(Command[Category]):
    """An active category; an inactive one only for an admin (for anyone else it is not there)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_category")
    idempotent: ClassVar[bool] = True
    category_id: Id


class CreateCategory(Command[Category]):
    """Admins only. A slug taken already is a `conflict`; an unknown parent a `validation` error."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "create_category")
    parent_id: Id | None = None
    name: CategoryName
    slug: Slug
    meta_title: MetaTitle | None = None
    meta_description: MetaDescription | None = None
    position: Int32 = 0
    is_active: bool = True


class CategoryField(StrEnum):
    PARENT_ID = "parent_id"
    NAME = "name"
    SLUG = "slug"
    META_TITLE = "meta_title"
    META_DESCRIPTION = "meta_description"
    POSITION = "position"
    IS_ACTIVE = "is_active"


class UpdateCategory(Command[Category]):
    """Admins only: sets the fields `changed` names (to their value here, None included), no other.
    A parent that is the category itself or one of its descendants is a `validation` error."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "update_category")
    category_id: Id
    changed: frozenset[CategoryField]
    parent_id: Id | None = None
    name: CategoryName | None = None
    slug: Slug | None = None
    meta_title: MetaTitle | None = None
    meta_description: MetaDescription | None = None
    position: Int32 | None = None
    is_active: bool | None = None


class DeleteCategory(Command[Empty]):
    """Admins only. A category that still has subcategories is a `conflict`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "delete_category")
    category_id: Id


class CategoriesChanged(Event):
    """Published after every category write, so that each catalog worker drops its cached lists."""

    subject: ClassVar[str] = subjects.evt(DOMAIN, "categories_changed")


# --- vehicle references ----------------------------------------------------------------------------


class ReferenceKind(StrEnum):
    """The lists of plain named entries."""

    VEHICLE_TYPES = "vehicle_types"
    BODY_TYPES = "body_types"
    TRANSMISSIONS = "transmissions"
    FUEL_TYPES = "fuel_types"
    DRIVE_TYPES = "drive_types"


class Reference(Message):
    id: int
    slug: str
    name: str  # Russian, as the apps show it
    name_en: str


class ReferenceList(Message):
    items: list[Reference]
    version: str


class ListReferences(Command[ReferenceList]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_references")
    idempotent: ClassVar[bool] = True
    kind: ReferenceKind


class Color(Reference):
    hex: str  # "#RRGGBB"


class ColorList(Message):
    items: list[Color]
    version: str


class ListColors(Command[ColorList]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_colors")
    idempotent: ClassVar[bool] = True


class Brand(Message):
    id: int
    name: str
    slug: str
    country: str | None
    is_popular: bool  # among the best-selling brands in Russia and Kazakhstan
    vehicle_type_ids: list[int]  # the types it makes models of


class BrandList(Message):
    items: list[Brand]  # by name
    version: str


class ListBrands(Command[BrandList]):
    """Every brand, or those making vehicles of one type; an unknown type has none."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_brands")
    idempotent: ClassVar[bool] = True
    vehicle_type_id: Id | None = None


class VehicleModel(Message):
    id: int
    brand_id: int
    vehicle_type_id: int
    name: str
    slug: str
    year_from: int | None
    year_to: int | None  # None: still made


class VehicleModelList(Message):
    items: list[VehicleModel]  # by brand, then name
    version: str


class ListVehicleModels(Command[VehicleModelList]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_models")
    idempotent: ClassVar[bool] = True
    brand_id: Id | None = None


class Generation(Message):
    id: int
    model_id: int
    name: str
    year_from: int | None
    year_to: int | None


class GenerationList(Message):
    items: list[Generation]
    version: str


class ListGenerations(Command[GenerationList]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_generations")
    idempotent: ClassVar[bool] = True
    model_id: Id | None = None


class Modification(Message):
    id: int
    generation_id: int
    name: str
    year_from: int | None
    year_to: int | None
    body_type_id: int | None
    fuel_type_id: int | None  # the engine type
    engine_volume_l: float | None  # None for an electric motor
    power_hp: int | None
    transmission_id: int | None
    drive_type_id: int | None
    seats: int | None
    price_new_rub: int | None  # a reference price new, where known


class ModificationList(Message):
    items: list[Modification]
    version: str


class ListModifications(Command[ModificationList]):
    """A generation's modifications. Never all of them: they would outgrow one NATS message."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_modifications")
    idempotent: ClassVar[bool] = True
    generation_id: Id


class CarConfiguration(Message):
    """A modification with what it belongs to (its generation, model and brand) and its references as
    slugs (None where the modification names none)."""

    id: int  # the modification's
    name: str
    year_from: int | None
    year_to: int | None  # None: still made
    body_type: str | None
    engine_type: str | None  # the fuel type
    engine_volume_l: float | None
    power_hp: int | None
    transmission: str | None
    drive: str | None
    seats: int | None
    price_new_rub: int | None
    generation_id: int
    generation: str
    model_id: int
    model: str
    model_slug: str
    brand_id: int
    brand: str
    brand_slug: str


class CarConfigurationPage(Message):
    items: list[CarConfiguration]  # by id
    version: str  # of every configuration, not of this page: the same on every replica for the same
    next_after_id: int | None  # where the next page starts; None: this was the last


class ListCarConfigurations(Command[CarConfigurationPage]):
    """Every modification as a `CarConfiguration`, in id order, as many a page as one reply holds
    (all of them, with the references as shipped). Given `known_version` and it is the current one,
    the page is empty: the caller's copy holds."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_car_configurations")
    idempotent: ClassVar[bool] = True
    after_id: int = Field(default=0, ge=0)
    known_version: Label | None = None


# --- places ----------------------------------------------------------------------------------------
# Loaded by a migration from data packages (cities keep GeoNames' ids); admins add and correct them.


class Country(Message):
    id: int
    iso2: str
    iso3: str
    name: str  # English
    name_ru: str | None
    phone_code: str | None
    currency: str | None


class CountryList(Message):
    items: list[Country]  # by name
    version: str


class ListCountries(Command[CountryList]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_countries")
    idempotent: ClassVar[bool] = True


class Region(Message):
    id: int
    country_id: int
    code: str | None  # ISO 3166-2 where known
    name: str  # English
    name_native: str | None


class RegionList(Message):
    items: list[Region]  # by country, then name
    version: str


class ListRegions(Command[RegionList]):
    """Every region, or one country's; an unknown country has none."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_regions")
    idempotent: ClassVar[bool] = True
    country_id: Id | None = None


class City(Message):
    id: int
    country_id: int
    region_id: int | None
    name: str
    latitude: float
    longitude: float
    population: int


class CityList(Message):
    items: list[City]  # largest first
    version: str


class ListCities(Command[CityList]):
    """A region's cities or a country's (one of the two is given; every city would outgrow a message)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_cities")
    idempotent: ClassVar[bool] = True
    region_id: Id | None = None
    country_id: Id | None = None


class ListMajorCities(Command[CityList]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_major_cities")
    idempotent: ClassVar[bool] = True


class NearbyCity(City):
    distance_km: float


class NearbyCities(Message):
    items: list[NearbyCity]  # nearest first


class FindNearbyCities(Command[NearbyCities]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "nearby_cities")
    idempotent: ClassVar[bool] = True
    latitude: Latitude
    longitude: Longitude
    radius_km: RadiusKm


class DetectedLocation(Message):
    city: City | None  # None only when no default city is configured (or it names no city)
    detected: bool  # False: the configured default, not the client's address


class GetCity(Command[City]):
    """One city by its id (`not_found` for an unknown one): what a listing's place is checked against."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_city")
    idempotent: ClassVar[bool] = True
    city_id: Id


class FoundCity(Message):
    city: City | None  # None: no city goes by that name


class FindCity(Command[FoundCity]):
    """The city that goes by this name, as people write it (Almaty, Алматы, Alma-Ata; case and ё
    aside); of several, the largest, in the country `country_iso2` if one of them is there."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "find_city")
    idempotent: ClassVar[bool] = True
    name: PlaceName
    country_iso2: CountryCode | None = None


class CityInAddress(Message):
    city: City | None  # None: no city named in it
    named: str | None  # how the address names it ("Москва")


class FindCityInAddress(Command[CityInAddress]):
    """The city a free-text address names, among every name the cities go by; of several the largest.
    Streets, houses and districts are not read for a city (a "ул. Москва" names none)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "find_city_in_address")
    idempotent: ClassVar[bool] = True
    address: Address


class DetectLocation(Command[DetectedLocation]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "detect_location")
    idempotent: ClassVar[bool] = True
    ip: IpAddress | None


# --- staff: the references and places written from the console -------------------------------------
# Admins only, checked here (any other role: `forbidden`). A `Save*` without the entry's id creates one,
# with it sets every field of that entry (`not_found` if there is none). A parent or a reference that
# does not exist, or years the wrong way round, is a `validation` error naming the field; a slug (or
# an ISO code) taken already is a `conflict`. The `Find*` commands page what the console browses.


class VehicleReferencesChanged(Event):
    """Published after every write of a vehicle reference: each catalog worker reads them again, so
    that its lists (and their versions, which the edges' ETags and the advisor's car index go by)
    change at once."""

    subject: ClassVar[str] = subjects.evt(DOMAIN, "vehicle_references_changed")


class PlaceSaved(Event):
    """Published after every write of a place, with the place as saved (one of the three): each
    catalog worker sets it in the places it holds, without reading them all again."""

    subject: ClassVar[str] = subjects.evt(DOMAIN, "place_saved")
    country: Country | None = None
    region: Region | None = None
    city: City | None = None


class SaveBrand(Command[Brand]):
    """A brand's `vehicle_type_ids` are the types of its models, kept by `SaveVehicleModel`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "save_brand")
    brand_id: Id | None = None
    name: ReferenceName
    slug: Slug  # unique among brands
    country: Label | None = None
    is_popular: bool = False


class SaveVehicleModel(Command[VehicleModel]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "save_model")
    model_id: Id | None = None
    brand_id: Id
    vehicle_type_id: Id
    name: ReferenceName
    slug: Slug  # unique among its brand's models
    year_from: Year | None = None
    year_to: Year | None = None


class SaveGeneration(Command[Generation]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "save_generation")
    generation_id: Id | None = None
    model_id: Id
    name: ReferenceName
    year_from: Year | None = None
    year_to: Year | None = None


class SaveModification(Command[Modification]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "save_modification")
    modification_id: Id | None = None
    generation_id: Id
    name: ReferenceName
    year_from: Year | None = None
    year_to: Year | None = None
    body_type_id: Id | None = None
    fuel_type_id: Id | None = None
    engine_volume_l: EngineVolume | None = None
    power_hp: EnginePower | None = None
    transmission_id: Id | None = None
    drive_type_id: Id | None = None
    seats: Seats | None = None
    price_new_rub: Price | None = None


class SaveCountry(Command[Country]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "save_country")
    country_id: Id | None = None
    iso2: CountryCode  # unique
    iso3: Iso3
    name: CountryName
    name_ru: CountryName | None = None
    phone_code: PhoneCode | None = None
    currency: Currency | None = None


class SaveRegion(Command[Region]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "save_region")
    region_id: Id | None = None
    country_id: Id
    code: RegionCode | None = None
    name: PlaceName
    name_native: PlaceName | None = None


class SaveCity(Command[City]):
    """A city's region, if it has one, is in its country."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "save_city")
    city_id: Id | None = None
    country_id: Id
    region_id: Id | None = None
    name: PlaceName
    latitude: Latitude
    longitude: Longitude
    population: Population = 0


class PageAsked(Message):
    """What the console's pages of references and places ask: the entries whose name (or code) holds
    `q`, ASCII case aside, one page of them."""

    q: ReferenceSearch = ""
    offset: Offset = 0
    limit: PageSize = 20


class BrandPage(Message):
    items: list[Brand]
    total: int


class FindBrands(PageAsked, Command[BrandPage]):
    """Brands by name or slug, ordered by name."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "find_brands")
    idempotent: ClassVar[bool] = True


class CountryPage(Message):
    items: list[Country]
    total: int


class FindCountries(PageAsked, Command[CountryPage]):
    """Countries by name or ISO code, ordered by name."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "find_countries")
    idempotent: ClassVar[bool] = True


class RegionPage(Message):
    items: list[Region]
    total: int


class FindRegions(PageAsked, Command[RegionPage]):
    """A country's regions by name or code, ordered by name."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "find_regions")
    idempotent: ClassVar[bool] = True
    country_id: Id


class CityPage(Message):
    items: list[City]
    total: int


class FindCities(PageAsked, Command[CityPage]):
    """A region's cities by name, largest first."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "find_cities")
    idempotent: ClassVar[bool] = True
    region_id: Id
