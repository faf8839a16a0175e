"""Membership Auto (car service membership), seeds/004, in DRF's conventions: authentication
(identity.py), support threads over REST (chat.py) and a WebSocket (ws.py), vehicles
(vehicles.py) and their telemetry (telemetry.py)."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from . import chat, files, identity, telemetry, vehicles, ws
from .errors import SURFACE

ROUTES: tuple[SurfaceRoutes, ...] = (
    identity.routes,
    chat.routes,
    ws.routes,
    vehicles.routes,
    telemetry.routes,
    files.routes,
)

__all__ = ["ROUTES", "SURFACE"]
