"""Rate limits are shared through NATS KV: two processes count against one limit."""

from __future__ import annotations

import asyncio

import pytest

from nodes.runtime.bus import Bus
from nodes.runtime.embedded_nats import EmbeddedNats
from nodes.runtime.ratelimit import RateLimiter, Rule
from protocols.envelope import DomainError, ErrorCode

RULE = Rule("test_login", limit=5, window_s=60)


async def test_a_limit_is_shared_by_every_process(nats_server: EmbeddedNats) -> None:
    buses = [await Bus.connect(nats_server.url, name=f"p{i}") for i in range(2)]
    try:
        limiters = [RateLimiter(bus) for bus in buses]
        outcomes = await asyncio.gather(
            *(limiters[i % 2].hit(RULE, "10.0.0.1") for i in range(12)), return_exceptions=True
        )
        refused = [o for o in outcomes if isinstance(o, DomainError)]
        assert len(refused) == 7  # exactly 5 of 12 got through, across both processes
        assert all(e.code is ErrorCode.RATE_LIMITED and 0 < e.details["retry_after"] <= 60 for e in refused)
        await limiters[0].hit(RULE, "10.0.0.2")  # another client has its own budget
        with pytest.raises(DomainError):
            await limiters[1].hit(RULE, "10.0.0.1")
    finally:
        for bus in buses:
            await bus.close()
