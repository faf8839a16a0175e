"""MillionAvto (car classifieds), seeds/000: accounts (identity.py, with the `/api/v1/auth` paths
shared with Car advisor), categories (categories.py), vehicle references (vehicles.py), locations
(locations.py), ads (ads.py), dealers' company profiles (dealers.py), ad dialogs over REST (chat.py)
and over WebSockets (ws.py), moderation (moderation.py)."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from . import ads, categories, chat, dealers, identity, locations, moderation, vehicles, ws
from .errors import SURFACE

ROUTES: tuple[SurfaceRoutes, ...] = (
    identity.shared,
    identity.routes,
    dealers.routes,
    categories.routes,
    vehicles.routes,
    locations.routes,
    ads.routes,
    chat.routes,
    moderation.routes,
    ws.routes,
)

__all__ = ["ROUTES", "SURFACE"]
