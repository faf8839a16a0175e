"""The market domain: listings (for now MillionAvto's vehicle ads) and what users do with them.

One listing model: what every vertical shares (owner, kind, category, title, price, status, place,
dates, counters) and each vertical's searchable attributes beside it; a vehicle ad carries its vehicle
fields flat. Its references (category, vehicle references) are checked with the catalog over NATS.

Lifecycle: a new ad is `pending` (or `draft`, which its owner submits to `pending`); moderation makes
it `active` or `rejected` (an edited rejected ad is `pending` again); its owner archives it; the
scheduler expires it (`ExpireAds`) once its lifetime is over, and its owner is notified (a
notification of type `AD_EXPIRED`); its owner renews it (`active` again, for a new lifetime). Only an
active ad is read or listed by anyone but its owner. A seller keeps at most a configured number of
ads active or pending at once, a dealer more than a private seller.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import ClassVar

from . import subjects
from .envelope import Command, Empty, Message
from .fields import (
    AdDescription,
    AdSearchText,
    AdTitle,
    Currency,
    EnginePower,
    EngineVolume,
    Id,
    Latitude,
    Longitude,
    Mileage,
    Offset,
    PageSize,
    Price,
    RejectionReason,
    SearchIds,
    Viewer,
    Vin,
    Year,
)
from .identity import DealerCompany

DOMAIN = "market"
DEFAULT_CURRENCY = "RUB"
AD_EXPIRED = "ad_expired"  # the notification an owner gets; its payload: `ad_id`, `expired_at`


class AdStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    ARCHIVED = "archived"
    EXPIRED = "expired"


class OwnerStatus(StrEnum):
    """The statuses an owner may move his ad to himself."""

    PENDING = "pending"  # submit a draft, or resubmit
    ARCHIVED = "archived"
    ACTIVE = "active"  # renew an expired ad


class ListingKind(StrEnum):
    VEHICLE = "vehicle"


class Condition(StrEnum):
    NEW = "new"
    USED = "used"


class AdSort(StrEnum):
    CREATED_DESC = "created_desc"
    CREATED_ASC = "created_asc"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    MILEAGE_ASC = "mileage_asc"
    MILEAGE_DESC = "mileage_desc"
    YEAR_ASC = "year_asc"
    YEAR_DESC = "year_desc"


class SearchRadius(IntEnum):
    """The radii the document offers a search around a point, in km."""

    KM_50 = 50
    KM_100 = 100
    KM_200 = 200
    KM_500 = 500
    KM_1000 = 1000


class Ad(Message):
    id: int
    owner_id: int
    kind: ListingKind
    category_id: int
    title: str
    description: str | None
    price: int
    currency: str
    status: AdStatus
    city_id: int | None
    region_id: int | None  # the city's, as the catalog had it when the ad was written
    country_id: int | None
    latitude: float | None
    longitude: float | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None  # when it last became active
    expires_at: datetime | None
    views_count: int
    images_count: int  # 0 until image uploads come
    rejection_reason: str | None  # shown to the owner only
    # The vehicle's attributes.
    vehicle_type_id: int | None
    brand_id: int | None
    model_id: int | None
    generation_id: int | None
    modification_id: int | None
    body_type_id: int | None
    transmission_id: int | None
    fuel_type_id: int | None
    drive_type_id: int | None
    color_id: int | None
    year: int | None
    mileage: int | None
    engine_volume: float | None
    engine_power: int | None
    condition: Condition | None
    vin: str | None
    is_dealer: bool  # the owner sells as a dealer
    dealer: DealerCompany | None = None  # on a dealer's ad, once the dealer has a company profile


class AdPage(Message):
    items: list[Ad]
    total: int


class AdField(StrEnum):
    """The fields an owner writes, as `UpdateAd.changed` names them."""

    CATEGORY_ID = "category_id"
    TITLE = "title"
    DESCRIPTION = "description"
    PRICE = "price"
    CURRENCY = "currency"
    CITY_ID = "city_id"
    LATITUDE = "latitude"
    LONGITUDE = "longitude"
    VEHICLE_TYPE_ID = "vehicle_type_id"
    BRAND_ID = "brand_id"
    MODEL_ID = "model_id"
    GENERATION_ID = "generation_id"
    MODIFICATION_ID = "modification_id"
    BODY_TYPE_ID = "body_type_id"
    TRANSMISSION_ID = "transmission_id"
    FUEL_TYPE_ID = "fuel_type_id"
    DRIVE_TYPE_ID = "drive_type_id"
    COLOR_ID = "color_id"
    YEAR = "year"
    MILEAGE = "mileage"
    ENGINE_VOLUME = "engine_volume"
    ENGINE_POWER = "engine_power"
    CONDITION = "condition"
    VIN = "vin"


class VehicleFields(Message):
    """A vehicle ad's own fields, all optional; a reference is checked with the catalog, and a model
    needs its brand, a generation its model, a modification its generation."""

    vehicle_type_id: Id | None = None
    brand_id: Id | None = None
    model_id: Id | None = None
    generation_id: Id | None = None
    modification_id: Id | None = None
    body_type_id: Id | None = None
    transmission_id: Id | None = None
    fuel_type_id: Id | None = None
    drive_type_id: Id | None = None
    color_id: Id | None = None
    year: Year | None = None
    mileage: Mileage | None = None
    engine_volume: EngineVolume | None = None
    engine_power: EnginePower | None = None
    condition: Condition | None = None
    vin: Vin | None = None


class CreateAd(VehicleFields, Command[Ad]):
    """A signed-in user's new vehicle ad: `pending`, or `draft` with `draft`. An unknown reference is a
    `validation` error naming its field."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "create_ad")
    category_id: Id
    title: AdTitle
    description: AdDescription | None = None
    price: Price
    currency: Currency = DEFAULT_CURRENCY
    city_id: Id | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    draft: bool = False


class UpdateAd(VehicleFields, Command[Ad]):
    """The owner's: sets the fields `changed` names (None included), and moves the ad to `status` when
    given. A rejected ad that is edited is `pending` again. `active` renews an expired ad (and only
    that): active at once for a new lifetime, without moderation, edited or not (edits of a live ad
    are not moderated either). Into `pending` or `active` past the seller's limit is a `conflict`.
    Anyone else's ad is `not_found`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "update_ad")
    ad_id: Id
    changed: frozenset[AdField]
    status: OwnerStatus | None = None
    category_id: Id | None = None
    title: AdTitle | None = None
    description: AdDescription | None = None
    price: Price | None = None
    currency: Currency | None = None
    city_id: Id | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class DeleteAd(Command[Empty]):
    """The owner's; anyone else's ad is `not_found`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "delete_ad")
    ad_id: Id


class GetAd(Command[Ad]):
    """An active ad for anyone; the owner's own in any status; anything else `not_found`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_ad")
    idempotent: ClassVar[bool] = True
    ad_id: Id


class Circle(Message):
    latitude: Latitude
    longitude: Longitude
    radius_km: SearchRadius


class ListAds(Command[AdPage]):
    """The search: active ads matching every filter given, a page at a time; `total` counts every match.

    `q`'s words are all found in the title or description (each word also as a prefix: `Камр` finds
    `Камри`); an `*_ids` list matches any of its ids; a range includes its ends; `has_images`,
    `has_vin` and `from_dealers` narrow when true only; `near` keeps the ads within its radius."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_ads")
    idempotent: ClassVar[bool] = True
    q: AdSearchText | None = None
    category_id: Id | None = None
    city_id: Id | None = None
    region_id: Id | None = None
    country_id: Id | None = None
    brand_ids: SearchIds | None = None
    model_ids: SearchIds | None = None
    generation_ids: SearchIds | None = None
    modification_ids: SearchIds | None = None
    body_type_ids: SearchIds | None = None
    transmission_ids: SearchIds | None = None
    fuel_type_ids: SearchIds | None = None
    drive_type_ids: SearchIds | None = None
    color_ids: SearchIds | None = None
    price_from: Price | None = None
    price_to: Price | None = None
    year_from: Year | None = None
    year_to: Year | None = None
    mileage_from: Mileage | None = None
    mileage_to: Mileage | None = None
    engine_volume_from: EngineVolume | None = None
    engine_volume_to: EngineVolume | None = None
    engine_power_from: EnginePower | None = None
    engine_power_to: EnginePower | None = None
    condition: Condition | None = None
    has_images: bool = False
    has_vin: bool = False
    from_dealers: bool = False
    near: Circle | None = None
    sort_by: AdSort = AdSort.CREATED_DESC
    offset: Offset = 0
    limit: PageSize = 20


class ListMyAds(Command[AdPage]):
    """The signed-in user's ads, newest first, in one status or all."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_my_ads")
    idempotent: ClassVar[bool] = True
    status: AdStatus | None = None
    offset: Offset = 0
    limit: PageSize = 20


class ViewRecorded(Message):
    counted: bool  # False: this viewer's view of the ad was counted already today
    views_count: int


class RecordView(Command[ViewRecorded]):
    """A view of an active ad, counted once per viewer per (UTC) day; the owner's views never count."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "record_view")
    idempotent: ClassVar[bool] = True
    ad_id: Id
    viewer: Viewer


class ModerationDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class ModerateAd(Command[Ad]):
    """Moderators and admins: a pending ad becomes active (for the configured lifetime) or rejected
    with a reason; any other status is a `conflict`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "moderate_ad")
    ad_id: Id
    decision: ModerationDecision
    reason: RejectionReason | None = None


class AdsExpired(Message):
    expired: int  # ads this run moved from active to expired
    notified: int  # owners told (of this run's expiries, or of earlier ones still due)
    more: bool  # a batch (of expiries or of notices) was full: more may be due at once


class ExpireAds(Command[AdsExpired]):
    """Scheduled (the system only): one batch of active ads past `expires_at` becomes `expired`, and
    their owners are notified. Safe to run on several workers at once: each ad is expired, and its
    owner notified, once."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "expire_ads")
    idempotent: ClassVar[bool] = True
