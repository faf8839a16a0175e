"""Whether the worker domains can serve, as the edge sees it: each domain's ping, and the KV buckets
it keeps its state in. The edge's `/ready` asks it of every domain; the console's dashboard shows it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import nats.errors
from pydantic import BaseModel

from nodes.runtime.buckets import Leaderless
from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from protocols import subjects
from protocols.envelope import DomainError, decode_reply
from protocols.subjects import BucketConfig
from protocols.system import Pong

PING_TIMEOUT_S = 1.0


class DomainReadiness(BaseModel):
    ready: bool
    instance: str | None = None
    error: str | None = None


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


async def domain_ready(bus: Bus, settings: Settings, domain: str) -> DomainReadiness:
    """The domain's ping and one STREAM.INFO per bucket it keeps state in, all at once."""
    buckets = _state_in_nats(settings).get(domain, ())
    pong, faults = await asyncio.gather(
        _ping(bus, domain), asyncio.gather(*(_bucket_fault(bus, config) for config in buckets))
    )
    if isinstance(pong, str):
        return DomainReadiness(ready=False, error=pong)
    error = "; ".join(fault for fault in faults if fault) or None
    return DomainReadiness(ready=error is None, instance=pong.instance, error=error)


async def domains_ready(bus: Bus, settings: Settings, domains: Sequence[str]) -> dict[str, DomainReadiness]:
    """Each domain's readiness, all asked at once; every one not ready while NATS is disconnected."""
    if not bus.is_connected:
        return {d: DomainReadiness(ready=False, error="nats disconnected") for d in domains}
    answers = await asyncio.gather(*(domain_ready(bus, settings, d) for d in domains))
    return dict(zip(domains, answers, strict=True))
