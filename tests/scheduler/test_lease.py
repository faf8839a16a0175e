"""The leader lease over NATS KV: one holder at a time, handed over when the holder dies or leaves."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import pytest

from nodes.runtime.bus import Bus
from protocols.subjects import SCHEDULER_LEASE_BUCKET
from scheduler.lease import LeaderLease

TTL = 1.2


async def wait_until(condition: Callable[[], bool], timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def crash(lease: LeaderLease, bus: Bus) -> None:
    """Die as a process would: no more renewals, no release, connection gone."""
    assert lease._task is not None
    lease._task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await lease._task
    await bus.nc.close()


class Sampler:
    """Counts holders every few milliseconds in the background; remembers the most at once."""

    def __init__(self, leases: list[LeaderLease]) -> None:
        self.leases = leases
        self.most = 0
        self.samples = 0
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            self.most = max(self.most, sum(lease.held for lease in self.leases))
            self.samples += 1
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def test_never_two_holders_through_a_clean_handover_and_a_crash(buses: list[Bus]) -> None:
    leases = [LeaderLease(bus, ttl_s=TTL, holder_id=f"s{i}") for i, bus in enumerate(buses)]
    for lease in leases:
        await lease.start()
    sampler = Sampler(leases)
    try:
        assert [lease.held for lease in leases] == [True, False, False]  # the first to start won
        await asyncio.sleep(2 * TTL)  # several renewals: it stays with the first
        assert [lease.held for lease in leases] == [True, False, False]

        await leases[0].stop()
        await wait_until(lambda: any(lease.held for lease in leases[1:]), timeout=2 * TTL)
        holder = next(i for i in (1, 2) if leases[i].held)

        await crash(leases[holder], buses[holder])
        survivor = 3 - holder
        await wait_until(lambda: leases[survivor].held, timeout=3 * TTL)
        await asyncio.sleep(TTL)
    finally:
        await sampler.stop()
        for lease in leases:
            await lease.stop()
    assert sampler.samples > 100
    assert sampler.most == 1


async def test_the_lease_passes_over_when_the_holder_dies(buses: list[Bus]) -> None:
    first = LeaderLease(buses[0], ttl_s=TTL, holder_id="first")
    second = LeaderLease(buses[1], ttl_s=TTL, holder_id="second")
    await first.start()
    await second.start()
    assert first.held and not second.held
    await crash(first, buses[0])
    kv = await buses[1].kv(SCHEDULER_LEASE_BUCKET)
    assert (await kv.get("leader")).value == b"first"  # nobody released it
    assert not second.held  # and nobody takes it before it expires
    await wait_until(lambda: second.held, timeout=2 * TTL + 0.5)
    assert (await kv.get("leader")).value == b"second"
    await second.stop()
    await first.stop()  # its connection is gone: a no-op that must not raise


async def test_a_clean_stop_hands_over_at_once(buses: list[Bus]) -> None:
    first = LeaderLease(buses[0], ttl_s=TTL, holder_id="first")
    second = LeaderLease(buses[1], ttl_s=TTL, holder_id="second")
    await first.start()
    await second.start()
    await first.stop()
    assert not first.held and first.lost.is_set()
    # The key is gone, so the next attempt (every TTL/3) wins: well before the key could have expired.
    await asyncio.wait_for(second.gained.wait(), timeout=TTL)
    assert second.held
    await second.stop()


async def test_a_holder_that_cannot_renew_stops_acting(buses: list[Bus]) -> None:
    changes: list[bool] = []
    lease = LeaderLease(buses[0], ttl_s=TTL, holder_id="cut-off", on_change=changes.append)
    await lease.start()
    assert lease.held and changes == [True]
    await buses[0].nc.close()  # partitioned: every renewal fails from now on
    await wait_until(lambda: not lease.held, timeout=TTL + 0.5)
    await asyncio.wait_for(lease.lost.wait(), timeout=TTL)
    assert changes == [True, False]
    await lease.stop()
    assert changes == [True, False]


async def test_a_stopped_holder_can_take_the_lease_again(buses: list[Bus]) -> None:
    lease = LeaderLease(buses[0], ttl_s=TTL, holder_id="again")
    await lease.start()
    await lease.stop()
    await lease.start()  # over the delete marker its stop left behind
    assert lease.held
    await lease.stop()


async def test_the_bucket_ttl_is_the_one_every_holder_uses(buses: list[Bus]) -> None:
    await buses[0].kv(SCHEDULER_LEASE_BUCKET, ttl=TTL)  # created earlier with another setting
    lease = LeaderLease(buses[1], ttl_s=30.0)
    await lease.start()
    assert lease.ttl_s == pytest.approx(TTL)
    await lease.stop()
