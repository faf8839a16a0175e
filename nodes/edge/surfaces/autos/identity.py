"""MillionAvto (seeds/000): its accounts, under `/api/v1/auth` and `/api/v1/users`, and the
`/api/v1/auth` paths it shares with Car advisor (seeds/002).

Shared paths (`/api/v1/auth/register|login|refresh|logout`, the routes of `shared`) are one endpoint
for both contracts:

- Requests in either shape: register takes `full_name` (000) or `name` (002); refresh and logout take
  the refresh token from the JSON body (002) or the HttpOnly `refresh_token` cookie (000).
- Answers carry the union of both documents' fields: `access_token`, `refresh_token`, `token_type`,
  `expires_in`, and `user` with 000's `{id, email, full_name, role}` plus 002's `name`, `created_at`
  (and `phone`, `is_active`, `is_verified`). `role` is 000's uppercase (`"USER"`). Tokens are also
  set as HttpOnly cookies (access 15 minutes, refresh 7 days, rotated on every refresh).
- Statuses are 002's where it documents them (register 201, logout 204, validation 400, conflict
  409, bad credentials 401), which a 000 client accepts as well.
- Error body: both at once, `{"detail": <FastAPI detail>, "error": {"code", "message", "details"}}`
  (`errors.autos_and_advisor`).

MillionAvto-only paths answer FastAPI's way: `{"detail": ...}`; a request body that fails its
schema is 422 with FastAPI's list of `{loc, msg, type}` (a body that is not JSON, and a bad reset
token, are 400).

Choices where the document is silent: `verify-email` with `{"token"}` confirms the address (the
mailed token is the credential); without a token it needs the access token and mails the link.
`DELETE /users/me` is 204; session revocations and password changes answer `{"message"}`; a wrong
current password is 400 (not 401, which a client takes for an ended session). Mailed
links point at the first configured CORS origin (the web front end), never at the request's Host
header, which a caller could forge to steal reset tokens.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from aiohttp import web
from pydantic import AliasChoices, BaseModel, Field

from nodes.edge.http import SurfaceRoutes, json_response, read_body
from nodes.edge.kit.fastapi import answers_422, body_of
from nodes.edge.kit.identity import (
    refresh_cookie,
    registration_tokens,
    replace_password,
    revoke_every_session,
)
from nodes.edge.session_http import (
    clear_token_cookies,
    client_info,
    require_actor,
    set_token_cookies,
)
from nodes.edge.state import ACTOR, BUS, SETTINGS
from protocols.envelope import DomainError, ErrorCode
from protocols.fields import NON_EMPTY, Email, NewPassword, Password, PersonName, Phone, Token
from protocols.identity import (
    DeleteAccount,
    GetMe,
    ListSessions,
    Login,
    LoginKind,
    Logout,
    Refresh,
    Register,
    RequestEmailVerification,
    RequestPasswordReset,
    ResetPassword,
    RevokeSession,
    TokenPair,
    UpdateProfile,
    UserProfile,
    VerifyEmail,
)

from .errors import SHARED, SURFACE
from .shapes import (
    AutosUser,
    MessageOut,
    RevokedOut,
    SessionListOut,
    SignedInOut,
    TokensOut,
    VerifiedOut,
    autos_user,
    session_out,
    shared_user,
    tokens_out,
)

routes = SurfaceRoutes(SURFACE)
shared = SurfaceRoutes(SHARED)  # mounted before `routes`

B = TypeVar("B", bound=BaseModel)


# --- requests --------------------------------------------------------------------------------------


class RegisterBody(BaseModel):
    email: Email
    password: NewPassword
    full_name: PersonName | None = None
    name: PersonName | None = None
    phone: Phone | None = None


class LoginBody(BaseModel):
    email: Email
    password: Password


class RefreshBody(BaseModel):
    refresh_token: Token | None = None


class EmailBody(BaseModel):
    email: Email


class ResetBody(BaseModel):
    token: Annotated[Token, NON_EMPTY]
    new_password: NewPassword


class VerifyBody(BaseModel):
    token: Token | None = None


class ProfileBody(BaseModel):
    """Only these fields can change; anything else in the body (role, flags, id) is ignored."""

    full_name: PersonName | None = None
    phone: Phone | None = None


class PasswordBody(BaseModel):
    current_password: Password = Field(validation_alias=AliasChoices("current_password", "old_password"))
    new_password: NewPassword


def signed_in(request: web.Request, user: UserProfile, tokens: TokenPair, status: int) -> web.Response:
    out = SignedInOut(**tokens_out(tokens).model_dump(), user=shared_user(user))
    response = json_response(out, status=status)
    set_token_cookies(response, request, tokens, access=True)
    return response


def presented_refresh_token(request: web.Request, body: RefreshBody) -> str | None:
    return body.refresh_token or refresh_cookie(request)


def link_base(request: web.Request, path: str) -> str:
    settings = request.app[SETTINGS]
    origins = [o for o in settings.edge.cors_origins if o != "*"]
    origin = origins[0].rstrip("/") if origins else f"http://{settings.edge.host}:{settings.edge.port}"
    return origin + path


async def checked_body(request: web.Request, model: type[B]) -> B:
    """The body as `model`; failing its schema, FastAPI's 422 (a body that is not JSON stays a 400)."""
    return await body_of(request, model, unreadable_too=False)


# --- /api/v1/auth (shared with Car advisor) --------------------------------------------------------


@shared.post("/api/v1/auth/register", body=RegisterBody,
             responses={201: SignedInOut, 400: None, 409: None, 429: None})  # fmt: skip
async def register(request: web.Request) -> web.Response:
    """Register a new user; signed in at once."""
    body = await read_body(request, RegisterBody)
    cmd = Register(
        email=body.email,
        password=body.password,
        full_name=body.full_name or body.name,
        phone=body.phone or None,
        client=client_info(request),
    )
    registered = await request.app[BUS].request(cmd)
    return signed_in(request, registered.user, registration_tokens(registered), 201)


@shared.post(
    "/api/v1/auth/login",
    body=LoginBody,
    responses={200: SignedInOut, 400: None, 401: None, 403: None, 429: None},
)
async def login(request: web.Request) -> web.Response:
    """Log in with email and password."""
    body = await read_body(request, LoginBody)
    cmd = Login(
        kind=LoginKind.EMAIL, identifier=body.email, password=body.password, client=client_info(request)
    )
    result = await request.app[BUS].request(cmd)
    return signed_in(request, result.user, result.tokens, 200)


@shared.post(
    "/api/v1/auth/refresh", body=RefreshBody, responses={200: TokensOut, 400: None, 401: None, 429: None}
)
async def refresh(request: web.Request) -> web.Response:
    """Exchange a refresh token (body or cookie) for a new pair; the old one stops working."""
    token = presented_refresh_token(request, await read_body(request, RefreshBody))
    if token is None:
        raise DomainError(ErrorCode.UNAUTHORIZED, "Refresh token missing")
    tokens = await request.app[BUS].request(Refresh(refresh_token=token, client=client_info(request)))
    response = json_response(tokens_out(tokens))
    set_token_cookies(response, request, tokens, access=True)
    return response


@shared.post("/api/v1/auth/logout", body=RefreshBody, responses={204: None, 401: None})
async def logout(request: web.Request) -> web.Response:
    """End the session of the refresh token (body or cookie), else of the access token."""
    token = presented_refresh_token(request, await read_body(request, RefreshBody))
    actor = request.get(ACTOR)
    if token is None and actor is None:
        raise DomainError(ErrorCode.UNAUTHORIZED, "Not authenticated")
    await request.app[BUS].request(Logout(refresh_token=token), actor=actor)
    response = web.Response(status=204)
    clear_token_cookies(response)
    return response


# --- /api/v1/auth (MillionAvto only) ---------------------------------------------------------------


@routes.post("/api/v1/auth/verify-email", body=VerifyBody,
             responses={200: VerifiedOut, 202: MessageOut, 400: None, 401: None, 422: None, 429: None})  # fmt: skip
@answers_422
async def verify_email(request: web.Request) -> web.Response:
    """Confirm the email with the mailed token; without a token, mail a fresh link (signed in)."""
    body = await checked_body(request, VerifyBody)
    bus = request.app[BUS]
    if body.token:
        user = await bus.request(VerifyEmail(token=body.token), actor=request.get(ACTOR))
        return json_response(VerifiedOut(message="Email verified", user=autos_user(user)))
    actor = require_actor(request)
    await bus.request(RequestEmailVerification(link_base=link_base(request, "/verify-email")), actor=actor)
    return json_response(MessageOut(message="Verification email sent"), status=202)


@routes.post("/api/v1/auth/request-password-reset", body=EmailBody,
             responses={200: MessageOut, 400: None, 422: None, 429: None})  # fmt: skip
@answers_422
async def request_password_reset(request: web.Request) -> web.Response:
    """Mail a reset link; the answer is the same whether or not the account exists."""
    body = await checked_body(request, EmailBody)
    await request.app[BUS].request(
        RequestPasswordReset(email=body.email, link_base=link_base(request, "/reset-password"))
    )
    return json_response(MessageOut(message="If the email is registered, a reset link has been sent"))


@routes.post("/api/v1/auth/reset-password", body=ResetBody, responses={200: MessageOut, 400: None, 422: None})
@answers_422
async def reset_password(request: web.Request) -> web.Response:
    """Set a new password with the mailed token; every session of the account ends."""
    body = await checked_body(request, ResetBody)
    await request.app[BUS].request(ResetPassword(token=body.token, new_password=body.new_password))
    return json_response(MessageOut(message="Password has been reset"))


# --- /api/v1/users ---------------------------------------------------------------------------------


@routes.get("/api/v1/users/me", auth=True, responses={200: AutosUser, 401: None})
async def get_me(request: web.Request) -> web.Response:
    """Get current user profile."""
    user = await request.app[BUS].request(GetMe(), actor=require_actor(request))
    return json_response(autos_user(user))


@routes.put("/api/v1/users/me", body=ProfileBody, auth=True,
            responses={200: AutosUser, 400: None, 401: None, 409: None, 422: None})  # fmt: skip
@answers_422
async def update_me(request: web.Request) -> web.Response:
    """Update user profile (full name, phone)."""
    body = await checked_body(request, ProfileBody)
    cmd = UpdateProfile(**body.model_dump(exclude_unset=True))
    user = await request.app[BUS].request(cmd, actor=require_actor(request))
    return json_response(autos_user(user))


@routes.delete("/api/v1/users/me", auth=True, responses={204: None, 401: None})
async def delete_me(request: web.Request) -> web.Response:
    """Delete user account; every session ends."""
    await request.app[BUS].request(DeleteAccount(), actor=require_actor(request))
    response = web.Response(status=204)
    clear_token_cookies(response)
    return response


@routes.put("/api/v1/users/me/password", body=PasswordBody, auth=True,
            responses={200: MessageOut, 400: None, 401: None, 422: None, 429: None})  # fmt: skip
@answers_422
async def change_password(request: web.Request) -> web.Response:
    """Change password; every other session ends."""
    body = await checked_body(request, PasswordBody)
    await replace_password(
        request,
        body.current_password,
        body.new_password,
        field="current_password",
        refused="Incorrect current password",
    )
    return json_response(MessageOut(message="Password changed"))


@routes.get("/api/v1/users/me/sessions", auth=True, responses={200: SessionListOut, 401: None})
async def list_sessions(request: web.Request) -> web.Response:
    """List active sessions."""
    found = await request.app[BUS].request(ListSessions(), actor=require_actor(request))
    items = [session_out(s) for s in found.items]
    return json_response(SessionListOut(sessions=items, total=len(items)))


@routes.delete("/api/v1/users/me/sessions/all", auth=True, responses={200: RevokedOut, 401: None})
async def revoke_all_sessions(request: web.Request) -> web.Response:
    """Revoke all sessions, this one included."""
    revoked = await revoke_every_session(request)
    response = json_response(RevokedOut(message="All sessions revoked", revoked_count=revoked))
    clear_token_cookies(response)
    return response


@routes.delete(
    "/api/v1/users/me/sessions/{session}", auth=True, responses={200: MessageOut, 401: None, 404: None}
)
async def revoke_session(request: web.Request) -> web.Response:
    """Revoke one of your sessions; another user's session is not found."""
    session_id = request.match_info["session"]
    if len(session_id) > 64:
        raise DomainError(ErrorCode.NOT_FOUND, "Session not found")
    await request.app[BUS].request(RevokeSession(session_id=session_id), actor=require_actor(request))
    return json_response(MessageOut(message="Session revoked"))
