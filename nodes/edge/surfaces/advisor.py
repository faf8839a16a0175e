"""Car advisor (AI car-selection chat) (seeds/002): its REST surface."""

from __future__ import annotations

from nodes.edge.http import Surface, SurfaceRoutes

SURFACE = Surface(name="advisor", title="Car advisor (AI car-selection chat)")
routes = SurfaceRoutes(SURFACE)
