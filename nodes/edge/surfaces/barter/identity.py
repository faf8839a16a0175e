"""FreeMarket (seeds/001): its users, authentication and user cabinet endpoints, at the root
(`/auth/...`, `/user/...`) and under `/api/users/`, as the document gives them.

- Tokens: the access token is in the JSON answer only (the client keeps it, as the document says);
  the refresh token only in the HttpOnly `refresh_token` cookie (7 days), never in a body.
  `/auth/refresh` reads that cookie, rotates it, and is limited to 5 calls per 5 minutes per client
  IP across every edge: the 6th answers 429 with `Retry-After`.
- Errors: `{"detail", "status_code", "error_type"}` (`errors.freemarket`); a body that fails its
  schema is 400 `validation_error`, as the document's error section lists (no 422).

Choices where the document is silent:

- `/auth/register` needs `email` and `password`; `username` is optional like the other profile
  details. `/auth/login` takes the username, or the email in the same `username` field (usernames
  cannot hold `@`), so an account made elsewhere on the platform can sign in here too.
- `PUT /api/users/{id}/locations` needs the access token; another user's id answers 404 like a missing
  user. Locations are exact city names from `CITIES`, one to three, each once.
- `/auth/logout` always answers 200 and clears the cookie: it ends the session of the refresh cookie
  (or of the access token) when there is one; nothing to end is not an error.
- `/auth/revoke-sessions` ends every session, this one included (the document: "re-login on all
  devices"), and clears the cookie. `/auth/change-password` ends every other session; a wrong old
  password is 400, as documented.
- `PUT /user/profile` sets only `full_name`, `bio`, `city` and `telegram_contact`; anything else in
  the body (role, verification flags, trust, id) is ignored. A field left out is left as it was.
- `/auth/me` answers 200 whatever the token; a token whose account is gone reads as signed out.
- A user object's `trust_score`, `exchange_count` (completed exchanges) and `rating_avg` are the
  matching domain's standing of the user (people.py), asked beside the account itself. A profile
  stays readable when that domain does not answer (and `/auth/me` keeps its promise of 200): the three
  read 0 then; the account is identity's alone.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, Field

from nodes.edge.http import SurfaceRoutes, json_response, path_int, read_body
from nodes.edge.kit.identity import (
    refresh_cookie,
    registration_tokens,
    replace_password,
    revoke_every_session,
)
from nodes.edge.session_http import (
    clear_token_cookies,
    client_info,
    client_ip,
    require_actor,
    set_token_cookies,
)
from nodes.edge.state import ACTOR, BUS, LIMITER
from nodes.runtime.ratelimit import Rule
from protocols.envelope import DomainError, ErrorCode
from protocols.fields import (
    NON_EMPTY,
    About,
    City,
    Contact,
    Email,
    Identifier,
    Locations,
    NewPassword,
    Password,
    PersonName,
    Phone,
    Username,
)
from protocols.identity import (
    CreateUser,
    DeleteAccount,
    GetMe,
    GetUser,
    Login,
    LoginKind,
    Logout,
    Refresh,
    Register,
    SetLocations,
    TokenPair,
    UpdateProfile,
)

from .errors import SURFACE, unless
from .people import standing_if_known
from .shapes import (
    AccessOut,
    LocationsOut,
    LoggedInOut,
    LoginUserOut,
    MeOut,
    MessageOut,
    ProfileUpdatedOut,
    ProfileUserOut,
    RegisteredOut,
    RevokedOut,
    UserCreatedOut,
    UserOut,
    registered_user,
    user_created,
    user_out,
)

routes = SurfaceRoutes(SURFACE)

CITIES = ("Алматы", "Астана", "Шымкент")
REFRESH_LIMIT = Rule("barter_refresh_ip", limit=5, window_s=300)
NOT_FOUND = "User not found"
SIGNED_OUT = (ErrorCode.UNAUTHORIZED, ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN)


# --- requests --------------------------------------------------------------------------------------


class CreateUserBody(BaseModel):
    username: Username
    email: Email | None = None
    phone: Phone | None = None
    full_name: PersonName | None = None
    telegram_contact: Contact | None = None
    city: City | None = None
    bio: About | None = None


class LocationsBody(BaseModel):
    locations: Locations = Field(description=f"One to three of: {', '.join(CITIES)}.")


class RegisterBody(BaseModel):
    email: Email
    password: NewPassword
    username: Username | None = None
    full_name: PersonName | None = None
    city: City | None = None
    telegram_contact: Contact | None = None


class LoginBody(BaseModel):
    username: Annotated[Identifier, NON_EMPTY] = Field(description="The username (or the account's email).")
    password: Annotated[Password, NON_EMPTY]


class PasswordBody(BaseModel):
    old_password: Annotated[Password, NON_EMPTY]
    new_password: NewPassword


class ProfileBody(BaseModel):
    """Only these fields can change; anything else in the body is ignored."""

    full_name: PersonName | None = None
    bio: About | None = None
    city: City | None = None
    telegram_contact: Contact | None = None


def with_refresh_cookie(request: web.Request, out: BaseModel, tokens: TokenPair) -> web.Response:
    """The answer, with the rotated refresh token in its HttpOnly cookie (never in the body)."""
    response = json_response(out)
    set_token_cookies(response, request, tokens, access=False)
    return response


def login_kind(identifier: str) -> LoginKind:
    return LoginKind.EMAIL if "@" in identifier else LoginKind.USERNAME


def checked_locations(locations: list[str]) -> list[str]:
    for city in locations:
        if city not in CITIES:
            raise DomainError(ErrorCode.VALIDATION, f"Invalid location: {city}. Valid: {', '.join(CITIES)}")
    if len(set(locations)) != len(locations):
        raise DomainError(ErrorCode.VALIDATION, "Each location may be given once")
    return locations


# --- /api/users ------------------------------------------------------------------------------------


@routes.post("/api/users/", body=CreateUserBody, responses={201: UserCreatedOut, 400: None, 409: None})
async def create_user(request: web.Request) -> web.Response:
    """Create a new user (no password; full registration is `/auth/register`)."""
    body = await read_body(request, CreateUserBody)
    user = await request.app[BUS].request(CreateUser(**body.model_dump()))
    return json_response(user_created(user), status=201)


@routes.get("/api/users/{user_id}", responses={200: UserOut, 404: None})
async def get_user(request: web.Request) -> web.Response:
    """Get user details by ID."""
    user_id = path_int(request, "user_id")
    user, standing = await asyncio.gather(
        request.app[BUS].request(GetUser(user_id=user_id)), standing_if_known(request, user_id)
    )
    return json_response(user_out(user, standing))


@routes.get("/api/users/username/{username}", responses={200: UserOut, 404: None})
async def get_user_by_username(request: web.Request) -> web.Response:
    """Get user by username."""
    user = await request.app[BUS].request(GetUser(username=request.match_info["username"]))
    return json_response(user_out(user, await standing_if_known(request, user.id)))


@routes.put("/api/users/{user_id}/locations", body=LocationsBody, auth=True,
            responses={200: LocationsOut, 400: None, 401: None, 404: None})  # fmt: skip
async def set_locations(request: web.Request) -> web.Response:
    """Update the user's selected locations (your own only; Алматы, Астана, Шымкент; one to three)."""
    actor = require_actor(request)
    user_id = path_int(request, "user_id")
    if user_id != actor.user_id:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    body = await read_body(request, LocationsBody)
    cmd = SetLocations(user_id=user_id, locations=checked_locations(body.locations))
    user = await request.app[BUS].request(cmd, actor=actor)
    return json_response(LocationsOut(id=user.id, locations=user.locations, message="Locations updated"))


# --- /auth -----------------------------------------------------------------------------------------


@routes.post("/auth/register", body=RegisterBody,
             responses={200: RegisteredOut, 400: None, 409: None, 429: None})  # fmt: skip
async def register(request: web.Request) -> web.Response:
    """Register with email and password; signed in at once (refresh token in an HttpOnly cookie)."""
    body = await read_body(request, RegisterBody)
    registered = await request.app[BUS].request(Register(**body.model_dump(), client=client_info(request)))
    tokens = registration_tokens(registered)
    out = RegisteredOut(access_token=tokens.access_token, expires_in=tokens.expires_in,
                        user=registered_user(registered.user))  # fmt: skip
    return with_refresh_cookie(request, out, tokens)


@routes.post(
    "/auth/login", body=LoginBody, responses={200: LoggedInOut, 400: None, 401: None, 403: None, 429: None}
)
async def login(request: web.Request) -> web.Response:
    """Log in with username (or email) and password; the refresh token is set as an HttpOnly cookie."""
    body = await read_body(request, LoginBody)
    identifier = body.username.strip()
    cmd = Login(kind=login_kind(identifier), identifier=identifier, password=body.password,
                client=client_info(request))  # fmt: skip
    signed = await request.app[BUS].request(cmd)
    user = LoginUserOut(id=signed.user.id, username=signed.user.username, email=signed.user.email)
    out = LoggedInOut(access_token=signed.tokens.access_token, expires_in=signed.tokens.expires_in, user=user)
    return with_refresh_cookie(request, out, signed.tokens)


@routes.post("/auth/refresh", responses={200: AccessOut, 401: None, 429: None})
async def refresh(request: web.Request) -> web.Response:
    """New access token from the refresh cookie, which is rotated; 5 calls per 5 minutes per IP."""
    await request.app[LIMITER].hit(REFRESH_LIMIT, client_ip(request) or "unknown")
    token = refresh_cookie(request)
    if token is None:
        raise DomainError(ErrorCode.UNAUTHORIZED, "Refresh token missing or invalid")
    tokens = await request.app[BUS].request(Refresh(refresh_token=token, client=client_info(request)))
    out = AccessOut(access_token=tokens.access_token, expires_in=tokens.expires_in)
    return with_refresh_cookie(request, out, tokens)


@routes.post("/auth/logout", responses={200: MessageOut})
async def logout(request: web.Request) -> web.Response:
    """Log out: end the session of the refresh cookie (or of the access token) and clear the cookie."""
    token = refresh_cookie(request)
    actor = request.get(ACTOR)
    if token is not None or actor is not None:
        # A session already over is what logging out wants.
        logout_cmd = request.app[BUS].request(Logout(refresh_token=token), actor=actor)
        await unless(logout_cmd, ErrorCode.UNAUTHORIZED, ErrorCode.NOT_FOUND)
    response = json_response(MessageOut(message="Successfully logged out"))
    clear_token_cookies(response)
    return response


@routes.post("/auth/change-password", body=PasswordBody, auth=True,
             responses={200: MessageOut, 400: None, 401: None, 429: None})  # fmt: skip
async def change_password(request: web.Request) -> web.Response:
    """Change the password; every other session ends. A wrong old password is 400."""
    body = await read_body(request, PasswordBody)
    await replace_password(
        request, body.old_password, body.new_password, field="old_password", refused="Invalid old password"
    )
    return json_response(MessageOut(message="Password updated successfully"))


@routes.post("/auth/revoke-sessions", auth=True, responses={200: RevokedOut, 401: None})
async def revoke_sessions(request: web.Request) -> web.Response:
    """Revoke every refresh token of the user, this one included: re-login on all devices."""
    revoked = await revoke_every_session(request)
    response = json_response(RevokedOut(message="All sessions revoked", revoked_count=revoked))
    clear_token_cookies(response)
    return response


@routes.get("/auth/me", responses={200: MeOut})
async def me(request: web.Request) -> web.Response:
    """The current user; always 200, with `authenticated` false when no valid token came."""
    actor = request.get(ACTOR)
    user = None
    if actor is not None:  # a token whose account is gone (or barred) reads as signed out
        user = await unless(request.app[BUS].request(GetMe(), actor=actor), *SIGNED_OUT)
    if user is None:
        return json_response(MeOut(user=None, authenticated=False))
    return json_response(
        MeOut(user=user_out(user, await standing_if_known(request, user.id)), authenticated=True)
    )


# --- /user -----------------------------------------------------------------------------------------


@routes.put("/user/profile", body=ProfileBody, auth=True,
            responses={200: ProfileUpdatedOut, 400: None, 401: None})  # fmt: skip
async def update_profile(request: web.Request) -> web.Response:
    """Update full name, bio, city and Telegram contact; nothing else can be set this way."""
    body = await read_body(request, ProfileBody)
    cmd = UpdateProfile(**body.model_dump(exclude_unset=True, exclude_none=True))
    user = await request.app[BUS].request(cmd, actor=require_actor(request))
    out = ProfileUserOut(id=user.id, username=user.username, full_name=user.full_name, city=user.city)
    return json_response(ProfileUpdatedOut(message="Profile updated successfully", user=out))


@routes.delete("/user/account", auth=True, responses={200: MessageOut, 401: None})
async def delete_account(request: web.Request) -> web.Response:
    """Delete the account; every session ends and the cookie is cleared."""
    await request.app[BUS].request(DeleteAccount(), actor=require_actor(request))
    response = json_response(MessageOut(message="Account deleted successfully"))
    clear_token_cookies(response)
    return response
