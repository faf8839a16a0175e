"""MillionAvto (car classifieds), seeds/000: accounts (identity.py, with the `/api/v1/auth` paths
shared with Car advisor), categories (categories.py), vehicle references (vehicles.py), locations
(locations.py), ads (ads.py) and their media (ad_media.py), dealers' company profiles (dealers.py),
ad dialogs over REST (chat.py) and over WebSockets (ws.py), favourites, comparison and browsing
history (favorites.py), moderation (moderation.py), banners (banners.py)."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from . import (
    ad_media,
    ads,
    banners,
    categories,
    chat,
    dealers,
    favorites,
    identity,
    locations,
    moderation,
    vehicles,
    ws,
)
from .errors import SURFACE

ROUTES: tuple[SurfaceRoutes, ...] = (
    identity.shared,
    identity.routes,
    dealers.routes,
    categories.routes,
    vehicles.routes,
    locations.routes,
    ads.routes,
    ad_media.routes,
    chat.routes,
    favorites.routes,
    moderation.routes,
    banners.routes,
    ws.routes,
)

__all__ = ["ROUTES", "SURFACE"]
