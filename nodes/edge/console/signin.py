"""Signing in to the console and out of it.

- `GET /admin/login`: the form (email, password), with a CSRF secret issued when the browser has none.
- `POST /admin/login`: identity's `Login` (the API logins' command, so the same lockout: attempts per
  account and per address, shared with every contract's login; 429 with `Retry-After`). Only admins,
  moderators and managers get in: any other account is answered exactly as a wrong password (401),
  and the session its login opened is ended at once. A sign-in is logged (moderation's log) before
  the session is handed over: one that cannot be logged is refused (503) and its session ended.
- `POST /admin/logout`: logged, then the identity session ends (every edge hears of it) and the
  cookies go. A sign-out that cannot be logged still ends the session (and says so in the edge's log):
  ending a session matters more than its record.
"""

from __future__ import annotations

import contextlib
import logging
import math

from aiohttp import web
from pydantic import ValidationError

from nodes.edge.session_http import client_info
from nodes.edge.state import BUS
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.identity import Login, LoginKind, Logout, SignedIn
from protocols.moderation import ConsoleAction, RecordConsoleSession

from .pages import LOGIN, error_page, page, render, see_other
from .sections import SIGN_OUT
from .session import (
    CSRF_COOKIE,
    CSRF_FIELD,
    REFRESH_COOKIE,
    STAFF,
    Staff,
    clear_session_cookies,
    csrf_token,
    new_csrf_secret,
    same_token,
    set_csrf_cookie,
    set_session_cookies,
    verified,
)

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

INVALID = "Invalid email or password."
HOME = "/admin/"


def _next(value: object) -> str:
    """Where to go once signed in: a console page only (never another site)."""
    if isinstance(value, str) and value.startswith("/admin/") and "//" not in value and "\\" not in value:
        return value
    return HOME


def _form(request: web.Request, secret: str, *, email: str = "", next_page: str = HOME,
          error: str | None = None, status: int = 200) -> web.Response:  # fmt: skip
    context = {"email": email, "next": next_page, "error": error, "login_csrf": csrf_token(secret, "")}
    response = render(request, "login.html", context, status=status)
    set_csrf_cookie(response, request, secret)
    return response


@routes.get("/admin")
async def console_root(_request: web.Request) -> web.Response:
    return see_other(HOME)


@routes.get(LOGIN)
async def sign_in_form(request: web.Request) -> web.Response:
    secret = request.cookies.get(CSRF_COOKIE) or new_csrf_secret()
    return _form(request, secret, next_page=_next(request.query.get("next")))


async def _end(request: web.Request, signed: SignedIn) -> None:
    """Ends a session that must not go on; it may have ended already."""
    with contextlib.suppress(DomainError):
        await request.app[BUS].request(Logout(refresh_token=signed.tokens.refresh_token))


async def _recorded(request: web.Request, actor: Actor, action: ConsoleAction) -> None:
    cmd = RecordConsoleSession(action=action, client=client_info(request))
    await request.app[BUS].request(cmd, actor=actor)


@routes.post(LOGIN)
async def sign_in(request: web.Request) -> web.Response:
    form = await request.post()
    secret = request.cookies.get(CSRF_COOKIE)
    if not secret or not same_token(form.get(CSRF_FIELD), csrf_token(secret, "")):
        return error_page(
            request, 403, "The form's security token is missing or wrong; reload the sign-in page."
        )
    email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
    next_page = _next(form.get("next"))
    bus = request.app[BUS]
    try:
        login = Login(kind=LoginKind.EMAIL, identifier=email, password=password, client=client_info(request))
        signed = await bus.request(login)
    except ValidationError:  # empty or too long: no account has it
        return _form(request, secret, email=email, next_page=next_page, error=INVALID, status=401)
    except DomainError as exc:
        return _refused(request, secret, email, next_page, exc)
    actor = verified(request, signed.tokens.access_token)
    if actor is None or signed.user.role not in STAFF:
        await _end(request, signed)
        return _form(request, secret, email=email, next_page=next_page, error=INVALID, status=401)
    try:
        await _recorded(request, actor, ConsoleAction.SIGN_IN)
    except DomainError:
        await _end(request, signed)
        return error_page(request, 503, "The sign-in could not be recorded in the audit log; try again.")
    response = see_other(next_page)
    set_session_cookies(response, request, signed.tokens, csrf_secret=new_csrf_secret())
    return response


def _refused(request: web.Request, secret: str, email: str, next_page: str, exc: DomainError) -> web.Response:
    if exc.code is ErrorCode.RATE_LIMITED:
        wait_s = float(exc.details.get("retry_after", 60))
        minutes = max(1, math.ceil(wait_s / 60))
        error = f"Too many sign-in attempts. Try again in {minutes} minute{'s' if minutes > 1 else ''}."
        response = _form(request, secret, email=email, next_page=next_page, error=error, status=429)
        response.headers["Retry-After"] = str(max(1, math.ceil(wait_s)))
        return response
    if exc.code is ErrorCode.UNAVAILABLE:
        return error_page(request, 503, "Signing in is not possible right now; try again.")
    # Wrong password, unknown or banned account: one answer.
    return _form(request, secret, email=email, next_page=next_page, error=INVALID, status=401)


@routes.post("/admin/logout")
@page(SIGN_OUT)
async def sign_out(request: web.Request, staff: Staff) -> web.Response:
    try:
        await _recorded(request, staff.actor, ConsoleAction.SIGN_OUT)
    except DomainError as exc:
        log.warning("sign-out of user %s not recorded: %s", staff.actor.user_id, exc.message)
    # A refresh on this very request rotated the cookie's token: the new one names the session.
    refresh_token = staff.renewed.refresh_token if staff.renewed else request.cookies.get(REFRESH_COOKIE)
    with contextlib.suppress(DomainError):  # ended already: signed out all the same
        await request.app[BUS].request(Logout(refresh_token=refresh_token), actor=staff.actor)
    response = see_other(LOGIN)
    clear_session_cookies(response)
    return response
