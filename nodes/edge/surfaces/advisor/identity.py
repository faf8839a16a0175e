"""Car advisor (seeds/002): its users, for managers (`GET /api/v1/users`, `GET /api/v1/users/{user_id}`).

Its `/api/v1/auth/*` (register, login, refresh, logout) is shared with MillionAvto and served once,
by the autos surface, in the union of both contracts.

The document never spells out `User`; ours is `{id, email, name, role, created_at}`. `role` is
uppercase (`"USER"`, `"MANAGER"`) because the shared login answer must carry MillionAvto's uppercase
role, and one client should not see two spellings; the `role` filter accepts either case.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from nodes.edge.http import SurfaceRoutes, json_response, path_int, read_query
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.fields import Keyword, PageSize, Search
from protocols.identity import GetUser, ListUsers

from .errors import SURFACE, invalid
from .shapes import AdvisorUser, UserListOut, advisor_user

routes = SurfaceRoutes(SURFACE)

STAFF = frozenset({Role.MANAGER, Role.ADMIN})
PAGE_NUMBER_MAX = 100_000  # of every paged list here


class UserListQuery(BaseModel):
    page: int = Field(default=1, ge=1, le=PAGE_NUMBER_MAX)
    per_page: PageSize = 20
    search: Search | None = None
    role: Keyword | None = None


def require_staff(request: web.Request) -> Actor:
    actor = require_actor(request)
    if actor.role not in STAFF:
        raise DomainError(ErrorCode.FORBIDDEN, "Manager role required")
    return actor


def role_filter(value: str | None) -> Role | None:
    if not value:
        return None
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise invalid("role", "invalid", f"Unknown role: {value}") from None


@routes.get(
    "/api/v1/users",
    query=UserListQuery,
    auth=True,
    responses={200: UserListOut, 400: None, 401: None, 403: None},
)
async def list_users(request: web.Request) -> web.Response:
    """List users (manager only)."""
    actor = require_staff(request)
    query = read_query(request, UserListQuery)
    cmd = ListUsers(
        search=query.search or None,
        role=role_filter(query.role),
        offset=(query.page - 1) * query.per_page,
        limit=query.per_page,
    )
    page = await request.app[BUS].request(cmd, actor=actor)
    out = UserListOut(
        items=[advisor_user(u) for u in page.items],
        total=page.total,
        page=query.page,
        per_page=query.per_page,
    )
    return json_response(out)


@routes.get(
    "/api/v1/users/{user_id}", auth=True, responses={200: AdvisorUser, 401: None, 403: None, 404: None}
)
async def get_user(request: web.Request) -> web.Response:
    """Get a user by id (a manager any user; anyone else only themselves)."""
    actor = require_actor(request)
    user_id = path_int(request, "user_id")
    if actor.role not in STAFF and actor.user_id != user_id:
        raise DomainError(ErrorCode.FORBIDDEN, "Manager role required")
    user = await request.app[BUS].request(GetUser(user_id=user_id), actor=actor)
    return json_response(advisor_user(user))
