"""A limiter whose bucket does not answer counts in its own process until the bucket is back, so
sign-in goes on through an outage and a limit still refuses past its count."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest

from nodes.runtime.bus import Bus
from nodes.runtime.embedded_nats import EmbeddedNats
from nodes.runtime.ratelimit import LocalWindows, RateLimiter, Rule
from protocols import subjects
from protocols.envelope import DomainError, ErrorCode
from tests.support.eventually import until
from tests.support.nats_cluster import nats_cluster

# Many processes or a NATS cluster each: one such module at a time (make test's --dist loadgroup).
pytestmark = [pytest.mark.xdist_group("processes"), pytest.mark.database_agnostic]

# The longest window a limiter keeps: a test this short hardly ever crosses into the next one.
RULE = Rule("test_outage", limit=3, window_s=subjects.RATE_LIMIT_MAX_WINDOW_S)
ONCE = Rule("test_shared", limit=1, window_s=subjects.RATE_LIMIT_MAX_WINDOW_S)
BACK_WITHIN_S = 30.0


async def answered_in_time(limiter: RateLimiter, rule: Rule, who: str) -> bool:
    """One hit, which must be answered (counted or refused) within a request's timeout; whether it
    was let through."""
    async with asyncio.timeout(limiter.bus.request_timeout):
        try:
            await limiter.hit(rule, who)
        except DomainError as refused:
            assert refused.code is ErrorCode.RATE_LIMITED
            return False
    return True


async def limit_holds(limiter: RateLimiter, who: str) -> None:
    """`RULE`'s count lets exactly its limit through, then refuses."""
    outcomes = [await answered_in_time(limiter, RULE, who) for _ in range(RULE.limit + 2)]
    assert outcomes == [True] * RULE.limit + [False, False]


async def counted_together(first: RateLimiter, second: RateLimiter) -> bool:
    """Whether a hit through `first` counts against `second`, as only the shared bucket makes it."""
    who = uuid.uuid4().hex
    return await answered_in_time(first, ONCE, who) and not await answered_in_time(second, ONCE, who)


async def test_a_stopped_nats_server_leaves_limits_counting_in_the_process(nats_server: EmbeddedNats) -> None:
    buses = [await Bus.connect(nats_server.url, name=f"p{i}") for i in range(2)]
    try:
        limiter, other = (RateLimiter(bus, probe_every_s=0.5) for bus in buses)
        assert await counted_together(limiter, other)

        await nats_server.stop()
        try:
            await limit_holds(limiter, "10.0.0.1")
            assert not limiter.shared
        finally:
            await nats_server.start()  # nats-py cannot close a connection with requests pending
        await until(
            lambda: counted_together(limiter, other), within_s=BACK_WITHIN_S, what="bucket shared again"
        )
        assert limiter.shared
        # What the process counted alone still counts in its window.
        assert not await answered_in_time(limiter, RULE, "10.0.0.1")
    finally:
        for bus in buses:
            await bus.close()


async def test_sign_in_limits_hold_while_the_buckets_node_is_down(tmp_path: Path) -> None:
    async with nats_cluster(tmp_path) as cluster:
        buses = [await Bus.connect(cluster.url, name=f"p{i}") for i in range(2)]
        try:
            limiter, other = RateLimiter(buses[0]), RateLimiter(buses[1])
            assert await counted_together(limiter, other)  # the bucket exists, on one node
            stream = f"KV_{subjects.RATE_LIMIT_BUCKET}"
            info = await buses[0].jetstream.stream_info(stream)
            assert info.config.num_replicas in (None, 1)
            node = await cluster.node_leading(buses[0].jetstream, stream)

            cluster.kill(node)
            await limit_holds(limiter, "10.0.0.1")
            await limit_holds(other, "10.0.0.2")
            assert not limiter.shared and not other.shared

            await cluster.restart(node)
            await until(
                lambda: counted_together(limiter, other), within_s=BACK_WITHIN_S, what="bucket shared again"
            )
        finally:
            for bus in buses:
                await bus.close()


def test_local_windows_are_bounded_and_forget_ended_ones() -> None:
    windows = LocalWindows(max_windows=3)
    now = time.time()
    windows.add("ended", now - 1)
    assert windows.count("ended") == 0  # its window is over
    for key in "abcd":
        windows.add(key, now + 60)
    assert len(windows) == 3 and windows.count("a") == 0  # the oldest went first
    assert windows.add("d", now + 60) == 2
