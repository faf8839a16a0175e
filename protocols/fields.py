"""Shared field rules: what text the platform accepts, wherever it comes from, and every field's
limits, written once.

Text is any string a client sends: a JSON value or key, a query or path parameter, a form field, a
socket frame. It must not hold control characters other than tab, line feed and carriage return:
PostgreSQL cannot store NUL in text (SQLite can), and the rest only ever serve to hide or forge
content. The rule is the same on every database, so a request is refused at the edge the same way
whichever one sits behind it.

Limits (lengths, counts, ranges) are `Annotated` types here, used alike by the commands (`protocols`)
and by the contracts' requests (`nodes/edge/surfaces`), so that a surface never lets through what a
worker would refuse: that would answer a server error, or the wrong contract's error. A surface may
narrow a type where its contract's document says less, never widen it. tests/protocols/test_fields.py
keeps `max_length=` and `min_length=` out of every other module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field

# C0 controls except tab (09), line feed (0a) and carriage return (0d), and DEL.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_ERROR_TYPE = "control_character"
CONTROL_ERROR_MSG = "Text must not contain control characters (only tab, line feed and carriage return)"

Location = tuple[str | int, ...]


def has_control_character(text: str) -> bool:
    return CONTROL_CHARACTER.search(text) is not None


def json_may_hold_control(raw: str | bytes) -> bool:
    """False when the JSON document `raw` certainly holds no control character in any string.

    JSON cannot carry a raw control character below 0x20 in a string (orjson refuses one, and every
    encoder escapes it as \\u00XX, \\b or \\f); DEL may travel raw. Without any of these, the
    structure need not be walked.
    """
    # Spelled out rather than looped, most documents leaving at the first line: this runs on every
    # chat send, and a one-character search is the cheapest there is.
    if isinstance(raw, str):
        if "\\" not in raw:
            return "\x7f" in raw
        return "\\u00" in raw or "\\b" in raw or "\\f" in raw or "\x7f" in raw
    if b"\\" not in raw:
        return b"\x7f" in raw
    return b"\\u00" in raw or b"\\b" in raw or b"\\f" in raw or b"\x7f" in raw


def _bad_key(mapping: dict[Any, Any]) -> Any:
    for key in mapping:
        if isinstance(key, str) and CONTROL_CHARACTER.search(key) is not None:
            return key
    return None


def _entries(item: Any) -> Iterator[tuple[Any, Any]] | None:
    if isinstance(item, dict):
        return iter(item.items())
    if isinstance(item, list | tuple):
        return enumerate(item)
    return None


def control_character_at(value: Any) -> Location | None:
    """Where the first string (a value, or a mapping's key) holding a control character sits in
    `value` (JSON-like: mappings, lists, scalars), or None when there is none."""
    if isinstance(value, str):
        return () if CONTROL_CHARACTER.search(value) is not None else None
    # Depth first over iterators, so the first in document order is found; iterative, so that a
    # client's nesting depth never becomes this process's recursion depth.
    stack: list[tuple[Location, Iterator[tuple[Any, Any]]]] = []
    where: Location = ()
    item = value
    while True:
        if isinstance(item, dict) and (key := _bad_key(item)) is not None:
            return (*where, key)
        entries = _entries(item)
        if entries is not None:
            stack.append((where, entries))
        while stack:
            where, entries = stack[-1]
            for key, child in entries:
                if isinstance(child, str):
                    if CONTROL_CHARACTER.search(child) is not None:
                        return (*where, key)
                elif isinstance(child, dict | list | tuple):
                    where, item = (*where, key), child
                    break
            else:
                stack.pop()
                continue
            break
        else:
            return None


def control_character_error(where: Location) -> dict[str, Any]:
    """The refusal as one entry of a validation error list (pydantic's shape), so that every
    contract words it like any other field that fails its schema."""
    return {"type": CONTROL_ERROR_TYPE, "loc": list(where), "msg": CONTROL_ERROR_MSG}


# Row ids, sequence numbers and offsets are INTEGER columns: 32 bits on PostgreSQL, which refuses a
# larger value in a query outright (SQLite takes 64). A client's id past them is simply not there,
# answered as a validation error before any database sees it.
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]
Id = Annotated[int, Field(ge=1, le=INT32_MAX)]  # a row's id, as a client names it

# Pages: how many items, from where.
PAGE_MAX = 100
PageSize = Annotated[int, Field(ge=1, le=PAGE_MAX)]
Offset = Annotated[Int32, Field(ge=0)]

# Narrows any text type to a value that is not empty: `Annotated[Email, NON_EMPTY]`.
NON_EMPTY = Field(min_length=1)

# --- people ----------------------------------------------------------------------------------------

USERNAME_PATTERN = r"^[A-Za-z0-9_.]+$"
Username = Annotated[str, Field(min_length=3, max_length=64, pattern=USERNAME_PATTERN)]
EMAIL_MAX = 254  # the longest address SMTP carries
Email = Annotated[str, Field(max_length=EMAIL_MAX)]
Identifier = Annotated[str, Field(max_length=EMAIL_MAX)]  # what one signs in with: an email is the longest
Phone = Annotated[str, Field(max_length=20)]
PersonName = Annotated[str, Field(max_length=128)]  # a full, first, middle or last name
City = Annotated[str, Field(max_length=64)]
Contact = Annotated[str, Field(max_length=64)]  # a messenger handle or number: Telegram, WhatsApp, Viber
About = Annotated[str, Field(max_length=2000)]  # what someone writes about themselves
Url = Annotated[str, Field(max_length=512)]
FileName = Annotated[
    str, Field(min_length=1, max_length=255)
]  # as a client names an upload (most file systems' limit)
ReferralCode = Annotated[str, Field(max_length=32)]
# One to three, as FreeMarket's document says.
Locations = Annotated[list[str], Field(min_length=1, max_length=3)]

# --- credentials and sessions ----------------------------------------------------------------------

PASSWORD_MIN, PASSWORD_MAX = 8, 128
NewPassword = Annotated[str, Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]
Password = Annotated[str, Field(max_length=PASSWORD_MAX)]  # one to check: the minimum held when it was set
TOKEN_MAX = 256
Token = Annotated[str, Field(max_length=TOKEN_MAX)]  # a refresh, password reset or email verification token
AccessToken = Annotated[str, Field(max_length=4096)]  # a signed access token, where a query carries it
SessionId = Annotated[str, Field(max_length=64)]
SmsCode = Annotated[str, Field(max_length=12)]
USER_AGENT_MAX = 512
UserAgent = Annotated[str, Field(max_length=USER_AGENT_MAX)]
Device = Annotated[str, Field(max_length=128)]

# --- free text -------------------------------------------------------------------------------------

Search = Annotated[str, Field(max_length=128)]
Keyword = Annotated[str, Field(max_length=32)]  # one of a few words, taken as text: a sex, a role
Label = Annotated[str, Field(max_length=64)]  # a short label: a kind of user
Line = Annotated[str, Field(max_length=128)]  # one line of free text: a place, a kind of property
Cursor = Annotated[str, Field(max_length=32)]  # where a page starts, as a client got it (an id as text)

# --- chat ------------------------------------------------------------------------------------------

BODY_MAX = 4000
MessageText = Annotated[str, Field(max_length=BODY_MAX)]
AssistantText = Annotated[str, Field(max_length=BODY_MAX * 8)]  # an answer may run longer than a question
TITLE_MAX = 200
Title = Annotated[str, Field(max_length=TITLE_MAX)]  # a conversation's or a notification's
CLIENT_MSG_ID_MAX = 64
ClientMsgId = Annotated[str, Field(min_length=1, max_length=CLIENT_MSG_ID_MAX)]
TopicId = Annotated[str, Field(max_length=128)]  # what a conversation is about: an ad, an exchange
ATTACHMENTS_MAX = 10
Attachments = Annotated[list[str], Field(max_length=ATTACHMENTS_MAX)]
AttachmentUrl = Annotated[str, Field(min_length=1, max_length=1024)]  # where a contract takes URLs only
AttachmentUrls = Annotated[list[AttachmentUrl], Field(max_length=ATTACHMENTS_MAX)]
WITH_USERS_MAX = 50  # people a conversation is opened with, besides whoever opens it
WithUsers = Annotated[list[Int32], Field(max_length=WITH_USERS_MAX)]
ParticipantRoles = Annotated[dict[Int32, str], Field(max_length=WITH_USERS_MAX + 1)]
CATCH_UP_POSITIONS_MAX = 500  # conversations one catch-up asks about
Positions = Annotated[dict[Int32, Int32], Field(max_length=CATCH_UP_POSITIONS_MAX)]

# --- notifications and presence --------------------------------------------------------------------

Recipients = Annotated[list[Int32], Field(min_length=1, max_length=1000)]
NotificationType = Annotated[str, Field(min_length=1, max_length=64)]
NotificationText = Annotated[str, Field(max_length=2000)]
DEDUPE_KEY_MAX = 100
# What makes a notification the same one when its sender sends it again (after a crash, say).
DedupeKey = Annotated[str, Field(min_length=1, max_length=DEDUPE_KEY_MAX)]
PRESENCE_ASKED_MAX = 500  # users one presence question names
AskedUsers = Annotated[list[Int32], Field(max_length=PRESENCE_ASKED_MAX)]
EdgeId = Annotated[str, Field(max_length=128)]

# --- catalog ---------------------------------------------------------------------------------------

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"  # lowercase ASCII words joined by hyphens
Slug = Annotated[str, Field(min_length=1, max_length=100, pattern=SLUG_PATTERN)]
CategoryName = Annotated[str, Field(min_length=1, max_length=100)]
MetaTitle = Annotated[str, Field(max_length=200)]
MetaDescription = Annotated[str, Field(max_length=500)]
ReferenceName = Annotated[str, Field(min_length=1, max_length=100)]  # a brand, model, generation, trim
Seats = Annotated[int, Field(ge=1, le=100)]
Population = Annotated[int, Field(ge=0, le=INT32_MAX)]
ReferenceSearch = Annotated[str, Field(max_length=100)]  # words a reference's or a place's name holds

# --- places ----------------------------------------------------------------------------------------

Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
NEARBY_RADIUS_MAX_KM = 1000  # the document's largest search radius
RadiusKm = Annotated[float, Field(gt=0, le=NEARBY_RADIUS_MAX_KM, allow_inf_nan=False)]
PlaceName = Annotated[str, Field(min_length=1, max_length=200)]  # a city as someone wrote it
CountryName = Annotated[str, Field(min_length=1, max_length=100)]
Iso3 = Annotated[str, Field(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$")]  # ISO 3166-1 alpha-3
RegionCode = Annotated[str, Field(min_length=1, max_length=16)]  # ISO 3166-2 where known
PhoneCode = Annotated[str, Field(min_length=1, max_length=32)]
CountryCode = Annotated[str, Field(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")]  # ISO 3166-1 alpha-2
IP_ADDRESS_MAX = 64  # as the edge cuts a forwarded address
IpAddress = Annotated[str, Field(max_length=IP_ADDRESS_MAX)]

# --- market ----------------------------------------------------------------------------------------

AD_TITLE_MAX = 200
AdTitle = Annotated[str, Field(min_length=1, max_length=AD_TITLE_MAX)]
AdDescription = Annotated[str, Field(max_length=10000)]
PRICE_MAX = 10**12  # a BIGINT column; no vehicle costs more, in any currency the platform takes
Price = Annotated[int, Field(ge=0, le=PRICE_MAX)]
CURRENCY_PATTERN = r"^[A-Z]{3}$"  # ISO 4217
Currency = Annotated[str, Field(min_length=3, max_length=3, pattern=CURRENCY_PATTERN)]
YEAR_MIN, YEAR_MAX = 1885, 2100  # from the first car on
Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]
Mileage = Annotated[int, Field(ge=0, le=10_000_000)]  # km
EngineVolume = Annotated[float, Field(ge=0, le=30, allow_inf_nan=False)]  # litres
EnginePower = Annotated[int, Field(ge=0, le=10_000)]  # hp
VIN_PATTERN = r"^[A-HJ-NPR-Z0-9]{17}$"  # ISO 3779: 17 characters, no I, O or Q
Vin = Annotated[str, Field(min_length=17, max_length=17, pattern=VIN_PATTERN)]
RejectionReason = Annotated[str, Field(min_length=1, max_length=500)]
Viewer = Annotated[str, Field(min_length=1, max_length=80)]  # who viewed: a user id or a client address

# --- dealers --------------------------------------------------------------------------------------

CompanyName = Annotated[str, Field(min_length=1, max_length=200)]
Address = Annotated[str, Field(max_length=300)]
DealerIds = Annotated[list[Id], Field(max_length=PAGE_MAX)]  # the dealers of one page of ads

# --- moderation ------------------------------------------------------------------------------------

ReportComment = Annotated[str, Field(max_length=2000)]
# What a report shows: links to pictures or pages, web addresses only.
EVIDENCE_URLS_MAX = 10
EVIDENCE_URL_PATTERN = r"^https?://\S+$"
EvidenceUrl = Annotated[str, Field(min_length=1, max_length=512, pattern=EVIDENCE_URL_PATTERN)]
EvidenceUrls = Annotated[list[EvidenceUrl], Field(max_length=EVIDENCE_URLS_MAX)]
ContractName = Annotated[str, Field(min_length=1, max_length=16)]  # a surface's name: "barter"
ContractReason = Annotated[str, Field(min_length=1, max_length=32)]  # a reason in a contract's words
# What a moderation log entry is about ("user", "conversation", "category", ...), as its column holds it.
LogTargetType = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[a-z_]+$")]
AdminNotes = Annotated[str, Field(max_length=2000)]
BAN_DAYS_MAX = 3650  # ten years; a ban always ends
BanDays = Annotated[int, Field(ge=1, le=BAN_DAYS_MAX)]
BanReason = Annotated[str, Field(min_length=1, max_length=100)]
COUNTED_USERS_MAX = 1000  # users one count of reports received names
CountedUsers = Annotated[list[Int32], Field(max_length=COUNTED_USERS_MAX)]

# --- market search ---------------------------------------------------------------------------------

SEARCH_IDS_MAX = 100  # ids one `*_ids` filter of an ad search names
SearchIds = Annotated[list[Id], Field(min_length=1, max_length=SEARCH_IDS_MAX)]
DescribedIds = Annotated[list[Id], Field(min_length=1, max_length=PAGE_MAX)]  # listings of a page of reports
AdSearchText = Annotated[str, Field(max_length=200)]  # an ad search's words, in titles and descriptions

# --- realty (properties and buyers' requests) -----------------------------------------------------

AREA_MAX = 10_000_000.0  # m²: a thousand hectares, past any one property or estate
Area = Annotated[float, Field(ge=0, le=AREA_MAX, allow_inf_nan=False)]  # m², never negative
CeilingHeight = Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]  # metres
FLOORS_MAX = 200  # the tallest building's floors, with room to spare
FloorNumber = Annotated[int, Field(ge=-10, le=FLOORS_MAX)]  # below 0: a basement level
BuildingFloors = Annotated[int, Field(ge=1, le=FLOORS_MAX)]
ROOMS_MAX = 100
RoomCount = Annotated[int, Field(ge=0, le=ROOMS_MAX)]  # 0: a studio
UnitCount = Annotated[int, Field(ge=0, le=100_000)]  # flats in a building, lifts per entrance
Quarter = Annotated[int, Field(ge=1, le=4)]
PropertyPrice = Annotated[float, Field(ge=0, le=PRICE_MAX, allow_inf_nan=False)]  # a price or a budget
PropertyNote = Annotated[
    str, Field(max_length=1000)
]  # a comma list as the document writes it: "parking,pool"
PropertyWord = Annotated[str, Field(min_length=1, max_length=64)]  # one of a vocabulary's words, as written
DistrictName = Annotated[str, Field(min_length=1, max_length=100)]
PropertyAddress = Annotated[str, Field(min_length=1, max_length=300)]
PROPERTY_IMAGES_MAX = 20  # photos of one property
PROPERTY_DOCUMENTS_MAX = 3  # the document's document_file1..3
PROPERTY_FILES_MAX = PROPERTY_IMAGES_MAX + 3 + PROPERTY_DOCUMENTS_MAX  # with a layout of each kind
PropertyFileCount = Field(max_length=PROPERTY_FILES_MAX)  # `Annotated[list[NewPropertyFile], ...]`
CHANGED_FIELDS_MAX = 64  # fields one update names
ChangedFields = Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=CHANGED_FIELDS_MAX)]
PropertyIds = Annotated[list[Id], Field(min_length=1, max_length=PAGE_MAX)]

# --- realty: buyers' requests ----------------------------------------------------------------------

RequestNote = Annotated[str, Field(max_length=1000)]  # a request's urgency, purchase method, wishes

# --- media -----------------------------------------------------------------------------------------

# A stored file's key: a relative path the platform makes (`ads/12/<random hex>.jpg`), never a
# client's file name; no `..`, no leading slash, so a store may map it onto a directory as it is.
MEDIA_KEY_MAX = 200
MEDIA_KEY_PATTERN = r"^(?:[A-Za-z0-9_-]+/)*[A-Za-z0-9_-]+\.[a-z0-9]{1,5}$"
MediaKey = Annotated[str, Field(min_length=3, max_length=MEDIA_KEY_MAX, pattern=MEDIA_KEY_PATTERN)]
MediaType = Annotated[str, Field(min_length=3, max_length=64)]  # a stored file's content type
MediaSize = Annotated[int, Field(ge=1, le=2**31 - 1)]  # bytes: an INTEGER column
Pixels = Annotated[int, Field(ge=1, le=65_535)]  # an image's width or height

# --- banners ---------------------------------------------------------------------------------------

BannerTitle = Annotated[str, Field(min_length=1, max_length=200)]
# Where a banner's image and link lead: a web address or a path of the site. Nothing else (no
# `javascript:` or `data:`), as a client puts them in pages as they are.
WEB_LINK_PATTERN = r"^(https?://|/)\S*$"
WebLink = Annotated[str, Field(min_length=1, max_length=512, pattern=WEB_LINK_PATTERN)]


# --- garage (Membership Auto's vehicles) -----------------------------------------------------------

UUID_TEXT_LENGTH = 36  # a UUID as text, with its hyphens: how the garage names its vehicles
UuidText = Annotated[str, Field(min_length=UUID_TEXT_LENGTH, max_length=UUID_TEXT_LENGTH)]
VehicleName = Annotated[str, Field(min_length=1, max_length=64)]  # a make, a model or a trim
LicensePlate = Annotated[str, Field(min_length=1, max_length=16)]
DONGLE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"  # a serial, a MAC address, "dongle-123"
DongleId = Annotated[str, Field(min_length=1, max_length=64, pattern=DONGLE_ID_PATTERN)]
Odometer = Annotated[float, Field(ge=0, le=10_000_000, allow_inf_nan=False)]  # km or miles, as entered
VEHICLES_MAX = 100  # vehicles one member keeps
UuidTexts = Annotated[list[UuidText], Field(max_length=VEHICLES_MAX)]


# --- telemetry (OBD dongles' batches) --------------------------------------------------------------

SAMPLES_MAX = 3600  # one batch's samples at most, whatever `[telemetry] max_samples` narrows it to
FAULT_CODES_MAX = 32  # diagnostic trouble codes one sample reports
DTC_PATTERN = r"^[PCBU][0-3][0-9A-F]{3}$"  # SAE J2012: P0301, U0100
FaultCode = Annotated[str, Field(min_length=5, max_length=5, pattern=DTC_PATTERN)]
FaultCodes = Annotated[list[FaultCode], Field(max_length=FAULT_CODES_MAX)]
SAMPLE_PAGE_MAX = 500  # samples one read-back answers
SAMPLES_LENGTH = Field(min_length=1, max_length=SAMPLES_MAX)  # `Annotated[list[Sample], SAMPLES_LENGTH]`


def _in_utc(value: datetime) -> datetime:
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # a zone that carries it past the calendar's first or last day
        raise ValueError("out of range") from None


Moment = Annotated[datetime, AfterValidator(_in_utc)]  # a time a client gives; without a zone, UTC's


# --- garage service (Membership Auto's locations, appointments, offers) ----------------------------

LocationName = Annotated[str, Field(min_length=1, max_length=120)]
StreetAddress = Annotated[str, Field(min_length=1, max_length=300)]
TimeZoneName = Annotated[str, Field(min_length=1, max_length=64)]  # an IANA name: America/New_York
BAYS_MAX = 100  # cars one location serves at once
Bays = Annotated[int, Field(ge=1, le=BAYS_MAX)]
# A time of day on a location's clock, "08:00"; "24:00" closes at midnight.
CLOCK_PATTERN = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
ClockTime = Annotated[str, Field(min_length=5, max_length=5, pattern=CLOCK_PATTERN)]
# A date a client asks about (a location's day): one whose midnight on any clock is a time Python keeps.
ServiceDate = Annotated[date, Field(ge=date(1970, 1, 2), le=date(9999, 12, 30))]
OfferTitle = Annotated[str, Field(min_length=1, max_length=200)]
OfferText = Annotated[str, Field(max_length=2000)]  # an offer's description or terms
OFFER_LOCATIONS_MAX = 50  # locations one offer names
# Lengths of lists, for lists of another module's items (`Annotated[list[X], OfferLocationCount]`).
OfferLocationCount = Field(min_length=1, max_length=OFFER_LOCATIONS_MAX)
CHOICES_MAX = 32  # distinct values of a small enumeration (service codes, membership tiers) in one list
ChoiceCount = Field(max_length=CHOICES_MAX)
SomeChoiceCount = Field(min_length=1, max_length=CHOICES_MAX)
WeekdayCount = Field(max_length=7)  # a week's days, each once: opening hours
# An id as a client writes it in a query, checked by the domain that owns it (unknown: not found).
QueryId = Annotated[str, Field(max_length=64)]

# --- barter (FreeMarket's wants and offers) ----------------------------------------------------------

BARTER_SLUG_PATTERN = r"^[a-z0-9]+(?:_[a-z0-9]+)*$"  # the contract's slugs: personal_transport
BarterSlug = Annotated[str, Field(min_length=1, max_length=64, pattern=BARTER_SLUG_PATTERN)]
CategoryVersion = Annotated[str, Field(min_length=1, max_length=16)]  # "v6.0"
ItemName = Annotated[str, Field(min_length=1, max_length=AD_TITLE_MAX)]
ItemDescription = Annotated[str, Field(max_length=2000)]
DURATION_DAYS_MAX = 365  # a temporary exchange (a loan, a rental) lasts at most a year
DurationDays = Annotated[int, Field(ge=1, le=DURATION_DAYS_MAX)]
BARTER_ITEMS_MAX = 50  # items one request adds or removes
BarterItemCount = Field(max_length=BARTER_ITEMS_MAX)
BARTER_POOL_PAGE_MAX = 5000  # items the matching domain reads from the market at once
BarterPoolSize = Annotated[int, Field(ge=1, le=BARTER_POOL_PAGE_MAX)]
BarterItemIds = Annotated[list[Id], Field(max_length=BARTER_POOL_PAGE_MAX)]
SomeBarterItemCount = Field(min_length=1, max_length=BARTER_ITEMS_MAX)
ExchangeKey = Annotated[str, Field(min_length=1, max_length=120)]  # an exchange's public id

# --- reviews and trust (FreeMarket's) ----------------------------------------------------------------

RATING_MIN, RATING_MAX = 1, 5
Rating = Annotated[int, Field(ge=RATING_MIN, le=RATING_MAX)]
ReviewText = Annotated[str, Field(max_length=2000)]
REVIEW_PAGE_MAX = 50  # reviews one page shows (the document's "max: 50")
ReviewPageSize = Annotated[int, Field(ge=1, le=REVIEW_PAGE_MAX)]
STANDINGS_MAX = PAGE_MAX  # users whose standing one request asks about (one page of them)
StandingUserIds = Annotated[list[Id], Field(min_length=1, max_length=STANDINGS_MAX)]

# --- matching (FreeMarket's exchanges and chains) ----------------------------------------------------

CHAIN_PARTICIPANTS_MAX = 10  # people one exchange chain may have (the contract's max_participants)
ChainSize = Annotated[int, Field(ge=2, le=CHAIN_PARTICIPANTS_MAX)]
DeclineReason = Annotated[str, Field(max_length=500)]
