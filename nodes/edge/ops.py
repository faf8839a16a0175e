"""Operator endpoints: readiness (NATS and every worker domain) and Prometheus metrics."""

from __future__ import annotations

import asyncio

from aiohttp import web
from pydantic import BaseModel

from nodes.runtime.metrics import metrics_handler
from protocols import subjects
from protocols.envelope import DomainError, decode_reply
from protocols.system import Pong

from .http import Surface, SurfaceRoutes, json_response
from .state import BUS, NODE_NAME, SETTINGS

OPS = Surface(name="ops", title="Operations")
routes = SurfaceRoutes(OPS)

PING_TIMEOUT_S = 1.0


class DomainReadiness(BaseModel):
    ready: bool
    instance: str | None = None
    error: str | None = None


class Readiness(BaseModel):
    ready: bool
    node: str
    nats: bool
    domains: dict[str, DomainReadiness]


async def _ping(request: web.Request, domain: str) -> DomainReadiness:
    try:
        raw = await request.app[BUS].request_raw(
            subjects.ping(domain), b"", timeout=PING_TIMEOUT_S, wait_for_worker=False
        )
        pong = decode_reply(raw, Pong)
    except DomainError as exc:
        return DomainReadiness(ready=False, error=exc.message)
    return DomainReadiness(ready=True, instance=pong.instance)


@routes.get("/ready", responses={200: Readiness, 503: Readiness})
async def ready(request: web.Request) -> web.Response:
    """Whether this edge can serve: NATS is connected and every worker domain answers."""
    bus = request.app[BUS]
    domains = request.app[SETTINGS].workers.domains
    answers = await asyncio.gather(*(_ping(request, d) for d in domains)) if bus.is_connected else []
    states = {d: a for d, a in zip(domains, answers)} or {
        d: DomainReadiness(ready=False, error="nats disconnected") for d in domains
    }
    result = Readiness(
        ready=bus.is_connected and all(s.ready for s in states.values()),
        node=request.app[NODE_NAME],
        nats=bus.is_connected,
        domains=states,
    )
    return json_response(result, status=200 if result.ready else 503)


@routes.get("/metrics", responses={200: None}, content_type="text/plain")
async def metrics(request: web.Request) -> web.Response:
    """Prometheus metrics of this edge."""
    return await metrics_handler(request)
