"""FreeMarket (barter exchange), seeds/001: health (health.py), users, authentication and the user
cabinet (identity.py), exchange chats over REST (chat.py) and a WebSocket (ws.py), notifications
(notifications.py), and the Server-Sent Events of both (events.py); the category system
(categories.py), the wants and offers (listings.py), and reports and moderation (moderation.py)."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from . import categories, chat, events, health, identity, listings, moderation, notifications, ws
from .errors import SURFACE

ROUTES: tuple[SurfaceRoutes, ...] = (
    health.routes,
    identity.routes,
    chat.routes,
    notifications.routes,
    ws.routes,
    events.routes,
    categories.routes,
    listings.routes,
    moderation.routes,
)

__all__ = ["ROUTES", "SURFACE"]
