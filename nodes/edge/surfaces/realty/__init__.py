"""Realty, seeds/003, its paths at the root: users, phone + SMS code accounts (identity.py, its
update form in forms.py), properties (properties.py; their files in property_files.py, their words
in vocabulary.py), buyers' requests (requests.py), property chats over REST (chat.py) and a WebSocket
(ws.py)."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from . import chat, identity, properties, requests, ws
from .errors import SURFACE

ROUTES: tuple[SurfaceRoutes, ...] = (
    identity.routes, properties.routes, requests.routes, chat.routes, ws.routes,
)  # fmt: skip

__all__ = ["ROUTES", "SURFACE"]
