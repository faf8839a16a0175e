"""Membership Auto (seeds/004): its authentication, under `/api/auth/`.

Django REST Framework's conventions, as the document shows them: paths under `/api/` with a trailing
slash, camelCase fields, errors as `{"error": "..."}` with each offending field (errors.py). The
documented statuses are 200, 201, 202, 400, 401, 404 and 500: an email or phone already taken is
therefore 400 on that field (as DRF's unique validator answers), not 409.

The user object's `id` is the account's public id (the document shows a UUID); `name` is the full
name; `referralCode` comes from the account, `membershipId` and `rewardsBalance` from the garage, which
keeps memberships and rewards (nodes/workers/garage/memberships.py): login asks it for them, and a
registration has none yet.

Choices where the document is silent:

- `register` answers 201 (the document lists 201 for a created resource); `login` 200, same body.
  `name` and `phone` are optional; `referralCode` names the account that referred this one.
- `refresh` answers `accessToken` as documented, and also `refreshToken`: the platform rotates
  refresh tokens on every use, so the one sent stops working and a client must keep the new one.
- A wrong email or password is 401 `{"error": "Invalid credentials"}`, as documented.
"""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import Field

from nodes.edge.http import SurfaceRoutes, read_body
from nodes.edge.kit.identity import registration_tokens
from nodes.edge.kit.rewording import reworded, when
from nodes.edge.session_http import client_info
from nodes.edge.state import BUS
from protocols.envelope import Actor, ErrorCode
from protocols.fields import (
    NON_EMPTY,
    Device,
    Email,
    NewPassword,
    Password,
    PersonName,
    Phone,
    ReferralCode,
    Token,
)
from protocols.garage_members import GetStanding, Standing
from protocols.identity import (
    Login,
    LoginKind,
    Refresh,
    Register,
    TokenPair,
    UserProfile,
)

from .errors import SURFACE
from .shapes import CamelModel, GarageRefreshed, GarageSignedIn, camel, garage_user

routes = SurfaceRoutes(SURFACE)

INVALID_CREDENTIALS = "Invalid credentials"
# An identifier already taken is 400 on its field: the document has no 409.
TAKEN_IS_INVALID = when(ErrorCode.CONFLICT, ErrorCode.VALIDATION)
BAD_CREDENTIALS = when(ErrorCode.UNAUTHORIZED, message=INVALID_CREDENTIALS, details={})


class RegisterBody(CamelModel):
    name: PersonName | None = None
    email: Annotated[Email, NON_EMPTY]
    password: NewPassword
    phone: Phone | None = None
    referral_code: ReferralCode | None = None


class LoginBody(CamelModel):
    email: Annotated[Email, NON_EMPTY]
    password: Annotated[Password, NON_EMPTY]
    device_id: Device | None = Field(default=None, description="For push notifications.")


class RefreshBody(CamelModel):
    refresh_token: Annotated[Token, NON_EMPTY]


def signed_in(
    user: UserProfile, tokens: TokenPair, status: int, standing: Standing | None = None
) -> web.Response:
    out = GarageSignedIn(access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                         user=garage_user(user, standing))  # fmt: skip
    return camel(out, status)


async def standing_of(request: web.Request, user: UserProfile, tokens: TokenPair) -> Standing:
    """The member's membership and rewards, asked of the garage as the session just started."""
    member = Actor(user_id=user.id, role=user.role, session_id=tokens.session_id)
    return await request.app[BUS].request(GetStanding(), actor=member)


@routes.post("/api/auth/register/", body=RegisterBody, responses={201: GarageSignedIn, 400: None, 429: None})
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
    with reworded(TAKEN_IS_INVALID):
        registered = await request.app[BUS].request(cmd)
    return signed_in(registered.user, registration_tokens(registered), 201)


@routes.post(
    "/api/auth/login/",
    body=LoginBody,
    responses={200: GarageSignedIn, 400: None, 401: None, 403: None, 429: None},
)
async def login(request: web.Request) -> web.Response:
    """Log in with email and password; `deviceId` names the device's session (push notifications)."""
    body = await read_body(request, LoginBody)
    cmd = Login(kind=LoginKind.EMAIL, identifier=body.email, password=body.password,
                client=client_info(request, device=body.device_id or None))  # fmt: skip
    with reworded(BAD_CREDENTIALS):
        result = await request.app[BUS].request(cmd)
    return signed_in(result.user, result.tokens, 200, await standing_of(request, result.user, result.tokens))


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
