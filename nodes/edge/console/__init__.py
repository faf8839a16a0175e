"""The operators' console at `/admin`: server-rendered pages (Jinja2 templates in `templates/`, one
stylesheet in `static/`, nothing from a CDN and no front-end build) for admins, moderators and
managers, talking to the workers over NATS like every other edge route.

Modules: `session` (the staff session's cookies and CSRF token), `sections` (the pages by role and the
navigation), `pages` (how a page is served: session, role, CSRF, errors), `tables` (a table's query,
pager and sort links), `tabbed` (a section of several tables: its tabs, a row's recorded action),
`editing` (the reference pages' forms and tables), `trail` (staff actions recorded in the audit log),
`people` (the names of the users a page shows), then one module per page group, each in `PAGES`,
`live` among them: the event stream of the waiting work, which the console's one script
(`static/console.js`) shows; every page works without it. No contract documents these routes: they
are not in the OpenAPI document, and they answer in HTML, errors included.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from . import (
    ads,
    audit,
    banners,
    bans,
    categories,
    chats,
    dashboard,
    garage,
    live,
    locations,
    realty,
    reports,
    signin,
    users,
    vehicles,
)
from .pages import error_page
from .renewals import Renewals
from .session import RENEWALS

STATIC = Path(__file__).parent / "static"
PAGES = (
    signin,
    dashboard,
    users,
    chats,
    ads,
    reports,
    bans,
    categories,
    vehicles,
    locations,
    banners,
    realty,
    garage,
    audit,
    live,
)  # each module's `routes`, in the navigation's order


def setup_console(app: web.Application) -> None:
    app[RENEWALS] = Renewals()
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader(__name__, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    for module in PAGES:
        app.router.add_routes(module.routes)
    live.setup_live(app)
    app.router.add_static("/admin/static/", STATIC, show_index=False, follow_symlinks=False)
    app.router.add_get("/admin/{rest:.*}", not_there)  # last: every other /admin path


async def not_there(request: web.Request) -> web.Response:
    return error_page(request, 404, "There is no such page in the console.")
