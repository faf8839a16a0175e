"""The garage domain's member side (Membership Auto): memberships, offers and referral rewards.

- A member holds at most one membership, of a tier, assigned by staff; none until then. Its id is the
  account's `membershipId`.
- An offer runs from `starts_at` to its `expiry` at the locations it names; one naming tiers is shown
  to members holding one of them, one naming none to every member. Staff write them.
- Who referred whom is identity's (recorded with the new account, from the code it registered with).
  The garage credits the referrer once, when the new member's first appointment is completed: the
  referral becomes `credited`, and the referrer's rewards balance grows by `[garage] referral_reward`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar, Self, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from . import subjects
from .envelope import Command, Empty, Message
from .fields import (
    ChoiceCount,
    Int32,
    Latitude,
    Longitude,
    Moment,
    OfferLocationCount,
    OfferText,
    OfferTitle,
    Offset,
    PageSize,
)
from .garage import DOMAIN
from .garage_service import Ident

# A referral's id comes from its referred member's public id, so it is the same before and after the
# credit (which is all the garage stores of it).
REFERRAL_NAMESPACE = uuid.UUID("5b0f3f0e-8d1c-4f57-9a43-2f1c6c7e0a11")


def referral_id(referred_public_id: str) -> str:
    return str(uuid.uuid5(REFERRAL_NAMESPACE, referred_public_id))


class MembershipTier(StrEnum):
    BASIC = "basic"
    PLUS = "plus"
    PREMIUM = "premium"


# --- memberships -----------------------------------------------------------------------------------


class Membership(Message):
    id: str
    user_id: int
    user_public_id: str
    tier: MembershipTier
    created_at: datetime
    updated_at: datetime


class SetMembership(Command[Membership]):
    """Staff only: the member (by his account's public id) holds a membership of this tier; one he
    holds already keeps its id and takes the tier."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "set_membership")
    idempotent: ClassVar[bool] = True
    user_public_id: Ident
    tier: MembershipTier


class EndMembership(Command[Empty]):
    """Staff only: the member holds no membership any more."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "end_membership")
    idempotent: ClassVar[bool] = True
    user_public_id: Ident


class Standing(Message):
    """What the account shows of the garage: its membership and its rewards."""

    membership_id: str | None = None
    tier: MembershipTier | None = None
    rewards_balance: int = 0


class GetStanding(Command[Standing]):
    """The actor's own."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_standing")
    idempotent: ClassVar[bool] = True


class GetStandingOf(Command[Standing]):
    """Staff only: a member's (by his account's id), deactivated accounts' too."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_standing_of")
    idempotent: ClassVar[bool] = True
    user_id: Int32


# --- offers ----------------------------------------------------------------------------------------


T = TypeVar("T")


def _distinct(values: list[T]) -> list[T]:
    return list(dict.fromkeys(values))


def _stripped(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


Tiers = Annotated[list[MembershipTier], ChoiceCount, AfterValidator(_distinct)]
OfferLocations = Annotated[list[Ident], OfferLocationCount, AfterValidator(_distinct)]


class OfferFields(Message):
    """What staff write about an offer; without `starts_at` it runs from when it is written."""

    title: Annotated[OfferTitle, BeforeValidator(_stripped)]
    description: OfferText = ""
    terms: OfferText = ""
    starts_at: Moment | None = None
    expiry: Moment
    eligible_memberships: Tiers = Field(default_factory=list)  # none: every member
    locations: OfferLocations  # their ids

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> Self:
        if self.starts_at is not None and self.expiry <= self.starts_at:
            raise ValueError("expires after it starts")
        return self


class Offer(Message):
    id: str
    title: str
    description: str
    terms: str
    starts_at: datetime
    expiry: datetime
    eligible_memberships: list[MembershipTier]
    locations: list[str]  # their ids
    created_at: datetime
    updated_at: datetime


class OfferList(Message):
    items: list[Offer]


class OffersNear(Command[OfferList]):
    """The offers running now for the actor's tier. With a point: only those at a location within
    `[garage] offers_radius_km`, nearest first; without one, every location's, newest first. A
    `vehicle_id` must be one of the actor's vehicles."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "offers_near")
    idempotent: ClassVar[bool] = True
    vehicle_id: Ident | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None

    @model_validator(mode="after")
    def _a_whole_point(self) -> Self:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude go together")
        return self


class ListOffers(Command[OfferList]):
    """Staff only: every offer, past and future ones too, newest first."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_offers")
    idempotent: ClassVar[bool] = True


class OfferPage(Message):
    items: list[Offer]  # newest first
    total: int


class ListOffersForStaff(Command[OfferPage]):
    """Admins only (the console): every offer, past and future ones too, newest first."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_offers_for_staff")
    idempotent: ClassVar[bool] = True
    offset: Offset = 0
    limit: PageSize = 20


class CreateOffer(OfferFields, Command[Offer]):
    """Staff only; every location named must exist."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "create_offer")


class UpdateOffer(OfferFields, Command[Offer]):
    """Staff only: every field again."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "update_offer")
    idempotent: ClassVar[bool] = True
    offer_id: Ident


class DeleteOffer(Command[Empty]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "delete_offer")
    idempotent: ClassVar[bool] = True
    offer_id: Ident


# --- referrals -------------------------------------------------------------------------------------


class ReferralStatus(StrEnum):
    PENDING = "pending"  # the referred member has no completed appointment yet
    CREDITED = "credited"


class Referral(Message):
    id: str
    referrer_public_id: str
    referred_public_id: str
    code: str
    status: ReferralStatus
    rewards_applied: dict[str, int]  # what the referrer was given: {"rewardsBalance": 25}
    created_at: datetime  # when the referred member registered


class Referrals(Message):
    code: str | None  # the actor's own referral code
    items: list[Referral]  # newest first


class GetReferrals(Command[Referrals]):
    """The actor's code and the members who registered with it."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_referrals")
    idempotent: ClassVar[bool] = True
