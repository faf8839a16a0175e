"""Bans (admins): `GET /admin/bans?state=active|ended&page=`, the bans in force (newest first) or those
that ended (lifted, replaced or run out; the latest ended first), paged by the moderation worker
(`ListBans`); `POST /admin/bans` bans a user for some days or for good (the longest ban there is:
every ban ends) with a reason (`BanUser`: his sessions end at once); `POST /admin/bans/{user_id}/lift`
ends his ban early (`LiftBan`). Both commands log themselves."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any, ClassVar

from aiohttp import web
from multidict import MultiDictProxy
from pydantic import ValidationError
from yarl import URL

from nodes.edge.state import BUS
from protocols.envelope import DomainError, ErrorCode
from protocols.fields import BAN_DAYS_MAX
from protocols.moderation import BanRecord, BanUser, LiftBan, ListBans

from .pages import filters_of, page, page_size, render, see_other
from .people import names_of
from .sections import BANS
from .session import Staff
from .tables import TableQuery, back_to, pager

routes = web.RouteTableDef()

PATH = "/admin/bans"
FOR_GOOD = timedelta(days=BAN_DAYS_MAX)
NOTICES = {
    "banned": "User #{user} is banned; his sessions have ended.",
    "lifted": "User #{user}'s ban is lifted: he may sign in again.",
    "missing": "User #{user} is not there: nobody was banned.",
    "not_banned": "User #{user} has no ban in force: nothing was changed.",
    "admin": "User #{user} is an admin: an admin cannot be banned.",
    "invalid": "A ban needs a user's number, 1 to {days} days (or for good) and a reason of at most 100 "
    "characters: nobody was banned.",
}


class BanState(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class BansQuery(TableQuery):
    transient: ClassVar[frozenset[str]] = frozenset({"notice", "user"})
    state: BanState = BanState.ACTIVE
    user: str | None = None  # the user a notice is about


def for_good(ban: BanRecord) -> bool:
    return ban.banned_until - ban.banned_at >= FOR_GOOD - timedelta(days=1)


@routes.get(PATH)
@page(BANS)
async def bans(request: web.Request, staff: Staff) -> web.Response:
    query = filters_of(request, BansQuery)
    size = page_size(request)
    cmd = ListBans(active=query.state is BanState.ACTIVE, offset=query.offset(size), limit=size)
    found = await request.app[BUS].request(cmd, actor=staff.actor)
    notice = NOTICES.get(query.notice or "")
    context = {
        "query": query,
        "bans": found.items,
        **pager(PATH, query, found.total, size),
        "states": list(BanState),
        "names": await names_of(
            request, [id_ for ban in found.items for id_ in (ban.user_id, ban.banned_by)]
        ),
        "for_good": for_good,
        "here": query.link(PATH),
        "ban_days_max": BAN_DAYS_MAX,
        "notice": notice.format(user=query.user or "", days=BAN_DAYS_MAX) if notice else None,
    }
    return render(request, "bans.html", context, staff=staff, section=BANS)


OUTCOMES = {ErrorCode.NOT_FOUND: "missing", ErrorCode.FORBIDDEN: "admin", ErrorCode.VALIDATION: "invalid"}


@routes.post(PATH)
@page(BANS)
async def ban(request: web.Request, staff: Staff) -> web.Response:
    form = await request.post()
    fields = {name: str(form.get(name, "")).strip() for name in ("user_id", "days", "reason", "admin_notes")}
    days = str(BAN_DAYS_MAX) if form.get("for_good") else fields["days"] or None
    try:
        cmd = BanUser(user_id=fields["user_id"], duration_days=days, reason=fields["reason"],
                      admin_notes=fields["admin_notes"] or None)  # fmt: skip
    except ValidationError:
        return see_other(_back(form).update_query(notice="invalid", user=fields["user_id"][:9]))
    try:
        await request.app[BUS].request(cmd, actor=staff.actor)
        outcome = "banned"
    except DomainError as exc:
        # The page is the admins' own: a refusal here is the banned user's role, not the actor's.
        if exc.code not in OUTCOMES:
            raise
        outcome = OUTCOMES[exc.code]
    return see_other(_back(form).update_query(notice=outcome, user=str(cmd.user_id)))


@routes.post(PATH + r"/{user_id:\d{1,9}}/lift")
@page(BANS)
async def lift(request: web.Request, staff: Staff) -> web.Response:
    user_id = int(request.match_info["user_id"])
    form = await request.post()
    try:
        await request.app[BUS].request(LiftBan(user_id=user_id), actor=staff.actor)
        outcome = "lifted"
    except DomainError as exc:
        if exc.code is not ErrorCode.NOT_FOUND:
            raise
        outcome = "not_banned"
    return see_other(_back(form).update_query(notice=outcome, user=str(user_id)))


def _back(form: MultiDictProxy[Any]) -> URL:
    return back_to(form.get("back"), PATH, PATH)
