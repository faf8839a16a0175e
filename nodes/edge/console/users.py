"""Users: `GET /admin/users?q=&role=&active=&sort=&page=` (managers and admins), the accounts in a table
that filters, sorts and pages on the server (identity's `ListUsers`), and `GET /admin/users/{id}`, one
account: its profile, role and flags (`GetAccount`), its membership tier (the garage's
`GetStandingOf`) and its live sessions (`ListSessionsOf`).

Only admins change anything (identity's and the garage's commands check it again), each form posting
to `/admin/users/{id}/<action>` and sent back to the account with a notice of what happened: `edit`
(name, email, phone, with identity's validation and uniqueness), `activate` and `deactivate` (a
deactivated account's sessions end at once), `role`, `membership` (a tier, or none), and `sessions`
(revoke one or all). Each is recorded in the audit log once it is done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError
from yarl import URL

from nodes.edge.state import BUS
from protocols.envelope import DomainError, ErrorCode, Role
from protocols.fields import Search
from protocols.garage_members import EndMembership, GetStandingOf, MembershipTier, SetMembership, Standing
from protocols.identity import (
    ACCOUNT_ROLES,
    GetAccount,
    ListSessionsOf,
    ListUsers,
    RevokeSessionsOf,
    SetAccountActive,
    SetRole,
    UpdateAccount,
    UserSort,
)
from protocols.moderation import LogAction

from .pages import filters_of, page, page_size, render, see_other
from .sections import ADMINS, USERS, Section
from .session import Staff
from .tables import TableQuery, pager, sort_links
from .trail import Detail, record

routes = web.RouteTableDef()

PATH = "/admin/users"
ACCOUNT = PATH + r"/{user_id:\d{1,9}}"
# What only admins do on the pages that managers read.
CHANGES = Section(USERS.name, USERS.title, USERS.link, ADMINS)
SORTABLE = {
    "created": (UserSort.CREATED_DESC, UserSort.CREATED_ASC),
    "name": (UserSort.NAME_ASC, UserSort.NAME_DESC),
    "seen": (UserSort.SEEN_DESC, UserSort.SEEN_ASC),
}
NO_TIER = "none"
# The fields a notice may name (from the URL: nothing else is ever shown).
FIELDS = {"full_name": "name", "email": "email", "phone": "phone", "role": "role", "tier": "tier"}
NOTICES = {
    "edited": "Account saved.",
    "unchanged": "Nothing to save: every field was left empty.",
    "taken": "That {field} belongs to another account: nothing was changed.",
    "invalid": "That is not a valid {field}: nothing was changed.",
    "activated": "Account activated: it can sign in again.",
    "deactivated": "Account deactivated: it cannot sign in, and its {count} session(s) ended.",
    "role_set": "Role set; the account's {count} session(s) ended, so its next sign-in carries the role.",
    "not_yourself": "An admin cannot deactivate himself nor change his own role.",
    "tier_set": "Membership tier set.",
    "tier_ended": "Membership ended.",
    "no_membership": "The account holds no membership (or is deactivated): nothing was changed.",
    "revoked": "{count} session(s) revoked: their tokens no longer work anywhere.",
    "no_session": "That session is not this account's, or has ended already.",
}


class Activity(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    ALL = "all"


ACTIVE_OF = {Activity.ACTIVE: True, Activity.INACTIVE: False, Activity.ALL: None}


class UsersQuery(TableQuery):
    q: Search = ""
    role: Role | None = None
    active: Activity = Activity.ACTIVE
    sort: UserSort = UserSort.CREATED_DESC


class AccountQuery(BaseModel):
    """What a form that was just sent says of itself."""

    notice: str | None = None
    field: str | None = None
    count: int | None = None


@routes.get(PATH)
@page(USERS)
async def users(request: web.Request, staff: Staff) -> web.Response:
    query = filters_of(request, UsersQuery)
    size = page_size(request)
    cmd = ListUsers(search=query.q or None, role=query.role, active=ACTIVE_OF[query.active], sort_by=query.sort,
                    offset=query.offset(size), limit=size)  # fmt: skip
    found = await request.app[BUS].request(cmd, actor=staff.actor)
    context = {
        "query": query,
        "users": found.items,
        **pager(PATH, query, found.total, size),
        "roles": ACCOUNT_ROLES,
        "activities": list(Activity),
        "sorts": sort_links(PATH, query, query.sort, SORTABLE),
    }
    return render(request, "users.html", context, staff=staff, section=USERS)


@routes.get(ACCOUNT)
@page(USERS)
async def account(request: web.Request, staff: Staff) -> web.Response:
    user_id = int(request.match_info["user_id"])
    query = filters_of(request, AccountQuery)
    bus = request.app[BUS]
    user, sessions, standing = await asyncio.gather(
        bus.request(GetAccount(user_id=user_id), actor=staff.actor),
        bus.request(ListSessionsOf(user_id=user_id), actor=staff.actor),
        _standing(request, staff, user_id),
    )
    notice = NOTICES.get(query.notice or "", "").format(
        field=FIELDS.get(query.field or "", "value"), count=query.count or 0
    )
    context: dict[str, Any] = {
        "user": user,
        "sessions": sessions.items,
        "standing": standing,
        "tiers": list(MembershipTier),
        "no_tier": NO_TIER,
        "roles": ACCOUNT_ROLES,
        "may_change": staff.actor.role in CHANGES.roles,
        "notice": notice or None,
    }
    return render(request, "user.html", context, staff=staff, section=USERS)


async def _standing(request: web.Request, staff: Staff, user_id: int) -> Standing | None:
    """The account's membership and rewards; None when the garage is not answering (the account's
    page is shown all the same)."""
    try:
        return await request.app[BUS].request(GetStandingOf(user_id=user_id), actor=staff.actor)
    except DomainError as exc:
        if exc.code is not ErrorCode.UNAVAILABLE:
            raise
        return None


def _back(user_id: int, notice: str, **more: str | int) -> web.Response:
    return see_other(URL(f"{PATH}/{user_id}").with_query(notice=notice, **more))


def _refusal(exc: DomainError, notices: dict[ErrorCode, str]) -> str:
    """The notice of a worker's refusal that the form answers; any other error is a page of its own."""
    if exc.code not in notices:
        raise exc
    return notices[exc.code]


async def _chosen(request: web.Request, field: str, choices: Iterable[str]) -> tuple[int, str | None]:
    """The route's account, and the form's `field` if it is one of `choices` (else None)."""
    value = str((await request.post()).get(field, ""))
    return int(request.match_info["user_id"]), value if value in set(choices) else None


async def _recorded(
    request: web.Request, staff: Staff, action: LogAction, user_id: int, details: dict[str, Detail]
) -> None:
    await record(request, staff, action, ("user", user_id), details)


@routes.post(ACCOUNT + "/edit")
@page(CHANGES)
async def edit(request: web.Request, staff: Staff) -> web.Response:
    user_id = int(request.match_info["user_id"])
    form = await request.post()
    given = {name: str(form.get(name, "")).strip() for name in ("full_name", "email", "phone")}
    given = {name: value for name, value in given.items() if value}
    if not given:
        return _back(user_id, "unchanged")
    try:
        cmd = UpdateAccount(user_id=user_id, **given)
    except ValidationError as exc:  # longer than the field takes
        return _back(user_id, "invalid", field=str(exc.errors()[0]["loc"][0]))
    try:
        await request.app[BUS].request(cmd, actor=staff.actor)
    except DomainError as exc:
        notice = _refusal(exc, {ErrorCode.CONFLICT: "taken", ErrorCode.VALIDATION: "invalid"})
        return _back(user_id, notice, field=str(exc.details.get("field", "email or phone")))
    await _recorded(request, staff, LogAction.EDIT_USER, user_id, dict(given))
    return _back(user_id, "edited")


async def _set_active(request: web.Request, staff: Staff, active: bool) -> web.Response:
    user_id = int(request.match_info["user_id"])
    try:
        cmd = SetAccountActive(user_id=user_id, active=active)
        changed = await request.app[BUS].request(cmd, actor=staff.actor)
    except DomainError as exc:
        return _back(user_id, _refusal(exc, {ErrorCode.FORBIDDEN: "not_yourself"}))
    action = LogAction.ACTIVATE_USER if active else LogAction.DEACTIVATE_USER
    await _recorded(request, staff, action, user_id, {"sessions_ended": changed.sessions_ended})
    return _back(user_id, "activated" if active else "deactivated", count=changed.sessions_ended)


@routes.post(ACCOUNT + "/activate")
@page(CHANGES)
async def activate(request: web.Request, staff: Staff) -> web.Response:
    return await _set_active(request, staff, True)


@routes.post(ACCOUNT + "/deactivate")
@page(CHANGES)
async def deactivate(request: web.Request, staff: Staff) -> web.Response:
    return await _set_active(request, staff, False)


@routes.post(ACCOUNT + "/role")
@page(CHANGES)
async def set_role(request: web.Request, staff: Staff) -> web.Response:
    user_id, role = await _chosen(request, "role", ACCOUNT_ROLES)
    if role is None:
        return _back(user_id, "invalid", field="role")
    try:
        changed = await request.app[BUS].request(SetRole(user_id=user_id, role=Role(role)), actor=staff.actor)
    except DomainError as exc:
        return _back(user_id, _refusal(exc, {ErrorCode.FORBIDDEN: "not_yourself"}))
    details: dict[str, Detail] = {"role": role, "sessions_ended": changed.sessions_ended}
    await _recorded(request, staff, LogAction.SET_ROLE, user_id, details)
    return _back(user_id, "role_set", count=changed.sessions_ended)


@routes.post(ACCOUNT + "/membership")
@page(CHANGES)
async def set_membership(request: web.Request, staff: Staff) -> web.Response:
    """The garage names a member by his account's public id."""
    user_id, tier = await _chosen(request, "tier", (*MembershipTier, NO_TIER))
    if tier is None:
        return _back(user_id, "invalid", field="tier")
    bus = request.app[BUS]
    user = await bus.request(GetAccount(user_id=user_id), actor=staff.actor)
    try:
        if tier == NO_TIER:
            await bus.request(EndMembership(user_public_id=user.public_id), actor=staff.actor)
        else:
            cmd = SetMembership(user_public_id=user.public_id, tier=MembershipTier(tier))
            await bus.request(cmd, actor=staff.actor)
    except DomainError as exc:
        return _back(user_id, _refusal(exc, {ErrorCode.NOT_FOUND: "no_membership"}))
    await _recorded(request, staff, LogAction.SET_MEMBERSHIP, user_id, {"tier": tier})
    return _back(user_id, "tier_ended" if tier == NO_TIER else "tier_set")


@routes.post(ACCOUNT + "/sessions")
@page(CHANGES)
async def revoke_sessions(request: web.Request, staff: Staff) -> web.Response:
    """The form's `session` is one session's id; without it, every session of the account ends."""
    user_id = int(request.match_info["user_id"])
    form = await request.post()
    session_id = str(form.get("session", "")) or None
    try:
        cmd = RevokeSessionsOf(user_id=user_id, session_id=session_id)
        revoked = await request.app[BUS].request(cmd, actor=staff.actor)
    except ValidationError:
        return _back(user_id, "no_session")
    except DomainError as exc:
        if exc.code is not ErrorCode.NOT_FOUND or session_id is None:
            raise
        return _back(user_id, "no_session")
    details: dict[str, Detail] = {"session": session_id or "all", "revoked": revoked.revoked_count}
    await _recorded(request, staff, LogAction.REVOKE_SESSIONS, user_id, details)
    return _back(user_id, "revoked", count=revoked.revoked_count)
