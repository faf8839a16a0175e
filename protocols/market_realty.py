"""The market domain's realty vertical: Realty's properties, listings of the one listing model.

A property is a listing of kind `property`: its title, description, price and currency are the
listing's, its place the catalog's city (`city_id`) and a district of it; beside them the property's
attributes. Words are one vocabulary here (the StrEnums below); each surface turns its contract's
words, Russian or English, into them (`nodes/edge/surfaces/realty/vocabulary.py`), so that a seller's
"sale" and a buyer's "хочу купить" meet.

Where a property is: its `location` is the address as written. Its city and district are the ones
given when given (a city the catalog does not know is kept as written, without `city_id`); otherwise
they are looked for in the address, offline, in the catalog's places and the curated districts
(`storage/reference/districts`). `place` says which, and when one was not found.

A property is `active` once written (Realty has no moderation queue) and read by anyone; its owner
archives it (`archived`: read by him only) and restores it. Writing, updating or restoring one
publishes `PropertyPublished` after the commit; archiving it publishes `PropertyWithdrawn`. An event
no realty worker took is made up for by `PublishedSince`, which the realty worker pages by the time
of the last write (`updated_at`).

What a buyer's request matches (`SearchProperties`, and the realty domain's matching on
`PropertyPublished`): every criterion given, and all of them:
- city (`city_id`), and the district when given (districts compared as `storage/reference/districts`
  names them);
- deal format, type, subtype and condition, each equal;
- rooms within [rooms_min, rooms_max], a studio (subtype STUDIO) counting as 0 rooms whatever its
  `rooms` says (`PropertyPublished.rooms` is that count);
- total area within [total_area_min, total_area_max];
- price within [budget_min, budget_max] once converted into the budget's currency with the configured
  rate table (`[realty] rate_usd`, `rate_eur`, …: roubles per unit of each currency);
- construction (entry) year equal, and its quarter equal when given.
A property without a value that a criterion asks about (no total area, no rooms) does not match it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from . import subjects
from .envelope import Command, Event, Message, Role
from .fields import (
    PROPERTY_FILES_MAX,
    AdDescription,
    AdTitle,
    Area,
    BuildingFloors,
    CeilingHeight,
    ChangedFields,
    DistrictName,
    FileName,
    FloorNumber,
    Id,
    MediaKey,
    MediaSize,
    MediaType,
    Offset,
    PageSize,
    Pixels,
    PlaceName,
    PropertyAddress,
    PropertyFileCount,
    PropertyIds,
    PropertyNote,
    PropertyPrice,
    Quarter,
    RoomCount,
    UnitCount,
    Url,
    Year,
)
from .market import DOMAIN

LISTER_ROLES = frozenset({Role.REALTOR, Role.AGENCY, Role.DEVELOPER})  # who lists properties

# --- the vocabulary --------------------------------------------------------------------------------


class DealFormat(StrEnum):
    SALE = "sale"
    RENT = "rent"


class PropertyType(StrEnum):
    APARTMENT = "apartment"
    HOUSE = "house"
    TOWNHOUSE = "townhouse"
    ROOM = "room"
    LAND = "land"
    COMMERCIAL = "commercial"
    PARKING = "parking"


class PropertySubtype(StrEnum):
    FLAT = "flat"  # an ordinary flat ("квартира" as a subtype)
    APARTMENTS = "apartments"  # serviced apartments ("апартаменты"): not residential by law in Russia
    STUDIO = "studio"
    PENTHOUSE = "penthouse"
    LOFT = "loft"
    DUPLEX = "duplex"
    VILLA = "villa"
    COTTAGE = "cottage"
    TOWNHOUSE = "townhouse"
    OFFICE = "office"
    RETAIL = "retail"
    WAREHOUSE = "warehouse"


class PropertyCondition(StrEnum):
    NEW = "new"  # a new building, off-plan included
    RESALE = "resale"


class Purpose(StrEnum):
    RESIDENCE = "residence"
    INVESTMENT = "investment"
    RENTAL = "rental"  # to let out
    VACATION = "vacation"
    BUSINESS = "business"


class RealtyCurrency(StrEnum):
    """The currencies a price or a budget is given in; `[realty]` has a rate for each (`rate_usd`, …)."""

    RUB = "RUB"
    USD = "USD"
    EUR = "EUR"
    KZT = "KZT"
    AED = "AED"
    TRY = "TRY"
    GBP = "GBP"
    CNY = "CNY"


class PropertyStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class PlaceSource(StrEnum):
    """Where a property's city (or district) came from."""

    GIVEN = "given"  # the client named it, and the reference knows it
    ADDRESS = "address"  # found in the address
    UNKNOWN = "unknown"  # not found: named but unknown to the reference, or not in the address


class PropertySlot(StrEnum):
    """What a property's file is: the document's form fields."""

    IMAGE = "images"
    LAYOUT = "layout"
    BUILDING_LAYOUT = "building_layout"
    TERRITORY_LAYOUT = "territory_layout"
    DOCUMENT = "document"  # document_file1..3, `position` 0..2


IMAGE_SLOTS = (
    PropertySlot.IMAGE,
    PropertySlot.LAYOUT,
    PropertySlot.BUILDING_LAYOUT,
    PropertySlot.TERRITORY_LAYOUT,
)


# --- the property ----------------------------------------------------------------------------------


class PropertyFile(Message):
    """A stored file of a property: an image (re-encoded by the edge, with a thumbnail) or a PDF."""

    id: int
    slot: PropertySlot
    position: int  # among its slot's files, from 0 in upload order
    url: str
    thumbnail_url: str | None  # images only
    content_type: str
    size: int
    width: int | None  # images only
    height: int | None
    name: str | None  # a document's file name as uploaded


class NewPropertyFile(Message):
    """A file the edge has stored (under `properties/`) before it asks for the property to be written;
    on an error it deletes what it stored."""

    slot: PropertySlot
    position: Annotated[int, Field(ge=0, lt=PROPERTY_FILES_MAX)]
    key: MediaKey
    thumbnail_key: MediaKey | None = None
    content_type: MediaType
    size: MediaSize
    width: Pixels | None = None
    height: Pixels | None = None
    name: FileName | None = None


class PlaceFound(Message):
    city: PlaceSource
    district: PlaceSource


class PropertyFields(Message):
    """What an owner writes, besides files. Required when creating: deal format, type, location, price,
    currency and title. A floor is at most the building's floors; living area at most total area."""

    deal_format: DealFormat | None = None
    type: PropertyType | None = None
    subtype: PropertySubtype | None = None
    condition: PropertyCondition | None = None
    entry_year: Year | None = None
    entry_quarter: Quarter | None = None
    purpose: Purpose | None = None
    location: PropertyAddress | None = None
    city: PlaceName | None = None  # else found in the location
    district: DistrictName | None = None
    price: PropertyPrice | None = None
    currency: RealtyCurrency | None = None
    title: AdTitle | None = None
    description: AdDescription | None = None
    floor: FloorNumber | None = None
    total_area: Area | None = None
    living_area: Area | None = None
    ceiling_height: CeilingHeight | None = None
    rooms: RoomCount | None = None
    bedrooms: RoomCount | None = None
    bathrooms: RoomCount | None = None
    features: PropertyNote | None = None
    equipment: PropertyNote | None = None
    building_floors: BuildingFloors | None = None
    building_living_area: Area | None = None
    apartments: UnitCount | None = None
    lifts_per_entrance: UnitCount | None = None
    building_features: PropertyNote | None = None
    building_name: PropertyNote | None = None
    developer: PropertyNote | None = None
    materials: PropertyNote | None = None
    territory_area: Area | None = None
    territory_features: PropertyNote | None = None
    nearby_places: PropertyNote | None = None
    views: PropertyNote | None = None
    video_title: PropertyNote | None = None
    video_url: Url | None = None
    services: PropertyNote | None = None
    commission_amount: PropertyPrice | None = None
    commission_type: PropertyNote | None = None
    documents: PropertyNote | None = None


REQUIRED_FIELDS = ("deal_format", "type", "location", "price", "currency", "title")
FIELD_NAMES = tuple(PropertyFields.model_fields)


class Property(Message):
    id: int  # the listing's id
    owner_id: int
    status: PropertyStatus
    deal_format: DealFormat
    type: PropertyType
    subtype: PropertySubtype | None
    condition: PropertyCondition | None
    entry_year: int | None
    entry_quarter: int | None
    purpose: Purpose | None
    location: str
    city: str | None  # the catalog's name when found, else as given
    city_id: int | None
    district: str | None
    place: PlaceFound
    price: float
    currency: RealtyCurrency
    title: str
    description: str | None
    floor: int | None
    total_area: float | None
    living_area: float | None
    ceiling_height: float | None
    rooms: int | None
    bedrooms: int | None
    bathrooms: int | None
    features: str | None
    equipment: str | None
    building_floors: int | None
    building_living_area: float | None
    apartments: int | None
    lifts_per_entrance: int | None
    building_features: str | None
    building_name: str | None
    developer: str | None
    materials: str | None
    territory_area: float | None
    territory_features: str | None
    nearby_places: str | None
    views: str | None
    video_title: str | None
    video_url: str | None
    services: str | None
    commission_amount: float | None
    commission_type: str | None
    documents: str | None
    files: list[PropertyFile] = Field(default_factory=list)  # by slot, then position
    created_at: datetime
    updated_at: datetime
    published_at: datetime  # when it last became active


class PropertyPage(Message):
    items: list[Property]
    total: int


# --- commands --------------------------------------------------------------------------------------


class CreateProperty(PropertyFields, Command[Property]):
    """A realtor's, agency's or developer's new property (`forbidden` for anyone else), active at once,
    with the files the edge stored (at most PROPERTY_IMAGES_MAX images, one of each layout,
    PROPERTY_DOCUMENTS_MAX documents)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "create_property")
    files: Annotated[list[NewPropertyFile], PropertyFileCount] = Field(default_factory=list)


class GetProperty(Command[Property]):
    """An active property, or an archived one of the actor's; anything else is `not_found`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_property")
    idempotent: ClassVar[bool] = True
    property_id: Id


class GetProperties(Command[PropertyPage]):
    """These properties that are active (the realty domain shows a request's matches); unknown or
    archived ones are left out. In the order asked."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_properties")
    idempotent: ClassVar[bool] = True
    property_ids: PropertyIds


class ListMyProperties(Command[PropertyPage]):
    """The actor's properties, archived ones included, newest first."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_my_properties")
    idempotent: ClassVar[bool] = True
    offset: Offset = 0
    limit: PageSize = 100


class UpdateProperty(PropertyFields, Command[Property]):
    """The owner's (anyone else's is `not_found`): sets the fields `changed` names (None clears an
    optional one; a required one cannot be cleared), adds files and removes files by id. A changed
    location without a city finds the place again."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "update_property")
    property_id: Id
    changed: ChangedFields = Field(default_factory=list)
    add_files: Annotated[list[NewPropertyFile], PropertyFileCount] = Field(default_factory=list)
    remove_file_ids: Annotated[list[Id], PropertyFileCount] = Field(default_factory=list)


class ArchiveProperty(Command[Property]):
    """The owner's (or any, for an admin: the console): no longer shown or matched. Archiving an
    archived one answers it as it is."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "archive_property")
    property_id: Id


class RestoreProperty(Command[Property]):
    """The owner's (or any, for an admin): shown again (published again). Restoring an active one
    answers it as it is."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "restore_property")
    property_id: Id


class PropertyCriteria(Message):
    """A buyer request's fields as filters over active properties (see the module's rules)."""

    city: PlaceName | None = None  # a name, found as the catalog's city (unknown: nothing matches)
    city_id: Id | None = None  # or the catalog's id
    district: DistrictName | None = None
    deal_format: DealFormat | None = None
    type: PropertyType | None = None
    subtype: PropertySubtype | None = None
    condition: PropertyCondition | None = None
    construction_year: Year | None = None
    construction_quarter: Quarter | None = None
    rooms_min: RoomCount | None = None
    rooms_max: RoomCount | None = None
    total_area_min: Area | None = None
    total_area_max: Area | None = None
    budget_min: PropertyPrice | None = None
    budget_max: PropertyPrice | None = None
    currency: RealtyCurrency = RealtyCurrency.RUB  # the budget's
    owner_id: Id | None = None


class PropertySort(StrEnum):
    NEWEST = "newest"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"


class SearchProperties(PropertyCriteria, Command[PropertyPage]):
    """Active properties matching every criterion given; anyone may search."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "search_properties")
    idempotent: ClassVar[bool] = True
    sort: PropertySort = PropertySort.NEWEST
    offset: Offset = 0
    limit: PageSize = 20


class StaffPropertySort(StrEnum):
    CREATED_ASC = "created_asc"
    CREATED_DESC = "created_desc"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"


class ListPropertiesForStaff(Command[PropertyPage]):
    """Admins only (the console): every property, archived ones too, by status, city (the catalog's
    city of that name, or a city kept as written) and owner."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_properties_for_staff")
    idempotent: ClassVar[bool] = True
    status: PropertyStatus | None = None
    city: PlaceName | None = None
    owner_id: Id | None = None
    sort: StaffPropertySort = StaffPropertySort.CREATED_DESC
    offset: Offset = 0
    limit: PageSize = 20


# --- events ----------------------------------------------------------------------------------------


class PropertyPublished(Event):
    """A property became active, or an active one changed: what matching compares (the module's
    rules), after the commit. `first` on its creation only."""

    subject: ClassVar[str] = subjects.evt(DOMAIN, "property_published")
    property_id: int
    owner_id: int
    first: bool
    title: str
    city_id: int | None
    district: str | None  # its key: storage.reference.districts.match_key, as a request's is compared
    deal_format: DealFormat
    type: PropertyType
    subtype: PropertySubtype | None
    condition: PropertyCondition | None
    rooms: int | None  # 0 for a studio
    total_area: float | None
    price: float
    currency: RealtyCurrency
    entry_year: int | None
    entry_quarter: int | None
    published_at: datetime
    updated_at: datetime  # when it was last written: the realty catch-up's cursor, with its id


class PropertyWithdrawn(Event):
    """A property was archived by its owner: no longer matched."""

    subject: ClassVar[str] = subjects.evt(DOMAIN, "property_withdrawn")
    property_id: int
    owner_id: int


# --- the realty worker's catch-up ------------------------------------------------------------------


class PublishedPage(Message):
    items: list[PropertyPublished]  # by (updated_at, property_id)


class PublishedSince(Command[PublishedPage]):
    """The system's (the realty worker's catch-up, for the `PropertyPublished` events no realty worker
    took): the active properties written after the cursor (`after`, `after_id`), as the events that
    would have told of them, oldest write first. No cursor: from the first. Anyone else is `forbidden`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "published_since")
    idempotent: ClassVar[bool] = True
    after: datetime | None = None
    after_id: Id | None = None
    limit: PageSize = 100
