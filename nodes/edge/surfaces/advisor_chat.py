"""Car advisor (002): its chat endpoints, on the one chat core (protocols.chat)."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from .advisor import SURFACE

routes = SurfaceRoutes(SURFACE)
