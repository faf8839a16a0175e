"""The leader lease over NATS KV: one holder at a time, handed over when the holder dies or leaves."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from nodes.runtime.bus import Bus
from nodes.runtime.embedded_nats import EmbeddedNats
from scheduler.lease import LeaderLease

TTL = 1.2


@pytest.fixture
async def buses(nats_server: EmbeddedNats) -> AsyncIterator[list[Bus]]:
    opened = [await Bus.connect(nats_server.url, name=f"scheduler-{i}") for i in range(2)]
    yield opened
    for bus in opened:
        await bus.close()


async def wait_until(condition: object, timeout: float) -> float:
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not condition():  # type: ignore[operator]
        if loop.time() - started > timeout:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)
    return loop.time() - started


async def crash(lease: LeaderLease, bus: Bus) -> None:
    """Die as a process would: no renewal, no release, connection gone."""
    assert lease._task is not None
    lease._task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await lease._task
    await bus.nc.close()


async def test_exactly_one_holder_at_a_time(buses: list[Bus]) -> None:
    leases = [LeaderLease(bus, ttl_s=TTL, holder_id=f"s{i}") for i, bus in enumerate(buses)]
    for lease in leases:
        await lease.start()
    for _ in range(150):  # about three TTLs of samples
        assert sum(lease.held for lease in leases) == 1
        await asyncio.sleep(0.025)
    for lease in leases:
        await lease.stop()


async def test_the_lease_passes_over_when_the_holder_dies(buses: list[Bus]) -> None:
    first = LeaderLease(buses[0], ttl_s=TTL, holder_id="first")
    await first.start()
    second = LeaderLease(buses[1], ttl_s=TTL, holder_id="second")
    await second.start()
    assert first.held and not second.held
    await crash(first, buses[0])
    took = await wait_until(lambda: second.held, timeout=3 * TTL)
    assert took > TTL / 3  # it waited for the dead holder's key to expire, not a moment less
    await second.stop()


async def test_a_clean_stop_hands_over_at_once(buses: list[Bus]) -> None:
    first = LeaderLease(buses[0], ttl_s=TTL, holder_id="first")
    await first.start()
    second = LeaderLease(buses[1], ttl_s=TTL, holder_id="second")
    await second.start()
    await first.stop()
    assert not first.held
    await wait_until(lambda: second.held, timeout=TTL)
    await second.stop()


async def test_a_holder_that_cannot_renew_stops_acting(buses: list[Bus]) -> None:
    lease = LeaderLease(buses[0], ttl_s=TTL, holder_id="cut-off")
    await lease.start()
    assert lease.held
    await buses[0].nc.close()  # partitioned: renewals fail from now on
    await wait_until(lambda: not lease.held, timeout=TTL + 0.5)
    await lease.stop()
