"""Scheduled work end to end: the leader's job publishes a command and the identity worker purges."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from nodes.runtime.bus import Bus
from scheduler.app import SchedulerApp
from storage.engine import create_engine, session_factory
from storage.models.identity import Session, User
from tests.conftest import Cluster

pytestmark = pytest.mark.domains("identity")


async def seed_sessions(database_url: str) -> None:
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    async with session_factory(engine)() as db:
        user = User(username="sam", username_normalized="sam")
        db.add(user)
        await db.flush()
        db.add_all(
            [
                Session(user_id=user.id, expires_at=now - timedelta(days=1)),
                Session(user_id=user.id, expires_at=now - timedelta(seconds=1)),
                Session(user_id=user.id, expires_at=now + timedelta(days=7)),
                Session(user_id=user.id, expires_at=now + timedelta(days=7), revoked_at=now),
            ]
        )
        await db.commit()
    await engine.dispose()


async def count_sessions(database_url: str) -> int:
    engine = create_engine(database_url)
    async with session_factory(engine)() as db:
        count = await db.scalar(select(func.count()).select_from(Session))
    await engine.dispose()
    return int(count or 0)


async def test_only_the_leader_runs_the_purge_and_the_worker_does_it(cluster: Cluster) -> None:
    url = cluster.settings.database.url
    await seed_sessions(url)
    settings = replace(cluster.settings, scheduler=replace(cluster.settings.scheduler, lease_ttl_s=5.0))
    buses = [await Bus.connect(cluster.settings.nats.url, name=f"scheduler-{i}") for i in range(2)]
    leader, follower = SchedulerApp(buses[0], settings), SchedulerApp(buses[1], settings)
    await leader.start()
    await follower.start()
    try:
        assert leader.lease.held and not follower.lease.held
        await follower.tick("purge_expired_sessions")
        assert await count_sessions(url) == 4  # the follower sent nothing
        await leader.tick("purge_expired_sessions")
        assert await count_sessions(url) == 2  # both expired gone; the live and the revoked one stay
    finally:
        await follower.stop()
        await leader.stop()
        for bus in buses:
            await bus.close()
