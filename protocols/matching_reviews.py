"""The matching domain's reviews, trust standings and exchange history (FreeMarket's "Reviews & Trust"
and "Exchange History"), beside its exchanges (protocols.matching).

A participant of a `completed` exchange reviews another participant of it, once per exchange (409 the
second time); in a chain that is any other participant. A user's standing is what his reviews and
exchanges say of him (the trust score's formula is in nodes/workers/matching/trust.py). The history
is the actor's own exchanges; another user's exchange is `not_found`, as a missing one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from . import subjects
from .envelope import Command, Message
from .fields import (
    ExchangeKey,
    Id,
    Offset,
    PageSize,
    Rating,
    ReviewPageSize,
    ReviewText,
    StandingUserIds,
)
from .matching import DOMAIN, Exchange, ExchangeStatus

# --- reviews ---------------------------------------------------------------------------------------


class Review(Message):
    id: int
    author_id: int
    target_id: int
    exchange_id: str  # the exchange's public id
    rating: int
    text: str | None
    is_public: bool
    created_at: datetime


class CreateReview(Command[Review]):
    """The actor reviews `target_user_id`, another participant of the completed exchange `exchange_id`.
    Not a participant, or the target is not one: `not_found`; not completed yet: `forbidden`;
    reviewed already: `conflict`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "create_review")
    exchange_id: ExchangeKey
    target_user_id: Id
    rating: Rating
    text: ReviewText | None = None
    is_public: bool = True


class ShownReview(Message):
    """A review as anyone sees it: its author only when the review is public."""

    id: int
    author_id: int | None  # None: not public
    rating: int
    text: str | None
    created_at: datetime
    is_verified: bool  # it belongs to a completed exchange


class ReviewSummary(Message):
    average_rating: float  # 0.0 without reviews
    total_reviews: int
    verified_reviews: int


class ReviewPage(Message):
    items: list[ShownReview]  # newest first
    summary: ReviewSummary


class ListUserReviews(Command[ReviewPage]):
    """The reviews a user received (an unknown user has none)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_user_reviews")
    idempotent: ClassVar[bool] = True
    user_id: Id
    offset: Offset = 0
    limit: ReviewPageSize = 10


# --- standings (trust) -----------------------------------------------------------------------------


class Standing(Message):
    """What the platform knows of a user's dealings: his reviews, exchanges and trust score (0–100)."""

    user_id: int
    average_rating: float
    weighted_rating: float  # weighted by recency
    total_reviews: int
    verified_reviews: int
    exchanges_completed: int
    trust_score: float
    last_calculated: datetime


class Standings(Message):
    items: list[Standing]  # in the order asked; accounts that do not exist are left out


class GetStandings(Command[Standings]):
    """The standing of each of these users (anyone may ask: it is public)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_standings")
    idempotent: ClassVar[bool] = True
    user_ids: StandingUserIds


# --- history ---------------------------------------------------------------------------------------


class HistoryEntry(Message):
    """One of the actor's exchanges, as his history shows it. His partner is the participant whose
    item he receives (in a swap, the other one)."""

    exchange: Exchange
    partner_id: int
    partner_rating: float  # the partner's average rating, 0.0 without reviews
    gives_item_id: int
    receives_item_id: int
    rating_given: int | None  # the actor's review in this exchange (his first, in a chain)
    review_text: str | None


class HistoryPage(Message):
    items: list[HistoryEntry]  # newest first
    total: int  # every entry the filters match
    next_before_id: int | None  # for the next page of a walk by `before_id`; None: this was the last


class ListMyExchanges(Command[HistoryPage]):
    """The actor's exchanges in these statuses (all when empty), newest first; `since` / `until` bound
    when each happened (when it completed or dissolved, else when it was made). A page is taken by
    `offset`, or after `before_id` to walk the whole history without skipping or repeating any."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_my_exchanges")
    idempotent: ClassVar[bool] = True
    statuses: list[ExchangeStatus] = Field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    offset: Offset = 0
    before_id: Id | None = None
    limit: PageSize = 20


class TimelineEvent(Message):
    event_type: str  # CREATED, ACCEPTED, DECLINED, AGREED, CONFIRMED, COMPLETED, DISSOLVED
    user_id: int | None
    at: datetime
    details: str | None


class ExchangeHistory(Message):
    exchange: Exchange
    timeline: list[TimelineEvent]  # oldest first
    final_rating: float | None  # the average rating of the exchange's reviews; None without any
    review_count: int


class GetExchangeHistory(Command[ExchangeHistory]):
    """One exchange of the actor's with its timeline and reviews (anyone else's: `not_found`)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_exchange_history")
    idempotent: ClassVar[bool] = True
    public_id: ExchangeKey


class HistoryStatus(StrEnum):
    """FreeMarket's history statuses, each a set of exchange statuses."""

    COMPLETED = "COMPLETED"
    ACTIVE = "ACTIVE"
    CANCELLED = "CANCELLED"


HISTORY_STATUSES: dict[HistoryStatus, tuple[ExchangeStatus, ...]] = {
    HistoryStatus.COMPLETED: (ExchangeStatus.COMPLETED,),
    HistoryStatus.ACTIVE: (ExchangeStatus.PROPOSED, ExchangeStatus.ACTIVE),
    HistoryStatus.CANCELLED: (ExchangeStatus.DISSOLVED,),
}
HISTORY_STATUS_OF: dict[ExchangeStatus, HistoryStatus] = {
    status: shown for shown, statuses in HISTORY_STATUSES.items() for status in statuses
}
