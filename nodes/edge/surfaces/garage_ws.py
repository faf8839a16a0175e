"""Membership Auto (004): its live endpoint(s) (ws), on the edge's delivery hub and the one chat core."""

from __future__ import annotations

from nodes.edge.http import SurfaceRoutes

from .garage import SURFACE

routes = SurfaceRoutes(SURFACE)
