"""Car advisor (AI car-selection chat) (seeds/002): its REST surface, base URL `/api/v1`.

Identity: `/api/v1/auth/*` (register, login, refresh, logout) is shared with MillionAvto and served
once, by `autos.py`, in the union of both contracts. Here: the manager's `GET /api/v1/users` and
`GET /api/v1/users/{user_id}`.

Error body: `{"error": {"code", "message", "details"}}` with the document's lowercase codes
(`validation_error`, `not_found`, ...) and, for a bad field, `details: {"field", "reason"}`.

The document never spells out `User`; ours is `{id, email, name, role, created_at}`. `role` is
uppercase (`"USER"`, `"MANAGER"`) because the shared login answer must carry MillionAvto's uppercase
role, and one client should not see two spellings; the `role` filter accepts either case.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, Field

from nodes.edge.errors import advisor
from nodes.edge.http import Surface, SurfaceRoutes, json_response, path_int, read_query
from nodes.edge.kit.names import display_name
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.identity import GetUser, ListUsers, UserProfile

SURFACE = Surface(name="advisor", title="Car advisor (AI car-selection chat)", error_format=advisor)
routes = SurfaceRoutes(SURFACE)

STAFF = frozenset({Role.MANAGER, Role.ADMIN})


class AdvisorUser(BaseModel):
    id: int
    email: str | None
    name: str | None
    role: str
    created_at: datetime


class UserListQuery(BaseModel):
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=20, ge=1, le=100)
    search: str | None = Field(default=None, max_length=128)
    role: str | None = Field(default=None, max_length=32)


class UserListOut(BaseModel):
    items: list[AdvisorUser]
    total: int
    page: int
    per_page: int


def advisor_user(user: UserProfile) -> AdvisorUser:
    return AdvisorUser(
        id=user.id,
        email=user.email,
        name=display_name(user),
        role=user.role.value.upper(),
        created_at=user.created_at,
    )


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
        raise DomainError(
            ErrorCode.VALIDATION, f"Unknown role: {value}", {"field": "role", "reason": "invalid"}
        ) from None


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
