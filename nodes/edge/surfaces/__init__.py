"""One module per contract; each exposes `routes` (a SurfaceRoutes)."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from . import barter

ALL: tuple[SurfaceRoutes, ...] = (barter.routes,)
