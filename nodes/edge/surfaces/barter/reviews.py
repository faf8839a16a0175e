"""FreeMarket (seeds/001): reviews and trust (`/api/reviews`), on the matching domain's reviews and
standings (protocols.matching_reviews; the trust score's formula is in nodes/workers/matching/trust.py).

Choices where the document is silent:

- Only a participant of a `completed` exchange (everyone confirmed) reviews, and only another
  participant of it: in a chain, any other one. An exchange the caller is not in answers 404 like a
  missing one; one not completed yet 403; a `target_user_id` who is not another participant 400; a
  second review of the same exchange by the same author 409 (one review per exchange and author, in a
  chain too).
- "5 reviews per hour per user" counts the reviews the user stored in the last hour (the matching
  worker counts them): a refused attempt uses none of it, and a 6th review answers 429 with
  `Retry-After`. The edge also limits attempts, far above that (`REVIEW_FLOOD`), against floods only.
- A review that is not public is listed with "Anonymous" as its author (its text and rating show);
  `is_verified` says the review belongs to a completed exchange, which every review does when written.
- The lists and the rating of an account that does not exist answer 404.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, Field

from nodes.edge.errors import not_found_says
from nodes.edge.http import SurfaceRoutes, json_response, path_int, read_body, read_query
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS, LIMITER
from nodes.runtime.ratelimit import Rule
from protocols.envelope import DomainError, ErrorCode
from protocols.fields import ExchangeKey, Id, Offset, Rating, ReviewPageSize, ReviewText
from protocols.identity import GetUser
from protocols.matching_reviews import CreateReview, ListUserReviews, Review, ReviewSummary

from .errors import SURFACE
from .people import ANONYMOUS, names, standings

routes = SurfaceRoutes(SURFACE)

REVIEW_FLOOD = Rule("barter_review_attempts", limit=100, window_s=3600)
NOT_FOUND = "User not found"


class ReviewBody(BaseModel):
    exchange_id: ExchangeKey
    target_user_id: Id
    rating: Rating
    text: ReviewText | None = None
    is_public: bool = True


class ReviewOut(BaseModel):
    id: int
    author_id: int
    target_id: int
    exchange_id: str
    rating: int
    text: str | None
    is_public: bool
    created_at: datetime


class ReviewsQuery(BaseModel):
    skip: Offset = 0
    limit: ReviewPageSize = 10


class ShownReviewOut(BaseModel):
    id: int
    author_name: str = Field(description='"Anonymous" for a review that is not public.')
    rating: int
    text: str | None
    created_at: datetime
    is_verified: bool = Field(description="The review belongs to a completed exchange.")


class ReviewsOut(BaseModel):
    reviews: list[ShownReviewOut]
    summary: ReviewSummary


class RatingOut(BaseModel):
    user_id: int
    average_rating: float
    total_reviews: int
    verified_reviews: int
    trust_score: float = Field(
        description="0–100: recency-weighted rating, completion, reports, account age."
    )
    weighted_rating: float
    exchanges_completed: int
    last_calculated: datetime


def review_out(review: Review) -> ReviewOut:
    return ReviewOut.model_validate(review.model_dump())


@routes.post("/api/reviews", body=ReviewBody, auth=True,
             responses={201: ReviewOut, 400: None, 401: None, 403: None, 404: None, 409: None, 429: None})  # fmt: skip
async def create_review(request: web.Request) -> web.Response:
    """Create a review for a completed exchange (once per exchange; 5 per hour per user)."""
    actor = require_actor(request)
    body = await read_body(request, ReviewBody)
    await request.app[LIMITER].hit(REVIEW_FLOOD, str(actor.user_id))
    review = await request.app[BUS].request(CreateReview(**body.model_dump()), actor=actor)
    return json_response(review_out(review), status=201)


def path_user_id(request: web.Request) -> int:
    user_id = path_int(request, "user_id")
    if user_id < 1:  # no account has it
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return user_id


async def require_user(request: web.Request, user_id: int) -> None:
    with not_found_says(NOT_FOUND):
        await request.app[BUS].request(GetUser(user_id=user_id))


@routes.get("/api/reviews/users/{user_id}", query=ReviewsQuery, auth=True,
            responses={200: ReviewsOut, 400: None, 401: None, 404: None})  # fmt: skip
async def user_reviews(request: web.Request) -> web.Response:
    """Get reviews for a specific user, newest first (default 10, at most 50)."""
    actor = require_actor(request)
    query = read_query(request, ReviewsQuery)
    user_id = path_user_id(request)
    cmd = ListUserReviews(user_id=user_id, offset=query.skip, limit=query.limit)
    _, page = await asyncio.gather(require_user(request, user_id), request.app[BUS].request(cmd, actor=actor))
    authors = await names(request, (r.author_id for r in page.items if r.author_id is not None))
    reviews = [
        ShownReviewOut(
            id=r.id,
            author_name=ANONYMOUS if r.author_id is None else authors[r.author_id],
            rating=r.rating,
            text=r.text,
            created_at=r.created_at,
            is_verified=r.is_verified,
        )
        for r in page.items
    ]
    return json_response(ReviewsOut(reviews=reviews, summary=page.summary))


@routes.get("/api/reviews/users/{user_id}/rating", auth=True,
            responses={200: RatingOut, 401: None, 404: None})  # fmt: skip
async def user_rating(request: web.Request) -> web.Response:
    """Get a user's trust rating (0–100) and analytics."""
    require_actor(request)
    user_id = path_user_id(request)
    standing = (await standings(request, [user_id])).get(user_id)
    if standing is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return json_response(RatingOut.model_validate(standing.model_dump()))
