"""MillionAvto (000): its live endpoint(s) (ws), on the edge's delivery hub and the one chat core."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from .autos import SURFACE

routes = SurfaceRoutes(SURFACE)
