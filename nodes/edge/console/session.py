"""The console's staff session: three HttpOnly, SameSite=Strict cookies on `/admin` only (Secure when
`[console] secure_cookies`), never read by the API's routes.

- `souk_console`: the access token of an identity session, verified here like any access token (the
  signing keys and the revoked sessions every edge follows), so a revoked session ends the console
  session at once.
- `souk_console_refresh`: its refresh token; an expired access token is renewed with identity's
  `Refresh` (rotated as every refresh is; once for requests that come together, `renewals.py`), and
  a session that cannot be renewed is signed out.
- `souk_console_csrf`: a random secret. A form carries `csrf_token(secret, session id)` in a hidden
  field: a page of another site can neither read the secret nor learn the session id, and a cookie
  planted from elsewhere is bound to no session of the victim's. The sign-in form, before any
  session, carries it with an empty session id; signing in issues a new secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from aiohttp import web

from nodes.edge.auth import InvalidToken
from nodes.edge.session_http import client_info
from nodes.edge.state import BUS, SETTINGS, VERIFIER
from protocols.envelope import Actor, DomainError, Role
from protocols.identity import Refresh, TokenPair

from .renewals import Renewals

PATH = "/admin"
ACCESS_COOKIE = "souk_console"
REFRESH_COOKIE = "souk_console_refresh"
CSRF_COOKIE = "souk_console_csrf"
CSRF_FIELD = "csrf"
STAFF = frozenset({Role.ADMIN, Role.MODERATOR, Role.MANAGER})
RENEWALS = web.AppKey("console_renewals", Renewals)


@dataclass(frozen=True)
class Staff:
    """The signed-in staff member of a request, and the CSRF token of his forms."""

    actor: Actor
    csrf: str
    renewed: TokenPair | None = None  # the tokens a refresh on this request gave, for the cookies


def csrf_token(secret: str, session_id: str) -> str:
    return hashlib.sha256(f"souk-console-csrf:{secret}:{session_id}".encode()).hexdigest()


def new_csrf_secret() -> str:
    return secrets.token_urlsafe(32)


def same_token(given: object, expected: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def _cookie(response: web.StreamResponse, request: web.Request, name: str, value: str) -> None:
    secure = request.app[SETTINGS].console.secure_cookies
    response.set_cookie(name, value, path=PATH, httponly=True, samesite="Strict", secure=secure)


def set_session_cookies(
    response: web.StreamResponse, request: web.Request, tokens: TokenPair, csrf_secret: str | None = None
) -> None:
    """Browser-session cookies: they go when the browser closes; the session itself ends with its
    refresh token or a sign-out."""
    _cookie(response, request, ACCESS_COOKIE, tokens.access_token)
    _cookie(response, request, REFRESH_COOKIE, tokens.refresh_token)
    if csrf_secret is not None:
        _cookie(response, request, CSRF_COOKIE, csrf_secret)


def set_csrf_cookie(response: web.StreamResponse, request: web.Request, secret: str) -> None:
    _cookie(response, request, CSRF_COOKIE, secret)


def clear_session_cookies(response: web.StreamResponse) -> None:
    for name in (ACCESS_COOKIE, REFRESH_COOKIE):
        response.del_cookie(name, path=PATH)


def verified(request: web.Request, access_token: str) -> Actor | None:
    try:
        return request.app[VERIFIER].verify_access(access_token)
    except InvalidToken:
        return None


async def _renewed(request: web.Request) -> tuple[Actor, TokenPair] | None:
    refresh_token = request.cookies.get(REFRESH_COOKIE)
    if not refresh_token:
        return None

    async def refresh() -> TokenPair | None:
        try:
            cmd = Refresh(refresh_token=refresh_token, client=client_info(request))
            return await request.app[BUS].request(cmd)
        except DomainError:  # ended, revoked, reused, or identity unavailable: signed out either way
            return None

    tokens = await request.app[RENEWALS].renew(refresh_token, refresh)
    if tokens is None:
        return None
    actor = verified(request, tokens.access_token)
    return (actor, tokens) if actor is not None else None


async def staff_of(request: web.Request) -> Staff | None:
    """The request's staff member, renewing an expired access token; None when there is none (no
    session, an ended one, or an account that is not staff)."""
    secret = request.cookies.get(CSRF_COOKIE)
    access_token = request.cookies.get(ACCESS_COOKIE)
    if not secret or not access_token:
        return None
    actor, renewed = verified(request, access_token), None
    if actor is None:
        found = await _renewed(request)
        if found is None:
            return None
        actor, renewed = found
    if actor.role not in STAFF or not actor.session_id:
        return None
    return Staff(actor=actor, csrf=csrf_token(secret, actor.session_id), renewed=renewed)
