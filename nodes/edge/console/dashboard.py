"""`GET /admin/`: the figures an operator checks first, each role its own.

- Moderators (and admins): what the moderation worker's dashboard and stats give (reports closed in
  the last day, active bans, hidden listings, ad decisions, reports by status and by reason, the
  newest log entries) and the waiting work, ads pending review and reports open, which the console's
  script keeps up to date from `/admin/live` (see `live.py`).
- Managers (and admins): new users in the last 24 hours and per day over 14 days (identity), messages
  per hour over the last 24 hours (chat).
- Admins: telemetry samples per minute over the last hour (telemetry) and the workers ready, per
  domain, as the edge's readiness check sees them (`nodes/edge/readiness.py`).

The counts per time bucket are computed by the workers that own the data; the charts are inline SVG
drawn here (`charts.py`). A domain that does not answer shows "—" for its figures, not an error page.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from nodes.edge.readiness import domains_ready
from nodes.edge.state import BUS, SETTINGS
from protocols.chat import CountMessages
from protocols.envelope import Actor
from protocols.identity import CountSignups
from protocols.moderation import GetDashboard, GetStats
from protocols.telemetry import CountSamples

from .charts import chart
from .live import answered, count_waiting
from .pages import page, render
from .sections import ADMINS, DASHBOARD, MANAGERS, MODERATORS
from .session import Staff

routes = web.RouteTableDef()

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
RECENT = 10  # log entries shown
DAYS = 14  # new users per day over this many days, today's so far the last


def last(now: datetime, bucket: timedelta, buckets: int) -> dict[str, Any]:
    """A window of `buckets` buckets ending now."""
    end = now.replace(microsecond=0) + timedelta(seconds=1)
    return {"start": end - bucket * buckets, "bucket_s": int(bucket.total_seconds()), "buckets": buckets}


def days(now: datetime, buckets: int) -> dict[str, Any]:
    """A window of whole UTC days, today's the last."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return {"start": today - DAY * (buckets - 1), "bucket_s": int(DAY.total_seconds()), "buckets": buckets}


async def moderation(request: web.Request, actor: Actor, now: datetime) -> dict[str, Any]:
    bus = request.app[BUS]
    board, stats, waiting = await asyncio.gather(
        answered(bus, GetDashboard(since=now - DAY, recent=RECENT), actor),
        answered(bus, GetStats(), actor),
        count_waiting(bus, actor),
    )
    return {"board": board, "stats": stats, "waiting": waiting}


async def people(request: web.Request, actor: Actor, now: datetime) -> dict[str, Any]:
    bus = request.app[BUS]
    today, per_day, messages = await asyncio.gather(
        answered(bus, CountSignups(**last(now, HOUR, 24)), actor),
        answered(bus, CountSignups(**days(now, DAYS)), actor),
        answered(bus, CountMessages(**last(now, HOUR, 24)), actor),
    )
    return {
        "signups": today.total if today else None,
        "signups_chart": chart(per_day, lambda day: day.strftime("%a %d %b")) if per_day else None,
        "messages": messages.total if messages else None,
        "messages_chart": chart(messages, lambda hour: hour.strftime("%H:%M")) if messages else None,
    }


async def system(request: web.Request, actor: Actor, now: datetime) -> dict[str, Any]:
    bus, settings = request.app[BUS], request.app[SETTINGS]
    samples, workers = await asyncio.gather(
        answered(bus, CountSamples(**last(now, MINUTE, 60)), actor),
        domains_ready(bus, settings, settings.workers.domains),
    )
    return {
        "samples": samples.total if samples else None,
        "samples_chart": chart(samples, lambda minute: minute.strftime("%H:%M")) if samples else None,
        "workers": workers,
        "workers_ready": sum(state.ready for state in workers.values()),
    }


@routes.get("/admin/")
@page(DASHBOARD)
async def dashboard(request: web.Request, staff: Staff) -> web.Response:
    actor, now = staff.actor, datetime.now(UTC)
    parts = {
        "moderation": (MODERATORS, moderation),
        "people": (MANAGERS, people),
        "system": (ADMINS, system),
    }
    mine = {name: figures for name, (roles, figures) in parts.items() if actor.role in roles}
    found = await asyncio.gather(*(figures(request, actor, now) for figures in mine.values()))
    context = {name: None for name in parts} | dict(zip(mine, found, strict=True))
    return render(request, "dashboard.html", context, staff=staff, section=DASHBOARD)
