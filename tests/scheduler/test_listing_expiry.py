"""Listing expiry as the scheduler sends it (`ExpireAds` over NATS, as the system), on both databases:
two market workers taking runs at once expire each ad and tell its owner once; a run expires one
bounded batch and says whether more are due; notices wait while no notify worker answers; only the
system may send it; one scheduled firing sends batch after batch until none is due."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

import pytest

from nodes.runtime.settings import Settings
from protocols import market as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.identity import Register
from protocols.notify import ListNotifications
from scheduler.app import SchedulerApp
from tests.conftest import Cluster
from tests.support.ads import lifetime_over
from tests.support.workers import more_workers

pytestmark = pytest.mark.domains("identity", "catalog", "market", "notify")

BATCH = 3
SYSTEM = Actor.system()


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    return lambda settings: replace(settings, market=replace(settings.market, expiry_batch=BATCH))


async def seller(cluster: Cluster, email: str) -> Actor:
    registered = await cluster.worker_bus.request(Register(email=email, password="SecurePass123!"))
    return Actor(user_id=registered.user.id, role=Role.USER)


async def active_ads(cluster: Cluster, owner: Actor, count: int) -> list[int]:
    ids = []
    for n in range(count):
        ad = await cluster.worker_bus.request(
            wire.CreateAd(category_id=1, title=f"Lada Vesta {n}", price=900_000), actor=owner
        )
        await cluster.worker_bus.request(
            wire.ModerateAd(ad_id=ad.id, decision=wire.ModerationDecision.APPROVE), actor=SYSTEM
        )
        ids.append(ad.id)
    return ids


async def time_passes(cluster: Cluster, ad_ids: list[int]) -> None:
    await lifetime_over(cluster.settings.database.url, ad_ids)


async def told(cluster: Cluster, owner: Actor) -> list[int]:
    """The ids of the ads its owner was told expired, as often as he was told."""
    page = await cluster.worker_bus.request(ListNotifications(limit=100), actor=owner)
    return sorted(n.payload["ad_id"] for n in page.items if n.type == wire.AD_EXPIRED)


async def test_two_market_workers_expire_and_notify_each_ad_once(cluster: Cluster) -> None:
    owners = [await seller(cluster, f"seller{i}@example.com") for i in range(2)]
    ads = {owner: await active_ads(cluster, owner, 5) for owner in owners}
    due = {owner: ids[:4] for owner, ids in ads.items()}  # one of each stays within its lifetime
    await time_passes(cluster, [i for ids in due.values() for i in ids])
    expired = notified = 0
    async with more_workers(cluster.settings, "market"):
        while True:  # rounds of runs at once, spread over both workers, until one finds nothing due
            runs = await asyncio.gather(
                *(cluster.worker_bus.request(wire.ExpireAds(), actor=SYSTEM) for _ in range(4))
            )
            expired += sum(run.expired for run in runs)
            notified += sum(run.notified for run in runs)
            assert all(run.more for run in runs if run.expired == BATCH)  # a full batch: maybe more
            if not any(run.more for run in runs):  # nothing due, no notice left (as a firing goes on)
                break
    # Runs at once send the same queued notices; notify gives each owner one notification of a key.
    # A run counts the ones it gave first, so a reply that came too late counts for none: at most 8.
    assert expired == 8 and 0 < notified <= 8
    for owner in owners:
        assert await told(cluster, owner) == sorted(due[owner])
        for ad_id in ads[owner]:
            seen = await cluster.worker_bus.request(wire.GetAd(ad_id=ad_id), actor=owner)
            assert seen.status == ("expired" if ad_id in due[owner] else "active")


async def test_one_scheduled_firing_goes_on_batch_after_batch_until_none_is_due(cluster: Cluster) -> None:
    owner = await seller(cluster, "seller@example.com")
    ads = await active_ads(cluster, owner, 3 * BATCH)
    due = ads[: 3 * BATCH - 1]  # more than two full batches, the last one not full
    await time_passes(cluster, due)
    assert await SchedulerApp(cluster.worker_bus, cluster.settings).run_job_now("expire_listings") == "ok"
    assert await told(cluster, owner) == sorted(due)
    seen = await cluster.worker_bus.request(wire.GetAd(ad_id=ads[-1]), actor=owner)
    assert seen.status == "active"


@pytest.mark.domains("identity", "catalog", "market")
async def test_notices_wait_while_no_notify_worker_answers(cluster: Cluster) -> None:
    owner = await seller(cluster, "seller@example.com")
    ads = await active_ads(cluster, owner, 2)
    await time_passes(cluster, ads)
    run = await cluster.worker_bus.request(wire.ExpireAds(), actor=SYSTEM)
    assert (run.expired, run.notified, run.more) == (2, 0, False)
    async with more_workers(cluster.settings, "notify"):
        later = await cluster.worker_bus.request(wire.ExpireAds(), actor=SYSTEM)
        assert (later.expired, later.notified) == (0, 2)
        assert await told(cluster, owner) == sorted(ads)
        again = await cluster.worker_bus.request(wire.ExpireAds(), actor=SYSTEM)
        assert (again.expired, again.notified) == (0, 0)


async def test_only_the_system_expires_ads(cluster: Cluster) -> None:
    owner = await seller(cluster, "seller@example.com")
    for someone in (owner, Actor(user_id=owner.user_id, role=Role.ADMIN), None):
        with pytest.raises(DomainError) as refused:
            await cluster.worker_bus.request(wire.ExpireAds(), actor=someone)
        assert refused.value.code is ErrorCode.FORBIDDEN
