"""`GET /admin/`: the figures an operator checks first. For moderators and admins, what the moderation
worker's dashboard and stats give (reports waiting and closed in the last day, active bans, hidden
listings, ad decisions, reports by reason, the newest log entries) and the ads waiting for review (the
market's queue); a manager's figures come with his pages."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from nodes.edge.state import BUS
from protocols.market import AdStatus, ListAdsForReview
from protocols.moderation import GetDashboard, GetStats

from .pages import page, render
from .sections import DASHBOARD, MODERATORS
from .session import Staff

routes = web.RouteTableDef()

DAY = timedelta(days=1)
RECENT = 10  # log entries shown


@routes.get("/admin/")
@page(DASHBOARD)
async def dashboard(request: web.Request, staff: Staff) -> web.Response:
    context: dict[str, Any] = {"moderation": None}
    if staff.actor.role in MODERATORS:
        bus, actor = request.app[BUS], staff.actor
        board, stats, waiting = await asyncio.gather(
            bus.request(GetDashboard(since=datetime.now(UTC) - DAY, recent=RECENT), actor=actor),
            bus.request(GetStats(), actor=actor),
            bus.request(ListAdsForReview(status=AdStatus.PENDING, limit=1), actor=actor),
        )
        context["moderation"] = {"board": board, "stats": stats, "ads_waiting": waiting.total}
    return render(request, "dashboard.html", context, staff=staff, section=DASHBOARD)
