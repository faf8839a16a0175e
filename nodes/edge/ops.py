"""Operator endpoints on the public port: readiness (NATS, every worker domain, and the KV buckets
each domain keeps its state in).

Prometheus metrics are not here: they tell anyone the traffic and internals, so an edge serves them on
a listener of its own (`[edge] metrics_port`, see server.py).
"""

from __future__ import annotations

import asyncio

import nats.errors
from aiohttp import web
from pydantic import BaseModel

from nodes.runtime.buckets import Leaderless
from nodes.runtime.bus import Bus
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


async def _bucket_fault(bus: Bus, config: BucketConfig) -> str | None:
    """What keeps a bucket from serving, or None. Finding it missing re-creates it, and a stream that
    regains its leader answers again, so a later probe sees the domain ready by itself."""
    try:
        async with asyncio.timeout(PING_TIMEOUT_S):
            present = await bus.bucket(config).check()
    except TimeoutError:
        return f"KV bucket {config.name} did not answer within {PING_TIMEOUT_S:g}s"
    except (nats.errors.Error, Leaderless) as exc:
        return f"KV bucket {config.name} unreachable: {exc}"
    return None if present else f"KV bucket {config.name} was lost; re-created"


async def _ping(bus: Bus, domain: str) -> Pong | str:
    try:
        raw = await bus.request_raw(subjects.ping(domain), b"", timeout=PING_TIMEOUT_S, wait_for_worker=False)
    except DomainError as exc:
        return exc.message
    return decode_reply(raw, Pong)


async def _domain(bus: Bus, settings: Settings, domain: str) -> DomainReadiness:
    """The domain's ping and one STREAM.INFO per bucket it keeps state in, all at once."""
    buckets = _state_in_nats(settings).get(domain, ())
    pong, faults = await asyncio.gather(
        _ping(bus, domain), asyncio.gather(*(_bucket_fault(bus, config) for config in buckets))
    )
    if isinstance(pong, str):
        return DomainReadiness(ready=False, error=pong)
    error = "; ".join(fault for fault in faults if fault) or None
    return DomainReadiness(ready=error is None, instance=pong.instance, error=error)


@routes.get("/ready", responses={200: Readiness, 503: Readiness})
async def ready(request: web.Request) -> web.Response:
    """Whether this edge can serve: NATS is connected, every worker domain answers, and the state
    each keeps in NATS is there."""
    bus = request.app[BUS]
    settings = request.app[SETTINGS]
    domains = settings.workers.domains
    answers = await asyncio.gather(*(_domain(bus, settings, d) for d in domains)) if bus.is_connected else []
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
