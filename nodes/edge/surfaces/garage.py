"""Membership Auto (car service membership) (seeds/004): its REST surface.

Django REST Framework's conventions, as the document shows them: paths under `/api/` with a trailing
slash, camelCase fields, errors as `{"error": "..."}`. A request that fails validation is 400 with
the error and, as DRF does, each offending field with its messages (`{"error": "...", "email":
["This field is required."]}`). The documented statuses are 200, 201, 202, 400, 401, 404 and 500:
an email or phone already taken is therefore 400 on that field (as DRF's unique validator answers),
not 409.

The user object's `id` is the account's public id (the document shows a UUID); `name` is the full
name; `membershipId`, `referralCode` and `rewardsBalance` come from the account.

Choices where the document is silent:

- `register` answers 201 (the document lists 201 for a created resource); `login` 200, same body.
  `name` and `phone` are optional; `referralCode` names the account that referred this one.
- `refresh` answers `accessToken` as documented, and also `refreshToken`: the platform rotates
  refresh tokens on every use, so the one sent stops working and a client must keep the new one.
- A wrong email or password is 401 `{"error": "Invalid credentials"}`, as documented.
"""

from __future__ import annotations

import functools
from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from nodes.edge.errors import garage
from nodes.edge.http import Handler, Surface, SurfaceRoutes, json_response, read_body
from nodes.edge.kit.names import display_name
from nodes.edge.session_http import client_info
from nodes.edge.state import BUS
from protocols.envelope import DomainError, ErrorCode
from protocols.identity import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    Login,
    LoginKind,
    Refresh,
    Register,
    TokenPair,
    UserProfile,
)

EMAIL_MAX = 254
TOKEN_MAX = 256
INVALID_CREDENTIALS = "Invalid credentials"


SURFACE = Surface(name="garage", title="Membership Auto (car service membership)", error_format=garage)
routes = SurfaceRoutes(SURFACE)


# --- models ----------------------------------------------------------------------------------------


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class RegisterBody(CamelModel):
    name: str | None = Field(default=None, max_length=128)
    email: str = Field(min_length=1, max_length=EMAIL_MAX)
    password: str = Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)
    phone: str | None = Field(default=None, max_length=20)
    referral_code: str | None = Field(default=None, max_length=32)


class LoginBody(CamelModel):
    email: str = Field(min_length=1, max_length=EMAIL_MAX)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX)
    device_id: str | None = Field(default=None, max_length=128, description="For push notifications.")


class RefreshBody(CamelModel):
    refresh_token: str = Field(min_length=1, max_length=TOKEN_MAX)


class GarageUser(CamelModel):
    id: str = Field(description="The account's public id (a UUID).")
    name: str | None
    email: str | None
    phone: str | None
    membership_id: str | None
    referral_code: str | None
    rewards_balance: int
    created_at: datetime


class GarageSignedIn(CamelModel):
    access_token: str
    refresh_token: str
    user: GarageUser


class GarageRefreshed(CamelModel):
    access_token: str
    refresh_token: str = Field(description="The rotated refresh token: the one sent no longer works.")


# --- shaping ---------------------------------------------------------------------------------------


def garage_user(user: UserProfile) -> GarageUser:
    return GarageUser(
        id=user.public_id, name=display_name(user), email=user.email, phone=user.phone,
        membership_id=user.membership_id, referral_code=user.referral_code,
        rewards_balance=user.rewards_balance, created_at=user.created_at,
    )  # fmt: skip


def camel(out: BaseModel, status: int = 200) -> web.Response:
    return json_response(out.model_dump(mode="json", by_alias=True), status=status)


def signed_in(user: UserProfile, tokens: TokenPair, status: int) -> web.Response:
    out = GarageSignedIn(access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                         user=garage_user(user))  # fmt: skip
    return camel(out, status)


def conflict_is_bad_request(handler: Handler) -> Handler:
    """An identifier already taken is 400 on its field: the document has no 409."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except DomainError as exc:
            if exc.code is not ErrorCode.CONFLICT:
                raise
            raise DomainError(ErrorCode.VALIDATION, exc.message, exc.details) from None

    return wrapped


# --- /api/auth -------------------------------------------------------------------------------------


@routes.post("/api/auth/register/", body=RegisterBody, responses={201: GarageSignedIn, 400: None, 429: None})
@conflict_is_bad_request
async def register(request: web.Request) -> web.Response:
    """Register; signed in at once (access and refresh tokens in the answer)."""
    body = await read_body(request, RegisterBody)
    cmd = Register(
        email=body.email,
        password=body.password,
        full_name=body.name or None,
        phone=body.phone or None,
        referral_code=body.referral_code or None,
        client=client_info(request),
    )
    registered = await request.app[BUS].request(cmd)
    if registered.tokens is None:
        raise DomainError(ErrorCode.INTERNAL, "registration did not sign in")
    return signed_in(registered.user, registered.tokens, 201)


@routes.post(
    "/api/auth/login/", body=LoginBody, responses={200: GarageSignedIn, 400: None, 401: None, 429: None}
)
async def login(request: web.Request) -> web.Response:
    """Log in with email and password; `deviceId` names the device's session (push notifications)."""
    body = await read_body(request, LoginBody)
    cmd = Login(kind=LoginKind.EMAIL, identifier=body.email, password=body.password,
                client=client_info(request, device=body.device_id or None))  # fmt: skip
    try:
        result = await request.app[BUS].request(cmd)
    except DomainError as exc:
        if exc.code is not ErrorCode.UNAUTHORIZED:
            raise
        raise DomainError(ErrorCode.UNAUTHORIZED, INVALID_CREDENTIALS) from None
    return signed_in(result.user, result.tokens, 200)


@routes.post(
    "/api/auth/refresh/", body=RefreshBody, responses={200: GarageRefreshed, 400: None, 401: None, 429: None}
)
async def refresh(request: web.Request) -> web.Response:
    """A new access token for the refresh token (which is rotated: keep the new `refreshToken`)."""
    body = await read_body(request, RefreshBody)
    tokens = await request.app[BUS].request(
        Refresh(refresh_token=body.refresh_token, client=client_info(request))
    )
    return camel(GarageRefreshed(access_token=tokens.access_token, refresh_token=tokens.refresh_token))
