"""FreeMarket (barter exchange), seeds/001: health (health.py), users, authentication and the user
cabinet (identity.py), exchange chats over REST (chat.py) and a WebSocket (ws.py), notifications
(notifications.py), and the Server-Sent Events of both (events.py); the category system
(categories.py) and the wants and offers (listings.py); the matching runs (matching.py), exchange
chains (chains.py) and the confirmation of exchanges (exchanges.py); reviews and trust (reviews.py),
exchange history and its export (history.py), the cabinet's aggregate views (cabinet.py); reports
and the admin's views (moderation.py)."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from . import (
    cabinet,
    categories,
    chains,
    chat,
    events,
    exchanges,
    health,
    history,
    identity,
    listings,
    matching,
    moderation,
    notifications,
    reviews,
    ws,
)
from .errors import SURFACE

ROUTES: tuple[SurfaceRoutes, ...] = (
    health.routes,
    identity.routes,
    chat.routes,
    notifications.routes,
    ws.routes,
    events.routes,
    reviews.routes,
    history.routes,
    cabinet.routes,
    moderation.routes,
    categories.routes,
    listings.routes,
    matching.routes,
    chains.routes,
    exchanges.routes,
)

__all__ = ["ROUTES", "SURFACE"]
