"""The realty domain: Realty's buyers' requests (saved searches over the market's properties) and the
matches between requests and properties.

A request is written by a buyer (role `user`; anyone else is `forbidden`) in the one vocabulary of
protocols.market_realty: each surface turns its contract's words into it. It is `open` until its owner
closes it; a closed request is still listed to him but matched no more.

Matching follows protocols.market_realty's rules (what `SearchProperties` filters on), both ways:
- a request written (or changed) asks the market for the properties it matches at once; their owners
  are told of a new buyer (`realty_buyer`);
- a property published (`PropertyPublished`: new, changed, or shown again) is compared with every
  open request in one query; each newly matched request's owner is told (`realty_match`).
A request's city is the catalog's city (`city_id`, found from its name); a city the catalog does not
know is kept as written and matches nothing (`city_found` says so). Notices obey each user's
settings (identity's; a setting never made is on): a buyer's `notifications_new_matches`, an owner's
`notifications_responses`; a match is stored and listed with its request either way.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from . import subjects
from .envelope import Batched, Command, Message
from .fields import (
    Area,
    ChangedFields,
    DistrictName,
    Id,
    Offset,
    PageSize,
    PlaceName,
    PropertyPrice,
    PropertyWord,
    Quarter,
    RequestNote,
    RoomCount,
    Year,
)
from .market_realty import (
    DealFormat,
    Property,
    PropertyCondition,
    PropertySubtype,
    PropertyType,
    Purpose,
    RealtyCurrency,
)

DOMAIN = "realty"

MATCH_NOTICE = "realty_match"  # to a buyer: a property matches his request
BUYER_NOTICE = "realty_buyer"  # to an owner: a buyer's request matches his property
MATCHES_SHOWN_MAX = 50  # properties listed with one request, newest matches first


class RequestStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class RequestFields(Message):
    """What a buyer writes. Required when creating: city, deal format and type. Each min is at most its
    max; rooms are (at least, at most), a studio (0, 0)."""

    city: PlaceName | None = None
    district: DistrictName | None = None
    deal_format: DealFormat | None = None
    type: PropertyType | None = None
    subtype: PropertySubtype | None = None
    condition: PropertyCondition | None = None
    construction_year: Year | None = None
    construction_quarter: Quarter | None = None
    total_rooms: PropertyWord | None = None  # as written ("студия", "2", "4+")
    rooms_min: RoomCount | None = None
    rooms_max: RoomCount | None = None
    total_area_min: Area | None = None
    total_area_max: Area | None = None
    budget_min: PropertyPrice | None = None
    budget_max: PropertyPrice | None = None
    currency: RealtyCurrency | None = None  # the budget's; RUB when not given
    purchase_purpose: Purpose | None = None
    urgency: RequestNote | None = None
    purchase_method: RequestNote | None = None
    mortgage_approved: bool | None = None
    wishes: RequestNote | None = None


REQUIRED_FIELDS = ("city", "deal_format", "type")
FIELD_NAMES = tuple(RequestFields.model_fields)


class BuyerRequest(Message):
    id: int
    owner_id: int
    status: RequestStatus
    city: str
    city_id: int | None  # the catalog's; None: the city is not known there, and nothing matches
    city_found: bool
    district: str | None
    deal_format: DealFormat
    type: PropertyType
    subtype: PropertySubtype | None
    condition: PropertyCondition | None
    construction_year: int | None
    construction_quarter: int | None
    total_rooms: str | None
    rooms_min: int | None
    rooms_max: int | None
    total_area_min: float | None
    total_area_max: float | None
    budget_min: float | None
    budget_max: float | None
    currency: RealtyCurrency
    purchase_purpose: Purpose | None
    urgency: str | None
    purchase_method: str | None
    mortgage_approved: bool | None
    wishes: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    matches: list[Property] = Field(default_factory=list)  # active matching properties, newest match first
    matches_total: int = 0  # every stored match, archived properties' included


class RequestPage(Message):
    items: list[BuyerRequest]  # newest first
    total: int


class CreateRequest(RequestFields, Command[BuyerRequest]):
    """A buyer's new request, open at once, answered with the properties it matches now."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "create_request")


class UpdateRequest(RequestFields, Command[BuyerRequest]):
    """The owner's open request (anyone else's, or a closed one, is `not_found`/`conflict`): sets the
    fields `changed` names (None clears an optional one; a required one cannot be cleared) and matches it
    again; matches it no longer has are dropped."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "update_request")
    request_id: Id
    changed: ChangedFields = Field(default_factory=list)


class CloseRequest(Command[BuyerRequest]):
    """The owner's request (or any, for an admin: the console), matched no more. Closing a closed one
    answers it as it is."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "close_request")
    request_id: Id


class MatchesTold(Message):
    sent: int  # notices given now


class TellMatches(Command[MatchesTold]):
    """The system's (the scheduler's, every `[scheduler] realty_notice_interval_s`): sends the match
    notices still untold, those that notify, identity or the market did not answer for when the match
    was made."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "tell_matches")


class PropertiesCaughtUp(Batched):
    matched: int  # properties matched against the open requests by this page
    new: int  # matches they made that were not stored before


class CatchUpProperties(Command[PropertiesCaughtUp]):
    """The system's (the scheduler's, every `[scheduler] realty_catch_up_interval_s`, and each realty
    worker once as it starts): matches one page of the properties the market wrote since the catch-up's
    watermark, as `PropertyPublished` would have, for those events no realty worker was there to take."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "catch_up_properties")


class ListMyRequests(Command[RequestPage]):
    """The actor's requests, closed ones included, newest first, each with its matching properties."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_my_requests")
    idempotent: ClassVar[bool] = True
    offset: Offset = 0
    limit: PageSize = 100


class ListRequestsForStaff(Command[RequestPage]):
    """Admins only (the console): every buyer's requests, newest first, by status and owner; each with
    its `matches_total` (its `matches` are not read)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_requests_for_staff")
    idempotent: ClassVar[bool] = True
    status: RequestStatus | None = None
    owner_id: Id | None = None
    offset: Offset = 0
    limit: PageSize = 20
