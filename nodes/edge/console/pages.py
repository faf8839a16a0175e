"""How a console page is served: the staff session (else the sign-in page), the role its section needs
(else 403), the CSRF token on every POST (else 403, before anything is read or done), an error from a
worker as a page of its own, and the page rendered from its template with the navigation of the role.

Pages are HTML only: nothing here answers in a contract's JSON error format."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import aiohttp_jinja2
from aiohttp import web
from pydantic import BaseModel, ValidationError
from yarl import URL

from nodes.edge.errors import STATUS_OF
from nodes.edge.state import SETTINGS
from protocols.envelope import DomainError, ErrorCode
from protocols.fields import PAGE_MAX

from .sections import Section, navigation
from .session import ACCESS_COOKIE, CSRF_FIELD, Staff, same_token, set_session_cookies, staff_of

LOGIN = "/admin/login"
# Styles and the one script from the console's own files only (no inline script or style), the
# script's event stream from here, no frame, forms posting here only.
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# The navigation links that show a count of waiting work (by section name: the count's name), filled
# in by the console's script from `/admin/live`; empty without it.
LIVE_BADGES = {"ads": "ads", "reports": "reports"}
Q = TypeVar("Q", bound=BaseModel)
PageHandler = Callable[[web.Request, Staff], Awaitable[web.StreamResponse]]


def render(
    request: web.Request,
    template: str,
    context: Mapping[str, Any],
    *,
    staff: Staff | None = None,
    section: Section | None = None,
    status: int = 200,
) -> web.Response:
    page = {
        "staff": staff,
        "nav": navigation(staff.actor.role) if staff else [],
        "section": section,
        "csrf_field": CSRF_FIELD,
        "csrf": staff.csrf if staff else None,
        "live": LIVE_BADGES,
        **context,
    }
    response = aiohttp_jinja2.render_template(template, request, page, status=status)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def error_page(request: web.Request, status: int, message: str, staff: Staff | None = None) -> web.Response:
    return render(request, "error.html", {"status": status, "message": message}, staff=staff, status=status)


def see_other(location: str | URL) -> web.Response:
    """After a form: the browser asks for `location` with a GET."""
    return web.Response(status=303, headers={"Location": str(location), "Cache-Control": "no-store"})


def to_sign_in(request: web.Request) -> web.Response:
    back = request.path_qs if request.method == "GET" else None
    return see_other(URL(LOGIN).with_query({"next": back} if back else {}))


def page_size(request: web.Request) -> int:
    return min(request.app[SETTINGS].console.page_size, PAGE_MAX)


def filters_of(request: web.Request, model: type[Q]) -> Q:
    """A table's query (empty parameters as absent); one it does not know is a 400 page."""
    try:
        return model.model_validate({name: value for name, value in request.query.items() if value})
    except ValidationError as exc:
        wrong = ", ".join(sorted({str(error["loc"][0]) for error in exc.errors()}))
        raise DomainError(ErrorCode.VALIDATION, f"Not a filter this table knows: {wrong}.") from None


def worker_error(request: web.Request, exc: DomainError, staff: Staff) -> web.Response:
    status = STATUS_OF.get(exc.code, 500)
    if exc.code is ErrorCode.UNAVAILABLE:
        return error_page(request, status, "A service this page needs is not answering; try again.", staff)
    return error_page(request, status, exc.message, staff)


def page(section: Section) -> Callable[[PageHandler], Callable[[web.Request], Awaitable[web.StreamResponse]]]:
    """A route of `section`: for its roles only; a POST with the session's CSRF token only."""

    def wrap(handler: PageHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        @functools.wraps(handler)
        async def serve(request: web.Request) -> web.StreamResponse:
            staff = await staff_of(request)
            if staff is None:
                return to_sign_in(request)
            if staff.actor.role not in section.roles:
                response: web.StreamResponse = error_page(
                    request, 403, "This page is not for your role.", staff
                )
            elif request.method == "POST" and not same_token(
                (await request.post()).get(CSRF_FIELD), staff.csrf
            ):
                response = error_page(request, 403, "The form's security token is missing or wrong.", staff)
            else:
                try:
                    response = await handler(request, staff)
                except DomainError as exc:
                    response = worker_error(request, exc, staff)
            if staff.renewed is not None and ACCESS_COOKIE not in response.cookies:  # not signed out
                set_session_cookies(response, request, staff.renewed)
            return response

        return serve

    return wrap
