"""Membership Auto (car service membership) (seeds/004): its REST surface."""

from __future__ import annotations

from nodes.edge.http import Surface, SurfaceRoutes

SURFACE = Surface(name="garage", title="Membership Auto (car service membership)")
routes = SurfaceRoutes(SURFACE)
