"""FreeMarket (seeds/001): its notifications, on the notify domain (protocols.notify).

Choices where the document is silent:

- `GET /api/notifications/` documents `user_id` as required; the user is the token's. A `user_id`
  naming anyone else answers 404 like a user with nothing to show (never their notifications); it
  may be left out. `status` is `pending` (unread), `read` or `all` (the default); newest first,
  `skip`/`limit` (at most 100) page them. `count` is how many match the status.
- `POST /api/notifications/{notification_id}/read` answers `{"notification_id", "status": "read"}`;
  another user's notification is 404 like a missing one. Marking twice is harmless.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from nodes.edge.http import SurfaceRoutes, json_response, path_int, read_query
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.envelope import DomainError, ErrorCode
from protocols.fields import Offset, PageSize
from protocols.notify import ListNotifications, MarkNotificationRead, NotificationStatus

from .errors import SURFACE
from .shapes import MarkedOut, NotificationListOut, notification_out

routes = SurfaceRoutes(SURFACE)


class NotificationsQuery(BaseModel):
    user_id: int | None = None
    status: NotificationStatus = NotificationStatus.ALL
    skip: Offset = 0
    limit: PageSize = 50


@routes.get("/api/notifications/", query=NotificationsQuery, auth=True,
            responses={200: NotificationListOut, 400: None, 401: None, 404: None})  # fmt: skip
async def list_notifications(request: web.Request) -> web.Response:
    """Your notifications, newest first (`status`: pending, read or all)."""
    actor = require_actor(request)
    query = read_query(request, NotificationsQuery)
    if query.user_id is not None and query.user_id != actor.user_id:
        raise DomainError(ErrorCode.NOT_FOUND, "User not found")
    cmd = ListNotifications(status=query.status, offset=query.skip, limit=query.limit)
    page = await request.app[BUS].request(cmd, actor=actor)
    return json_response(
        NotificationListOut(notifications=[notification_out(n) for n in page.items], count=page.total)
    )


@routes.post("/api/notifications/{notification_id}/read", auth=True,
             responses={200: MarkedOut, 401: None, 404: None})  # fmt: skip
async def mark_read(request: web.Request) -> web.Response:
    """Mark a notification as read."""
    cmd = MarkNotificationRead(notification_id=path_int(request, "notification_id"))
    marked = await request.app[BUS].request(cmd, actor=require_actor(request))
    return json_response(MarkedOut(notification_id=marked.id))
