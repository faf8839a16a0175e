"""FreeMarket (seeds/001): its health endpoints."""

from __future__ import annotations

from aiohttp import web

from nodes.edge.http import SurfaceRoutes, json_response

from .errors import SURFACE
from .shapes import HealthOut, RootOut

routes = SurfaceRoutes(SURFACE)


@routes.get("/health", responses={200: HealthOut})
async def health(_request: web.Request) -> web.Response:
    """Check if API is running."""
    return json_response(HealthOut(status="ok", message="FreeMarket API is running"))


@routes.get("/", responses={200: RootOut})
async def root(_request: web.Request) -> web.Response:
    """Root API information."""
    return json_response(RootOut(message="FreeMarket API", version="1.0.0"))
