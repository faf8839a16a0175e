"""FreeMarket (barter exchange), seeds/001: health (health.py), users, authentication and the user
cabinet (identity.py), exchange chats over REST (chat.py) and a WebSocket (ws.py), notifications
(notifications.py), the Server-Sent Events of both (events.py); the category system
(categories.py), the wants and offers (listings.py), reports and moderation (moderation.py); the
matching runs (matching.py), exchange chains (chains.py) and the confirmation of exchanges
(exchanges.py); reviews and trust (reviews.py), the exchange history and its export (history.py),
and the cabinet's aggregate views (cabinet.py)."""

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
    categories.routes,
    listings.routes,
    moderation.routes,
    matching.routes,
    chains.routes,
    exchanges.routes,
    reviews.routes,
    history.routes,
    cabinet.routes,
)

__all__ = ["ROUTES", "SURFACE"]
