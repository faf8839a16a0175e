"""`GET /admin/audit?action=&page=` (admins): the moderation log, where every staff action lands
(sign-ins and sign-outs of the console, ad decisions, reports handled, bans; by whichever surface),
newest first, filtered by action and paged on the server. Read-only: no route of the console, nor any
command of the moderation worker, edits or deletes an entry."""

from __future__ import annotations

from aiohttp import web

from nodes.edge.state import BUS
from protocols.moderation import ListLog, LogAction

from .pages import filters_of, page, page_size, render
from .sections import AUDIT
from .session import Staff
from .tables import TableQuery, pager

routes = web.RouteTableDef()

PATH = "/admin/audit"


class AuditQuery(TableQuery):
    action: LogAction | None = None


@routes.get(PATH)
@page(AUDIT)
async def audit(request: web.Request, staff: Staff) -> web.Response:
    query = filters_of(request, AuditQuery)
    size = page_size(request)
    cmd = ListLog(action=query.action, offset=query.offset(size), limit=size)
    found = await request.app[BUS].request(cmd, actor=staff.actor)
    context = {
        "query": query,
        "entries": found.items,
        **pager(PATH, query, found.total, size),
        "actions": list(LogAction),
    }
    return render(request, "audit.html", context, staff=staff, section=AUDIT)
