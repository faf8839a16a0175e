"""Membership Auto (004): its chat endpoints, on the one chat core (protocols.chat)."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from .garage import SURFACE

routes = SurfaceRoutes(SURFACE)
