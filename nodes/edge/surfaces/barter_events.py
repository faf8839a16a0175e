"""FreeMarket (001): its live endpoint(s) (events), on the edge's delivery hub and the one chat core."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from .barter import SURFACE

routes = SurfaceRoutes(SURFACE)
