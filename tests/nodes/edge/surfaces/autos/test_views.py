"""MillionAvto (000) ad views through HTTP, on both databases: each view is decided exactly (once per
viewer per day) while the ad's counter is written in batches, when a worker holds enough views or
stops cleanly; never one counter update per view. The flush interval is an hour here, so only those
two write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from nodes.runtime.settings import Settings
from protocols.envelope import Actor, Role
from protocols.market import ModerateAd, ModerationDecision
from storage.engine import create_engine, session_factory
from storage.models.market import Listing
from tests.conftest import Cluster
from tests.support.eventually import until
from tests.support.http import User, bearer, json_of

pytestmark = pytest.mark.domains("identity", "catalog", "market")

ADS = "/api/v1/ads/"
MODERATOR = Actor(user_id=0, role=Role.SYSTEM)
BATCH = 5  # views a worker holds before it writes them


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    def batched(settings: Settings) -> Settings:
        market = replace(settings.market, view_flush_interval_s=3600.0, view_flush_max=BATCH)
        return replace(settings, market=market)

    return batched


async def active_ad(cluster: Cluster) -> dict[str, Any]:
    out = await json_of(
        await cluster.edge_a.post(
            "/api/v1/auth/register", json={"email": "owner@example.com", "password": "SecurePass123!"}
        ),
        201,
    )
    owner = User(id=out["user"]["id"], headers=bearer(out["access_token"]))
    body = {"category_id": 1, "title": "Toyota Camry 2019", "price": 2_100_000}
    ad = await json_of(await cluster.edge_a.post(ADS, json=body, headers=owner.headers), 201)
    await cluster.worker_bus.request(
        ModerateAd(ad_id=ad["id"], decision=ModerationDecision.APPROVE), actor=MODERATOR
    )
    return ad  # type: ignore[no-any-return]


def viewer(cluster: Cluster, n: int) -> dict[str, str]:
    return bearer(cluster.signer.token(1000 + n))  # a distinct signed-in viewer each


async def view(cluster: Cluster, ad_id: int, headers: dict[str, str]) -> dict[str, Any]:
    return await json_of(await cluster.edge_b.post(f"{ADS}{ad_id}/view", headers=headers), 200)  # type: ignore[no-any-return]


async def shown(cluster: Cluster, ad_id: int) -> int:
    return (await json_of(await cluster.edge_a.get(f"{ADS}{ad_id}"), 200))["views_count"]  # type: ignore[no-any-return]


async def stored(cluster: Cluster, ad_id: int) -> int:
    engine = create_engine(cluster.settings.database.url)
    try:
        async with session_factory(engine)() as db:
            return int(await db.scalar(select(Listing.views_count).where(Listing.id == ad_id)) or 0)
    finally:
        await engine.dispose()


async def test_views_held_by_a_worker_are_written_when_it_stops_cleanly(cluster: Cluster) -> None:
    ad = await active_ad(cluster)
    for n in range(1, BATCH):
        # The reply counts what this worker holds: exact with one worker.
        assert await view(cluster, ad["id"], viewer(cluster, n)) == {"counted": True, "views_count": n}
    assert await view(cluster, ad["id"], viewer(cluster, 1)) == {"counted": False, "views_count": BATCH - 1}
    assert await shown(cluster, ad["id"]) == 0  # nothing written per view
    await cluster.workers.stop()  # as a worker process stops on SIGTERM
    assert await stored(cluster, ad["id"]) == BATCH - 1


async def test_n_distinct_viewers_count_n_once_the_batch_is_written(cluster: Cluster) -> None:
    ad = await active_ad(cluster)
    for n in range(1, 2 * BATCH + 1):
        await view(cluster, ad["id"], viewer(cluster, n))
        await view(cluster, ad["id"], viewer(cluster, n))  # a second view the same day is not counted

    async def all_written() -> bool:  # the second full batch is written as it fills, not in an hour
        return await shown(cluster, ad["id"]) == 2 * BATCH

    await until(all_written, within_s=10, what="two full batches of views written")
    assert await view(cluster, ad["id"], viewer(cluster, 0)) == {
        "counted": True,
        "views_count": 2 * BATCH + 1,
    }
