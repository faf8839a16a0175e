"""`GET /admin/audit?action=&page=` (admins): the moderation log, where every staff action lands
(sign-ins and sign-outs of the console, ad decisions, reports handled, bans; by whichever surface),
newest first, filtered by action and paged on the server. Read-only: no route of the console, nor any
command of the moderation worker, edits or deletes an entry."""

from __future__ import annotations

import math

from aiohttp import web
from pydantic import BaseModel, Field
from yarl import URL

from nodes.edge.state import BUS
from protocols.moderation import ListLog, LogAction

from .pages import filters_of, page, page_size, render
from .sections import AUDIT
from .session import Staff

routes = web.RouteTableDef()

PATH = "/admin/audit"


class AuditQuery(BaseModel):
    action: LogAction | None = None
    page: int = Field(default=1, ge=1, le=100_000)


def _link(query: AuditQuery, page_number: int) -> str:
    params = {"page": str(page_number)} | ({"action": query.action.value} if query.action else {})
    return str(URL(PATH).with_query(params))


@routes.get(PATH)
@page(AUDIT)
async def audit(request: web.Request, staff: Staff) -> web.Response:
    query = filters_of(request, AuditQuery)
    size = page_size(request)
    cmd = ListLog(action=query.action, offset=(query.page - 1) * size, limit=size)
    found = await request.app[BUS].request(cmd, actor=staff.actor)
    pages = max(1, math.ceil(found.total / size))
    context = {
        "query": query,
        "entries": found.items,
        "total": found.total,
        "pages": pages,
        "actions": list(LogAction),
        "previous": _link(query, query.page - 1) if query.page > 1 else None,
        "next": _link(query, query.page + 1) if query.page < pages else None,
    }
    return render(request, "audit.html", context, staff=staff, section=AUDIT)
