"""One module per contract; each exposes `routes` (a SurfaceRoutes)."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from . import advisor, autos, barter, garage, realty

ALL: tuple[SurfaceRoutes, ...] = (autos.routes, barter.routes, advisor.routes, realty.routes, garage.routes)
