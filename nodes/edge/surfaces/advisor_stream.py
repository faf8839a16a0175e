"""Car advisor (002): its live endpoint(s) (stream), on the edge's delivery hub and the one chat core."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from .advisor import SURFACE

routes = SurfaceRoutes(SURFACE)
