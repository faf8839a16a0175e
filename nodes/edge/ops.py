"""Operator endpoints on the public port: readiness (NATS and every worker domain).

Prometheus metrics are not here: they tell anyone the traffic and internals, so an edge serves them on
a listener of its own (`[edge] metrics_port`, see server.py).
"""

from __future__ import annotations

import asyncio

import nats.errors
from aiohttp import web
from pydantic import BaseModel

from nodes.runtime.settings import Settings
from protocols import subjects
from protocols.envelope import DomainError, decode_reply
from protocols.subjects import BucketConfig
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


def _state_in_nats(settings: Settings) -> dict[str, tuple[BucketConfig, ...]]:
    """The KV buckets without which a domain cannot do its work."""
    return {
        "presence": (subjects.presence_bucket(settings.presence.ttl_s), subjects.PRESENCE_STATE),
        "identity": (subjects.AUTH_KEYS, subjects.revoked_sessions_bucket(settings.auth.revocation_ttl_s)),
    }


async def _lost_state(request: web.Request, domain: str) -> str | None:
    """Which of the domain's buckets NATS had lost (a nats-server restart loses in-memory ones).
    Finding one missing re-creates it, so a later probe sees the domain ready again."""
    bus, settings = request.app[BUS], request.app[SETTINGS]
    lost = []
    for config in _state_in_nats(settings).get(domain, ()):
        try:
            if not await bus.bucket(config).check():
                lost.append(config.name)
        except (nats.errors.Error, TimeoutError) as exc:
            return f"KV bucket {config.name} unreachable: {exc}"
    return f"KV bucket {', '.join(lost)} was lost; re-created" if lost else None


async def _ping(request: web.Request, domain: str) -> DomainReadiness:
    try:
        raw = await request.app[BUS].request_raw(
            subjects.ping(domain), b"", timeout=PING_TIMEOUT_S, wait_for_worker=False
        )
        pong = decode_reply(raw, Pong)
    except DomainError as exc:
        return DomainReadiness(ready=False, error=exc.message)
    lost = await _lost_state(request, domain)
    return DomainReadiness(ready=lost is None, instance=pong.instance, error=lost)


@routes.get("/ready", responses={200: Readiness, 503: Readiness})
async def ready(request: web.Request) -> web.Response:
    """Whether this edge can serve: NATS is connected, every worker domain answers, and the state
    each keeps in NATS is there."""
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
