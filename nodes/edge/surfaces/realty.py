"""Realty (seeds/003): its REST surface."""

from __future__ import annotations

from nodes.edge.http import Surface, SurfaceRoutes

SURFACE = Surface(name="realty", title="Realty")
routes = SurfaceRoutes(SURFACE)
