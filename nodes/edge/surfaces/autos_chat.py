"""MillionAvto (000): its chat endpoints, on the one chat core (protocols.chat)."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from .autos import SURFACE

routes = SurfaceRoutes(SURFACE)
