"""FreeMarket (seeds/001): the barter exchange's REST surface."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, Field

from nodes.edge.errors import freemarket
from nodes.edge.http import Surface, SurfaceRoutes, json_response, path_int, read_body
from nodes.edge.state import BUS
from protocols.identity import CreateUser, GetUser, UserProfile

BARTER = Surface(name="barter", title="FreeMarket (barter exchange)", error_format=freemarket)
routes = SurfaceRoutes(BARTER)


class HealthOut(BaseModel):
    status: str
    message: str


class RootOut(BaseModel):
    message: str
    version: str


class CreateUserBody(BaseModel):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.]+$")
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=20)
    full_name: str | None = Field(default=None, max_length=128)
    telegram_contact: str | None = Field(default=None, max_length=64)
    city: str | None = Field(default=None, max_length=64)
    bio: str | None = Field(default=None, max_length=2000)


class UserCreatedOut(BaseModel):
    id: int
    username: str | None
    email: str | None
    full_name: str | None
    telegram_contact: str | None
    city: str | None
    bio: str | None
    is_active: bool
    created_at: datetime


class UserOut(UserCreatedOut):
    trust_score: float
    exchange_count: int
    rating_avg: float
    is_verified: bool
    email_verified: bool
    phone_verified: bool
    updated_at: datetime
    last_login_at: datetime | None
    last_active_at: datetime | None
    telegram_id: int | None
    telegram_username: str | None
    telegram_first_name: str | None


def user_created(user: UserProfile) -> UserCreatedOut:
    return UserCreatedOut.model_validate(user.model_dump())


def user_out(user: UserProfile) -> UserOut:
    # Trust, exchanges and ratings belong to the barter domain; until it exists no account has any.
    # No Telegram sign-in exists, so its fields are always empty.
    return UserOut(
        **user_created(user).model_dump(),
        trust_score=0.0,
        exchange_count=0,
        rating_avg=0.0,
        is_verified=user.email_verified or user.phone_verified,
        email_verified=user.email_verified,
        phone_verified=user.phone_verified,
        updated_at=user.updated_at,
        last_login_at=user.last_login_at,
        last_active_at=user.last_login_at,
        telegram_id=None,
        telegram_username=None,
        telegram_first_name=None,
    )


@routes.get("/health", responses={200: HealthOut})
async def health(_request: web.Request) -> web.Response:
    """Check if API is running."""
    return json_response(HealthOut(status="ok", message="FreeMarket API is running"))


@routes.get("/", responses={200: RootOut})
async def root(_request: web.Request) -> web.Response:
    """Root API information."""
    return json_response(RootOut(message="FreeMarket API", version="1.0.0"))


@routes.post("/api/users/", body=CreateUserBody, responses={201: UserCreatedOut, 400: None, 409: None})
async def create_user(request: web.Request) -> web.Response:
    """Create a new user (no password; full registration is `/auth/register`)."""
    body = await read_body(request, CreateUserBody)
    user = await request.app[BUS].request(CreateUser(**body.model_dump()))
    return json_response(user_created(user), status=201)


@routes.get("/api/users/{user_id}", responses={200: UserOut, 404: None})
async def get_user(request: web.Request) -> web.Response:
    """Get user details by ID."""
    user = await request.app[BUS].request(GetUser(user_id=path_int(request, "user_id")))
    return json_response(user_out(user))


@routes.get("/api/users/username/{username}", responses={200: UserOut, 404: None})
async def get_user_by_username(request: web.Request) -> web.Response:
    """Get user by username."""
    user = await request.app[BUS].request(GetUser(username=request.match_info["username"]))
    return json_response(user_out(user))
