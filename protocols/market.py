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

from pydantic import Field

from . import subjects
from .envelope import Batched, Command, Empty, Event, Message
from .fields import (
    AdDescription,
    AdSearchText,
    AdTitle,
    BannerTitle,
    Currency,
    DescribedIds,
    EnginePower,
    EngineVolume,
    Id,
    Int32,
    Latitude,
    Longitude,
    MediaKey,
    MediaSize,
    MediaType,
    Mileage,
    Moment,
    Offset,
    PageSize,
    Pixels,
    Price,
    RejectionReason,
    SearchIds,
    Viewer,
    Vin,
    WebLink,
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
    BARTER = "barter"  # FreeMarket's wants and offers (protocols.market_barter): never one of the ads
    PROPERTY = "property"  # Realty's properties (protocols.market_realty): never one of the ads


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


class AdImage(Message):
    """An image of an ad, re-encoded by the edge that took it, with its thumbnail."""

    id: int
    url: str
    thumbnail_url: str
    width: int
    height: int
    size: int  # bytes, as stored
    position: int  # its place among the ad's images, from 0 in upload order


class AdVideo(Message):
    """A video of an ad, stored as it was uploaded."""

    id: int
    url: str
    content_type: str
    size: int
    position: int


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
    images_count: int
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
    images: list[AdImage] = Field(default_factory=list)  # in upload order
    videos: list[AdVideo] = Field(default_factory=list)
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
    """The owner's, with its media (rows and stored files); anyone else's ad is `not_found`."""

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


class ListingsChanged(Event):
    """Published after a write that may change what a search finds (an ad approved, edited, expired,
    deleted, given images), so that every market worker forgets the search totals it keeps."""

    subject: ClassVar[str] = subjects.evt(DOMAIN, "listings_changed")


class ListMyAds(Command[AdPage]):
    """The signed-in user's ads, newest first, in one status or all."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_my_ads")
    idempotent: ClassVar[bool] = True
    status: AdStatus | None = None
    offset: Offset = 0
    limit: PageSize = 20


class ListAdsForReview(Command[AdPage]):
    """Moderators and admins: vehicle ads in one status (the moderation queue: `pending`), whoever owns
    them, a page at a time in `sort_by`'s order; `q` is found in the title, `owner_id` narrows."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_ads_for_review")
    idempotent: ClassVar[bool] = True
    status: AdStatus = AdStatus.PENDING
    q: AdSearchText | None = None
    owner_id: Id | None = None
    sort_by: AdSort = AdSort.CREATED_ASC  # the oldest waiting first
    offset: Offset = 0
    limit: PageSize = 20


class ViewRecorded(Message):
    counted: bool  # False: this viewer's view of the ad was counted already today
    views_count: int


class RecordView(Command[ViewRecorded]):
    """A view of an active ad, counted once per viewer per (UTC) day; the owner's views never count.
    A signed-in actor's view of another's ad also goes into his browsing history (`ListHistory`)."""

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


# --- media: an ad's images and videos -------------------------------------------------------------


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"


class CheckMediaUpload(Command[Empty]):
    """Asked before an upload is stored: the actor's own ad (anyone else's is `not_found`) with room
    for one more of `kind` (else `conflict`), so that no file is written for nothing."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "check_media_upload")
    idempotent: ClassVar[bool] = True
    ad_id: Id
    kind: MediaKind


class AttachImage(Command[AdImage]):
    """Records an image the edge has stored under `key` (its thumbnail under `thumbnail_key`), both
    under `ads/<ad_id>/`: the owner's, within the per-ad count (`conflict` past it). A rejected ad is
    `pending` again, as when edited. On an error the edge deletes what it stored."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "attach_image")
    ad_id: Id
    key: MediaKey
    thumbnail_key: MediaKey
    content_type: MediaType
    size: MediaSize
    width: Pixels
    height: Pixels


class AttachVideo(Command[AdVideo]):
    """As `AttachImage`, for a video stored as uploaded."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "attach_video")
    ad_id: Id
    key: MediaKey
    content_type: MediaType
    size: MediaSize


# --- staff: any ad and its media (the operators' console) ----------------------------------------
#
# Moderators' and admins' (checked by the worker); the console records each change in the moderation
# log once it succeeded.


class GetAdForReview(Command[Ad]):
    """Moderators and admins: any vehicle ad, in any status, whoever owns it; else `not_found`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_ad_for_review")
    idempotent: ClassVar[bool] = True
    ad_id: Id


class RemoveAd(Command[Empty]):
    """Moderators and admins: any vehicle ad deleted as its owner's `DeleteAd` deletes it (its media
    rows and stored files with it); it leaves every search and list at once."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "remove_ad")
    ad_id: Id


class RemovedMedia(Message):
    id: int
    kind: MediaKind


class RemoveAdMedia(Command[RemovedMedia]):
    """Moderators and admins: one image or video of an ad deleted, its row and its stored files (an
    image's thumbnail too); an image no longer counts in `images_count`. Media of another ad, or a
    missing one, is `not_found`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "remove_ad_media")
    ad_id: Id
    media_id: Id


class MakeMainImage(Command[Empty]):
    """Moderators and admins: an ad's image becomes its first (its main image, shown in lists), the
    images before it moving one place down; the first already changes nothing."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "make_main_image")
    ad_id: Id
    media_id: Id


# --- favourites, comparison, browsing history ------------------------------------------------------
#
# Each user's own: nobody reads or changes another's. Only an active ad is added, and the lists show
# the ads that are active now: one that stops being active (archived, expired, sent back to moderation,
# deleted) drops out of them, and comes back if it is active again (a deleted one is gone for good).


class SavedList(StrEnum):
    FAVORITES = "favorites"
    COMPARISON = "comparison"  # holds at most `[market] comparison_max` ads


class Saved(Message):
    ad: Ad
    added: bool  # False: it was in the list already, and nothing changed


class SaveAd(Command[Saved]):
    """Adds an active ad to one of the user's lists; an ad not there or not active is `not_found`;
    adding it again changes nothing. A full comparison is a `conflict` (an ad in it that is no longer
    active gives its place up to a new one first)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "save_ad")
    idempotent: ClassVar[bool] = True
    saved_list: SavedList
    ad_id: Id


class UnsaveAd(Command[Empty]):
    """Takes an ad out of one of the user's lists (whatever its status now); `not_found` when it is
    not in it."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "unsave_ad")
    saved_list: SavedList
    ad_id: Id


class ListSaved(Command[AdPage]):
    """The active ads of one of the user's lists, the latest added first."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_saved")
    idempotent: ClassVar[bool] = True
    saved_list: SavedList
    offset: Offset = 0
    limit: PageSize = 20


class ListHistory(Command[AdPage]):
    """The active ads the user viewed (`RecordView` signed in, another's ad), the latest viewed first;
    an ad viewed again moves up, listed once."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_history")
    idempotent: ClassVar[bool] = True
    offset: Offset = 0
    limit: PageSize = 20


# --- banners ---------------------------------------------------------------------------------------


class BannerLocation(StrEnum):
    HOME_TOP = "home_top"
    HOME_MIDDLE = "home_middle"
    CATEGORY_TOP = "category_top"
    AD_DETAIL_SIDEBAR = "ad_detail_sidebar"


class Banner(Message):
    id: int
    title: str
    image_url: str
    link_url: str | None
    location: BannerLocation
    starts_at: datetime | None  # shown from then; None: from the start
    ends_at: datetime | None  # shown until then (not at it); None: without end
    is_active: bool
    position: int  # banners of a location are shown by position, then id
    created_at: datetime
    updated_at: datetime


class BannerPage(Message):
    items: list[Banner]
    total: int


class BannerField(StrEnum):
    """The fields an admin writes, as `UpdateBanner.changed` names them."""

    TITLE = "title"
    IMAGE_URL = "image_url"
    LINK_URL = "link_url"
    LOCATION = "location"
    STARTS_AT = "starts_at"
    ENDS_AT = "ends_at"
    IS_ACTIVE = "is_active"
    POSITION = "position"


class ListBanners(Command[BannerPage]):
    """The banners shown now (active, within their dates), of one location or all; an admin's
    `include_inactive` lists every banner."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_banners")
    idempotent: ClassVar[bool] = True
    location: BannerLocation | None = None
    include_inactive: bool = False
    offset: Offset = 0
    limit: PageSize = 20


class GetBanner(Command[Banner]):
    """A banner shown now, for anyone; any banner for an admin; else `not_found`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_banner")
    idempotent: ClassVar[bool] = True
    banner_id: Id


class CreateBanner(Command[Banner]):
    """Admins'. `ends_at` must come after `starts_at` (a `validation` error on `ends_at`)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "create_banner")
    title: BannerTitle
    image_url: WebLink
    link_url: WebLink | None = None
    location: BannerLocation
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    is_active: bool = True
    position: Int32 = 0


class UpdateBanner(Command[Banner]):
    """Admins': sets the fields `changed` names (None included: no link, no start, no end); the
    required ones may not be None, and the dates must still be in order."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "update_banner")
    banner_id: Id
    changed: frozenset[BannerField]
    title: BannerTitle | None = None
    image_url: WebLink | None = None
    link_url: WebLink | None = None
    location: BannerLocation | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    is_active: bool | None = None
    position: Int32 | None = None


class DeleteBanner(Command[Empty]):
    """Admins'."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "delete_banner")
    banner_id: Id


class AdsExpired(Batched):
    """`more`: a batch of expiries or of notices was full."""

    expired: int  # ads this run moved from active to expired
    notified: int  # owners told (of this run's expiries, or of earlier ones still due)


class ExpireAds(Command[AdsExpired]):
    """Scheduled (the system only): one batch of active ads past `expires_at` becomes `expired`, and
    their owners are notified. Safe to run on several workers at once: each ad is expired, and its
    owner notified, once."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "expire_ads")
    idempotent: ClassVar[bool] = True


# --- moderation's view of listings (any vertical) ------------------------------------------------


class ListingCore(Message):
    """What every listing has, whatever its vertical: enough to moderate it."""

    id: int
    owner_id: int
    kind: str
    title: str
    status: str  # a vertical's own status (an ad's `AdStatus`)


class ListingCores(Message):
    items: list[ListingCore]  # the listings asked about that exist, in no particular order


class DescribeListings(Command[ListingCores]):
    """Moderators, admins and the system: these listings' core fields, in any status (a missing one
    is left out)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "describe_listings")
    idempotent: ClassVar[bool] = True
    listing_ids: DescribedIds


class HideListing(Command[ListingCore]):
    """Moderators, admins and the system: the listing is taken out of every list and page as a
    rejected ad is (`rejected`, with `reason` shown to its owner, who may correct it and submit it to
    the moderators again). Hiding a rejected listing changes nothing."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "hide_listing")
    idempotent: ClassVar[bool] = True
    listing_id: Id
    reason: RejectionReason


class HiddenListings(Message):
    count: int


class CountHiddenListings(Command[HiddenListings]):
    """Moderators, admins and the system: how many listings moderation keeps hidden (`rejected`)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "count_hidden_listings")
    idempotent: ClassVar[bool] = True


# --- active ads by modification (the advisor's car catalog) ----------------------------------------

MODIFICATION_ADS_PAGE = 100  # modifications a page: ten cheapest ads each stay within a reply
CHEAPEST_MAX = 10


class AdDigest(Message):
    """What a list of cars shows of an active ad."""

    id: int
    title: str
    price: int
    currency: str
    year: int | None
    mileage: int | None
    city_id: int | None


class ModificationAds(Message):
    modification_id: int
    price_min: int
    price_max: int
    count: int
    cheapest: list[AdDigest]  # the cheapest few, by price then id


class ModificationAdsPage(Message):
    items: list[ModificationAds]  # by modification id
    next_after_id: int | None  # where the next page starts; None: this was the last


class SummarizeModificationAds(Command[ModificationAdsPage]):
    """The active vehicle ads priced in RUB, summed up per modification they name (ads naming none are
    left out), a page of modifications at a time. Ads priced in another currency are left out too: the
    platform keeps no exchange rates, and a range mixing currencies would mean nothing. Narrowed to one
    city or condition when given."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "summarize_modification_ads")
    idempotent: ClassVar[bool] = True
    city_id: Id | None = None
    condition: Condition | None = None
    cheapest: int = Field(default=3, ge=0, le=CHEAPEST_MAX)
    after_id: int = Field(default=0, ge=0)
    limit: int = Field(default=MODIFICATION_ADS_PAGE, ge=1, le=MODIFICATION_ADS_PAGE)
