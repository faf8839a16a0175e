"""Car advisor (AI car-selection chat), seeds/002, base URL `/api/v1`: users for managers
(identity.py; its `/api/v1/auth` is the autos surface's, shared), chats and messages (chat.py), the
stream of the assistant's answer (stream.py) and the car catalog (cars.py). Its document has no
WebSocket: the answer stream (Server-Sent Events) is its live endpoint."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from . import cars, chat, identity, stream
from .errors import SURFACE

ROUTES: tuple[SurfaceRoutes, ...] = (identity.routes, chat.routes, stream.routes, cars.routes)

__all__ = ["ROUTES", "SURFACE"]
