"""Realty, seeds/003, its paths at the root: users, phone + SMS code accounts (identity.py, its
update form in forms.py), property chats over REST (chat.py) and a WebSocket (ws.py), buyers'
requests (requests.py)."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from . import chat, identity, requests, ws
from .errors import SURFACE

ROUTES: tuple[SurfaceRoutes, ...] = (identity.routes, chat.routes, ws.routes, requests.routes)

__all__ = ["ROUTES", "SURFACE"]
