"""MillionAvto (car classifieds) (seeds/000): its REST surface."""

from __future__ import annotations

from nodes.edge.http import Surface, SurfaceRoutes

SURFACE = Surface(name="autos", title="MillionAvto (car classifieds)")
routes = SurfaceRoutes(SURFACE)
