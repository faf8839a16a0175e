"""Scheduled jobs run only on the lease holder: a follower's firing publishes nothing at all."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from nats.aio.msg import Msg
from prometheus_client import REGISTRY

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings, load_settings
from protocols.envelope import Actor, decode_request, encode_reply
from protocols.identity import PurgeExpiredSessions, SessionsPurged
from scheduler.app import SchedulerApp
from scheduler.lease import LeaderLease

TTL = 1.2
# For tests that never wait for a lease to expire: a loaded machine cannot make the holder miss a renewal.
LONG_TTL = 10.0
JOB = "purge_expired_sessions"


def scheduler_settings(interval_s: float = 3600.0, ttl_s: float = TTL) -> Settings:
    base = load_settings(environ={})
    return replace(
        base, scheduler=replace(base.scheduler, lease_ttl_s=ttl_s, session_purge_interval_s=interval_s)
    )


def runs(outcome: str) -> float:
    return REGISTRY.get_sample_value("souk_scheduler_job_runs_total", {"job": JOB, "outcome": outcome}) or 0.0


class FakeIdentity:
    """Stands in for the identity worker on a raw subscription: counts the purges and answers them."""

    def __init__(self) -> None:
        self.actors: list[Actor | None] = []

    async def answer(self, msg: Msg) -> None:
        self.actors.append(decode_request(msg.data).actor)
        await msg.respond(encode_reply(SessionsPurged(deleted=0)))


@pytest.fixture
async def identity(buses: list[Bus]) -> FakeIdentity:
    fake = FakeIdentity()
    await buses[2].nc.subscribe(PurgeExpiredSessions.subject, cb=fake.answer)
    await buses[2].nc.flush()
    return fake


async def test_only_the_holder_sends_the_command(buses: list[Bus], identity: FakeIdentity) -> None:
    settings = scheduler_settings(ttl_s=LONG_TTL)
    leader = SchedulerApp(buses[0], settings, holder_id="leader")
    follower = SchedulerApp(buses[1], settings, holder_id="follower")
    await leader.start()
    await follower.start()
    try:
        assert leader.lease.held and not follower.lease.held
        skipped = runs("not_leader")
        await follower.tick(JOB)
        await buses[1].nc.flush()  # had it published anything, the server would have it by now
        assert runs("not_leader") == skipped + 1

        ok = runs("ok")
        await leader.tick(JOB)  # returns once the fake identity answered
        assert identity.actors == [Actor.system()]
        assert runs("ok") == ok + 1

        assert await follower.run_job_now(JOB) == "ok"  # an operator's run ignores the lease
        assert len(identity.actors) == 2
    finally:
        await follower.stop()
        await leader.stop()


async def test_scheduled_firings_publish_nothing_until_the_lease_is_gained(
    buses: list[Bus], identity: FakeIdentity
) -> None:
    other = LeaderLease(buses[0], ttl_s=TTL, holder_id="other")
    await other.start()
    app = SchedulerApp(buses[1], scheduler_settings(interval_s=0.2), holder_id="app")
    skipped = runs("not_leader")
    await app.start()
    try:
        await asyncio.sleep(1.0)  # about five firings while another replica holds the lease
        assert runs("not_leader") >= skipped + 2
        assert identity.actors == []

        await other.stop()
        await asyncio.wait_for(app.lease.gained.wait(), timeout=2 * TTL)
        async with asyncio.timeout(5.0):
            while not identity.actors:
                await asyncio.sleep(0.02)
        assert set(identity.actors) == {Actor.system()}
    finally:
        await app.stop()


async def test_stopping_during_a_run_logs_no_crash(
    buses: list[Bus], caplog: pytest.LogCaptureFixture
) -> None:
    """A run still waiting for its worker when the scheduler stops is cancelled quietly: a stop is not
    a crash (APScheduler logs a cancelled run at ERROR, with a traceback)."""
    started = asyncio.Event()

    async def never_answers(_msg: Msg) -> None:
        started.set()  # and never respond: the run waits on its request

    await buses[2].nc.subscribe(PurgeExpiredSessions.subject, cb=never_answers)
    await buses[2].nc.flush()
    app = SchedulerApp(buses[0], scheduler_settings(interval_s=0.2), holder_id="stopping")
    await app.start()
    await asyncio.wait_for(started.wait(), 10)
    await app.stop()
    await asyncio.sleep(0.05)  # the executor's done-callback runs on the next loop iterations
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []
