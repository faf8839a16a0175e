"""MillionAvto (000) ads through HTTP: create (pending or draft), read by anyone only while active,
owner-only edits and deletes (404 to anyone else, nothing changed), my ads by status, views counted
once per viewer per day (the ad's counter written with the next flush), the public list of active
ads, FastAPI's 422."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from protocols.envelope import Actor, Role
from protocols.market import ModerateAd, ModerationDecision
from tests.conftest import Cluster
from tests.support.eventually import until
from tests.support.http import User, bearer, json_of

pytestmark = pytest.mark.domains("identity", "catalog", "market")

Edge = TestClient[web.Request, web.Application]
ADS = "/api/v1/ads/"
MODERATOR = Actor(user_id=0, role=Role.SYSTEM)
CAR = {"category_id": 1, "title": "Toyota Camry 2019", "price": 2_100_000, "year": 2019, "mileage": 60_000}


async def register(edge: Edge, email: str) -> User:
    resp = await edge.post("/api/v1/auth/register", json={"email": email, "password": "SecurePass123!"})
    out = await json_of(resp, 201)
    return User(id=out["user"]["id"], headers=bearer(out["access_token"]))


async def create(cluster: Cluster, owner: User, **body: Any) -> dict[str, Any]:
    return await json_of(await cluster.edge_a.post(ADS, json={**CAR, **body}, headers=owner.headers), 201)  # type: ignore[no-any-return]


async def approve(cluster: Cluster, ad_id: int) -> None:
    await cluster.worker_bus.request(
        ModerateAd(ad_id=ad_id, decision=ModerationDecision.APPROVE), actor=MODERATOR
    )


async def test_a_new_ad_is_pending_and_read_by_its_owner_only_until_approved(cluster: Cluster) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    other = await register(cluster.edge_b, "other@example.com")
    ad = await create(cluster, owner)
    assert ad["status"] == "pending" and ad["owner_id"] == owner.id and ad["year"] == 2019
    assert ad["kind"] == "vehicle" and ad["currency"] == "RUB" and ad["views_count"] == 0
    path = f"{ADS}{ad['id']}"
    assert await json_of(await cluster.edge_b.get(path, headers=owner.headers), 200) == ad
    assert (await cluster.edge_b.get(path, headers=other.headers)).status == 404
    assert (await cluster.edge_b.get(path)).status == 404
    assert (await json_of(await cluster.edge_a.get(ADS), 200))["total"] == 0

    await approve(cluster, ad["id"])
    seen = await json_of(await cluster.edge_b.get(path), 200)
    assert seen["status"] == "active" and seen["published_at"] and seen["expires_at"]
    listed = await json_of(await cluster.edge_a.get(ADS), 200)
    assert listed["total"] == 1 and [a["id"] for a in listed["items"]] == [ad["id"]]
    assert listed["page"] == 1 and listed["size"] == 20


async def test_only_the_owner_edits_or_deletes_and_anyone_else_gets_404_with_nothing_changed(
    cluster: Cluster,
) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    other = await register(cluster.edge_b, "other@example.com")
    ad = await create(cluster, owner)
    path = f"{ADS}{ad['id']}"
    assert (await cluster.edge_b.put(path, json={"price": 1}, headers=other.headers)).status == 404
    assert (await cluster.edge_b.delete(path, headers=other.headers)).status == 404
    cluster.edge_b.session.cookie_jar.clear()  # signing up set the other user's cookies
    assert (await cluster.edge_b.put(path, json={"price": 1})).status == 401
    assert await json_of(await cluster.edge_a.get(path, headers=owner.headers), 200) == ad

    edited = await json_of(
        await cluster.edge_a.put(path, json={"price": 1_900_000}, headers=owner.headers), 200
    )
    assert edited["price"] == 1_900_000 and edited["title"] == CAR["title"]
    assert (await cluster.edge_a.delete(path, headers=owner.headers)).status == 204
    assert (await cluster.edge_a.get(path, headers=owner.headers)).status == 404


async def test_a_draft_is_submitted_by_its_owner_and_a_rejected_ad_edited_goes_back_to_pending(
    cluster: Cluster,
) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    draft = await create(cluster, owner, draft=True)
    assert draft["status"] == "draft"
    path = f"{ADS}{draft['id']}"
    submitted = await json_of(
        await cluster.edge_a.put(path, json={"status": "pending"}, headers=owner.headers), 200
    )
    assert submitted["status"] == "pending"
    rejected = await cluster.worker_bus.request(
        ModerateAd(ad_id=draft["id"], decision=ModerationDecision.REJECT, reason="No photos"), actor=MODERATOR
    )
    assert rejected.status == "rejected" and rejected.rejection_reason == "No photos"
    edited = await json_of(
        await cluster.edge_a.put(path, json={"title": "Camry, photos added"}, headers=owner.headers), 200
    )
    assert edited["status"] == "pending" and edited["rejection_reason"] is None

    active = await create(cluster, owner)
    await approve(cluster, active["id"])
    archived = await create(cluster, owner)
    await cluster.edge_a.put(f"{ADS}{archived['id']}", json={"status": "archived"}, headers=owner.headers)
    mine = "/api/v1/ads/my/ads"
    everything = await json_of(await cluster.edge_b.get(mine, headers=owner.headers), 200)
    assert [a["id"] for a in everything["items"]] == [archived["id"], active["id"], draft["id"]]
    for status, expected in (("pending", draft), ("active", active), ("archived", archived), ("draft", None)):
        found = await json_of(await cluster.edge_b.get(f"{mine}?status={status}", headers=owner.headers), 200)
        assert [a["id"] for a in found["items"]] == ([expected["id"]] if expected else []), status
    cluster.edge_b.session.cookie_jar.clear()  # signing up set cookies
    assert (await cluster.edge_b.get(mine)).status == 401


async def test_a_view_counts_once_per_viewer_per_day(cluster: Cluster) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    viewer = await register(cluster.edge_b, "viewer@example.com")
    ad = await create(cluster, owner)
    view = f"{ADS}{ad['id']}/view"
    for edge in cluster.edges:  # views by address come without the cookies signing up set
        edge.session.cookie_jar.clear()
    assert (await cluster.edge_a.post(view)).status == 404  # not active yet
    await approve(cluster, ad["id"])
    first = await json_of(await cluster.edge_a.post(view), 200)  # by the client address
    assert first == {"counted": True, "views_count": 1}
    assert await json_of(await cluster.edge_b.post(view), 200) == {"counted": False, "views_count": 1}
    assert await json_of(await cluster.edge_b.post(view, headers=viewer.headers), 200) == {
        "counted": True,
        "views_count": 2,
    }
    assert await json_of(await cluster.edge_a.post(view, headers=viewer.headers), 200) == {
        "counted": False,
        "views_count": 2,
    }
    assert await json_of(await cluster.edge_a.post(view, headers=owner.headers), 200) == {
        "counted": False,
        "views_count": 2,
    }

    async def written() -> bool:  # the ad's counter is written with the next flush (within a second)
        return bool((await json_of(await cluster.edge_a.get(f"{ADS}{ad['id']}"), 200))["views_count"] == 2)

    await until(written, within_s=10, what="the views counted on the ad")


async def test_the_list_pages_sorts_and_filters_active_ads(cluster: Cluster) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    ids = []
    for price, category in ((300, 1), (100, 2), (200, 1)):
        ad = await create(cluster, owner, price=price, category_id=category)
        await approve(cluster, ad["id"])
        ids.append(ad["id"])
    await create(cluster, owner)  # pending: never listed
    newest = await json_of(await cluster.edge_a.get(f"{ADS}?size=2"), 200)
    assert newest["total"] == 3 and [a["id"] for a in newest["items"]] == ids[::-1][:2]
    second = await json_of(await cluster.edge_a.get(f"{ADS}?size=2&page=2"), 200)
    assert [a["id"] for a in second["items"]] == [ids[0]]
    cheapest = await json_of(await cluster.edge_a.get(f"{ADS}?sort_by=price_asc"), 200)
    assert [a["price"] for a in cheapest["items"]] == [100, 200, 300]
    in_one = await json_of(await cluster.edge_a.get(f"{ADS}?category_id=1&sort_by=price_desc"), 200)
    assert [a["price"] for a in in_one["items"]] == [300, 200]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price": -1}, "price"),
        ({"title": ""}, "title"),
        ({"year": 1700}, "year"),
        ({"vin": "short"}, "vin"),
        ({"category_id": 99999}, "category_id"),
        ({"brand_id": 999999}, "brand_id"),
        ({"model_id": 1}, "model_id"),  # without its brand
        ({"city_id": 1}, "city_id"),  # no city has GeoNames id 1
    ],
)
async def test_bad_input_is_422_naming_the_field(cluster: Cluster, body: dict[str, Any], field: str) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    resp = await cluster.edge_a.post(ADS, json={**CAR, **body}, headers=owner.headers)
    detail = (await json_of(resp, 422))["detail"]
    assert detail[0]["loc"] == ["body", field]
    assert (await json_of(await cluster.edge_a.get(f"{ADS}?size=101"), 422))["detail"][0]["loc"] == [
        "query",
        "size",
    ]
    assert (await cluster.edge_a.get(f"{ADS}abc")).status == 422
    cluster.edge_a.session.cookie_jar.clear()  # signing up set cookies
    assert (await cluster.edge_a.post(ADS, json=CAR)).status == 401


MOSCOW = 524901  # its GeoNames id


async def test_an_ad_in_a_city_without_coordinates_of_its_own_is_at_the_citys(cluster: Cluster) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    moscow = await json_of(await cluster.edge_a.get("/api/v1/locations/cities?country_id=182"), 200)
    assert any(city["id"] == MOSCOW for city in moscow)  # Russia's cities, Moscow among them
    ad = await create(cluster, owner, city_id=MOSCOW)
    assert ad["city_id"] == MOSCOW and round(ad["latitude"], 1) == 55.8 and round(ad["longitude"], 1) == 37.6
    own = await create(cluster, owner, city_id=MOSCOW, latitude=55.5, longitude=37.5)
    assert (own["latitude"], own["longitude"]) == (55.5, 37.5)  # given coordinates are kept
    moved = await json_of(
        await cluster.edge_a.put(f"{ADS}{ad['id']}", json={"city_id": 498817}, headers=owner.headers), 200
    )  # Saint Petersburg
    assert round(moved["latitude"], 1) == 59.9 and round(moved["longitude"], 1) == 30.3
