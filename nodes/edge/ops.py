"""Operator endpoints on the public port: readiness (NATS, every worker domain, and the KV buckets
each domain keeps its state in).

Prometheus metrics are not here: they tell anyone the traffic and internals, so an edge serves them on
a listener of its own (`[edge] metrics_port`, see server.py).
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from .http import Surface, SurfaceRoutes, json_response
from .readiness import DomainReadiness, domains_ready
from .state import BUS, NODE_NAME, SETTINGS

OPS = Surface(name="ops", title="Operations")
routes = SurfaceRoutes(OPS)


class Readiness(BaseModel):
    ready: bool
    node: str
    nats: bool
    domains: dict[str, DomainReadiness]


@routes.get("/ready", responses={200: Readiness, 503: Readiness})
async def ready(request: web.Request) -> web.Response:
    """Whether this edge can serve: NATS is connected, every worker domain answers, and the state
    each keeps in NATS is there."""
    bus = request.app[BUS]
    settings = request.app[SETTINGS]
    domains = settings.workers.domains
    states = await domains_ready(bus, settings, domains)
    result = Readiness(
        ready=bus.is_connected and all(s.ready for s in states.values()),
        node=request.app[NODE_NAME],
        nats=bus.is_connected,
        domains=states,
    )
    return json_response(result, status=200 if result.ready else 503)
