"""MillionAvto (000) ads' lifecycle through HTTP, on both databases: pending -> active (for the
configured lifetime) -> expired by the scheduler's job -> its owner notified (read through the
notifications API) -> renewed by its owner only; and the live-ad limits of a private seller and of a
dealer, exact under concurrent requests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from nodes.runtime.settings import Settings
from protocols.envelope import Actor, Role
from protocols.market import ModerateAd, ModerationDecision
from scheduler.app import SchedulerApp
from tests.conftest import Cluster
from tests.support.ads import lifetime_over
from tests.support.http import User, bearer, json_of

pytestmark = pytest.mark.domains("identity", "catalog", "market", "notify")

Edge = TestClient[web.Request, web.Application]
ADS = "/api/v1/ads/"
NOTIFICATIONS = "/api/notifications/"  # the one notification stream, as FreeMarket's document serves it
MODERATOR = Actor(user_id=0, role=Role.SYSTEM)
CAR = {"category_id": 1, "title": "Toyota Camry 2019", "price": 2_100_000}
PRIVATE_LIMIT, DEALER_LIMIT = 2, 3


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    def limited(settings: Settings) -> Settings:
        market = replace(
            settings.market, private_active_limit=PRIVATE_LIMIT, dealer_active_limit=DEALER_LIMIT
        )
        return replace(settings, market=market)

    return limited


async def register(edge: Edge, email: str) -> User:
    resp = await edge.post("/api/v1/auth/register", json={"email": email, "password": "SecurePass123!"})
    out = await json_of(resp, 201)
    return User(id=out["user"]["id"], headers=bearer(out["access_token"]))


async def dealer(cluster: Cluster, email: str) -> User:
    account = await register(cluster.edge_a, email)
    return User(id=account.id, headers=bearer(cluster.signer.token(account.id, "dealer")))


async def create(cluster: Cluster, owner: User, **body: Any) -> dict[str, Any]:
    return await json_of(await cluster.edge_a.post(ADS, json={**CAR, **body}, headers=owner.headers), 201)  # type: ignore[no-any-return]


async def approve(cluster: Cluster, ad_id: int) -> None:
    await cluster.worker_bus.request(
        ModerateAd(ad_id=ad_id, decision=ModerationDecision.APPROVE), actor=MODERATOR
    )


async def time_passes(cluster: Cluster, *ad_ids: int) -> None:
    await lifetime_over(cluster.settings.database.url, ad_ids)


async def run_expiry(cluster: Cluster) -> None:
    assert await SchedulerApp(cluster.worker_bus, cluster.settings).run_job_now("expire_listings") == "ok"


async def notifications(cluster: Cluster, user: User) -> list[dict[str, Any]]:
    page = await json_of(await cluster.edge_b.get(NOTIFICATIONS, headers=user.headers), 200)
    return page["notifications"]  # type: ignore[no-any-return]


async def test_an_active_ad_expires_its_owner_is_told_once_and_only_he_renews_it(cluster: Cluster) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    stranger = await register(cluster.edge_a, "stranger@example.com")
    ad = await create(cluster, owner)
    assert ad["status"] == "pending" and ad["expires_at"] is None
    fresh = await create(cluster, owner, title="Lada Vesta")
    for each in (ad, fresh):
        await approve(cluster, each["id"])
    path, fresh_path = f"{ADS}{ad['id']}", f"{ADS}{fresh['id']}"
    active = await json_of(await cluster.edge_a.get(path), 200)
    published = datetime.fromisoformat(active["published_at"])
    assert datetime.fromisoformat(active["expires_at"]) - published == timedelta(days=30)

    await run_expiry(cluster)  # nothing due yet
    assert (await json_of(await cluster.edge_a.get(path), 200))["status"] == "active"
    assert await notifications(cluster, owner) == []

    await time_passes(cluster, ad["id"])
    await run_expiry(cluster)
    assert (await cluster.edge_a.get(path)).status == 404  # no longer shown to anyone
    listed = await json_of(await cluster.edge_a.get(ADS), 200)
    assert [a["id"] for a in listed["items"]] == [fresh["id"]]
    assert (await json_of(await cluster.edge_b.get(path, headers=owner.headers), 200))["status"] == "expired"
    assert (await json_of(await cluster.edge_b.get(fresh_path), 200))["status"] == "active"
    [told] = await notifications(cluster, owner)
    assert told["type"] == "ad_expired" and told["payload"]["ad_id"] == ad["id"] and not told["read"]
    assert ad["title"] in told["message"] and told["payload"]["expired_at"]
    assert await notifications(cluster, stranger) == []
    await run_expiry(cluster)  # again: nothing more to expire, nobody told twice
    assert len(await notifications(cluster, owner)) == 1

    renew = {"status": "active"}
    assert (await cluster.edge_b.put(path, json=renew, headers=stranger.headers)).status == 404
    cluster.edge_b.session.cookie_jar.clear()  # signing up set cookies
    assert (await cluster.edge_b.put(path, json=renew)).status == 401
    assert (await json_of(await cluster.edge_a.get(path, headers=owner.headers), 200))["status"] == "expired"
    renewed = await json_of(await cluster.edge_a.put(path, json=renew, headers=owner.headers), 200)
    assert renewed["status"] == "active" and datetime.fromisoformat(renewed["published_at"]) > published
    assert datetime.fromisoformat(renewed["expires_at"]) - datetime.fromisoformat(
        renewed["published_at"]
    ) == timedelta(days=30)
    assert (await json_of(await cluster.edge_b.get(path), 200))["id"] == ad["id"]  # shown again
    again = await cluster.edge_a.put(path, json=renew, headers=owner.headers)  # only an expired ad renews
    assert again.status == 409 and "detail" in await again.json()
    await run_expiry(cluster)
    assert (await json_of(await cluster.edge_b.get(path), 200))["status"] == "active"


async def test_renewing_with_edits_keeps_them_and_needs_no_moderation(cluster: Cluster) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    ad = await create(cluster, owner)
    await approve(cluster, ad["id"])
    await time_passes(cluster, ad["id"])
    await run_expiry(cluster)
    path = f"{ADS}{ad['id']}"
    edited = await json_of(
        await cluster.edge_a.put(path, json={"price": 1_900_000}, headers=owner.headers), 200
    )
    assert edited["status"] == "expired" and edited["price"] == 1_900_000  # an edit alone renews nothing
    body = {"status": "active", "title": "Toyota Camry, new tyres"}
    renewed = await json_of(await cluster.edge_a.put(path, json=body, headers=owner.headers), 200)
    assert renewed["status"] == "active" and renewed["title"] == body["title"]
    bad = await cluster.edge_a.put(path, json={"status": "expired"}, headers=owner.headers)
    assert bad.status == 422 and "status" in str((await bad.json())["detail"])


async def test_a_private_seller_keeps_fewer_live_ads_than_a_dealer(cluster: Cluster) -> None:
    seller = await register(cluster.edge_a, "seller@example.com")
    first, second = await create(cluster, seller), await create(cluster, seller)
    refused = await cluster.edge_a.post(ADS, json=CAR, headers=seller.headers)
    detail = (await json_of(refused, 409))["detail"]
    assert "private seller" in detail and str(PRIVATE_LIMIT) in detail
    draft = await create(cluster, seller, draft=True)  # drafts do not count
    submit = {"status": "pending"}
    draft_path = f"{ADS}{draft['id']}"
    assert (await cluster.edge_a.put(draft_path, json=submit, headers=seller.headers)).status == 409
    await cluster.edge_a.put(f"{ADS}{first['id']}", json={"status": "archived"}, headers=seller.headers)
    submitted = await json_of(await cluster.edge_a.put(draft_path, json=submit, headers=seller.headers), 200)
    assert submitted["status"] == "pending"

    # An expired ad leaves a place, and renewing it takes one again.
    await approve(cluster, second["id"])
    await time_passes(cluster, second["id"])
    await run_expiry(cluster)
    await create(cluster, seller)  # live again: the submitted draft and this one
    renew = await cluster.edge_a.put(
        f"{ADS}{second['id']}", json={"status": "active"}, headers=seller.headers
    )
    assert renew.status == 409 and "limit" in (await renew.json())["detail"]

    trader = await dealer(cluster, "dealer@example.com")
    for _ in range(DEALER_LIMIT):
        assert (await create(cluster, trader))["is_dealer"] is True
    over = await json_of(await cluster.edge_a.post(ADS, json=CAR, headers=trader.headers), 409)
    assert "dealer" in over["detail"] and str(DEALER_LIMIT) in over["detail"]


async def test_requests_at_once_never_pass_the_limit_together(cluster: Cluster) -> None:
    seller = await register(cluster.edge_a, "seller@example.com")
    edges = cluster.edges
    answers = await asyncio.gather(
        *(edges[i % 2].post(ADS, json=CAR, headers=seller.headers) for i in range(3 * PRIVATE_LIMIT))
    )
    assert sorted(resp.status for resp in answers) == [201] * PRIVATE_LIMIT + [409] * (2 * PRIVATE_LIMIT)
    mine = await json_of(await cluster.edge_a.get("/api/v1/ads/my/ads", headers=seller.headers), 200)
    assert mine["total"] == PRIVATE_LIMIT
