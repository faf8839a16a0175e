"""MillionAvto (000) favourites, comparison and browsing history through HTTP: each user's own (another
never sees or removes an item), only active ads, an add repeated is idempotent, the comparison is
bounded, history is recorded by a view with a token only; 401 without a token, 404, 409, 422."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from nodes.runtime.settings import Settings
from protocols.envelope import Actor, Role
from protocols.market import ModerateAd, ModerationDecision
from tests.conftest import Cluster
from tests.support.http import User, bearer, json_of

pytestmark = pytest.mark.domains("identity", "catalog", "market")

Edge = TestClient[web.Request, web.Application]
ADS = "/api/v1/ads/"
FAVORITES = "/api/v1/favorites/"
COMPARISON = "/api/v1/comparison/"
HISTORY = "/api/v1/history/"
COMPARISON_MAX = 2
CAR = {"category_id": 1, "title": "Toyota Camry 2019", "price": 2_100_000}


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    return lambda settings: replace(settings, market=replace(settings.market, comparison_max=COMPARISON_MAX))


async def register(edge: Edge, email: str) -> User:
    resp = await edge.post("/api/v1/auth/register", json={"email": email, "password": "SecurePass123!"})
    out = await json_of(resp, 201)
    return User(id=out["user"]["id"], headers=bearer(out["access_token"]))


async def users(cluster: Cluster, *names: str) -> list[User]:
    """Signed up, and the edges' cookie jars emptied: a request without headers then carries no token."""
    signed_up = [await register(cluster.edge_a, f"{name}@example.com") for name in names]
    for edge in cluster.edges:
        edge.session.cookie_jar.clear()
    return signed_up


async def ad(cluster: Cluster, owner: User, *, active: bool = True, title: str = "Camry") -> int:
    created = await json_of(
        await cluster.edge_a.post(ADS, json={**CAR, "title": title}, headers=owner.headers), 201
    )
    if active:
        await cluster.worker_bus.request(
            ModerateAd(ad_id=created["id"], decision=ModerationDecision.APPROVE),
            actor=Actor(user_id=0, role=Role.SYSTEM),
        )
    return int(created["id"])


async def ids(edge: Edge, path: str, user: User) -> list[int]:
    page = await json_of(await edge.get(path, headers=user.headers), 200)
    assert page["total"] == len(page["items"])  # these tests list less than a page
    return [item["id"] for item in page["items"]]


async def archive(cluster: Cluster, owner: User, ad_id: int) -> None:
    archived = await cluster.edge_a.put(f"{ADS}{ad_id}", json={"status": "archived"}, headers=owner.headers)
    await json_of(archived, 200)


@pytest.mark.parametrize("path", [FAVORITES, COMPARISON])
async def test_a_list_is_its_users_own_and_adding_twice_adds_once(cluster: Cluster, path: str) -> None:
    owner, alice, bob = await users(cluster, "owner", "alice", "bob")
    first, second = await ad(cluster, owner, title="First"), await ad(cluster, owner, title="Second")

    added = await json_of(await cluster.edge_a.post(path, json={"ad_id": first}, headers=alice.headers), 201)
    assert added["id"] == first and added["title"] == "First" and added["status"] == "active"
    again = await json_of(await cluster.edge_b.post(path, json={"ad_id": first}, headers=alice.headers), 200)
    assert again == added
    await json_of(await cluster.edge_a.post(path, json={"ad_id": second}, headers=alice.headers), 201)
    page = await json_of(await cluster.edge_b.get(path, headers=alice.headers), 200)
    assert [item["id"] for item in page["items"]] == [second, first]  # the latest added first
    assert page["total"] == 2 and page["page"] == 1 and page["size"] == 20
    assert page["items"][1] == await json_of(await cluster.edge_a.get(f"{ADS}{first}"), 200)  # the ad's shape
    paged = await json_of(await cluster.edge_a.get(f"{path}?page=2&size=1", headers=alice.headers), 200)
    assert [item["id"] for item in paged["items"]] == [first] and paged["total"] == 2

    assert await ids(cluster.edge_a, path, bob) == []
    refused = await cluster.edge_a.delete(f"{path}{first}", headers=bob.headers)
    assert refused.status == 404 and "detail" in await refused.json()
    assert await ids(cluster.edge_b, path, alice) == [second, first]
    await json_of(await cluster.edge_a.post(path, json={"ad_id": first}, headers=bob.headers), 201)
    assert (await cluster.edge_a.delete(f"{path}{first}", headers=alice.headers)).status == 204
    assert (await cluster.edge_a.delete(f"{path}{first}", headers=alice.headers)).status == 404
    assert await ids(cluster.edge_b, path, alice) == [second]
    assert await ids(cluster.edge_b, path, bob) == [first]  # alice's removal left bob's list alone
    # The document writes these paths with a slash; without it they answer the same.
    assert await ids(cluster.edge_a, path.rstrip("/"), alice) == [second]


@pytest.mark.parametrize("path", [FAVORITES, COMPARISON])
async def test_only_an_active_ad_is_added_and_one_no_longer_active_drops_out(
    cluster: Cluster, path: str
) -> None:
    owner, alice = await users(cluster, "owner", "alice")
    pending = await ad(cluster, owner, active=False)
    for missing in (pending, 999_999):
        refused = await cluster.edge_a.post(path, json={"ad_id": missing}, headers=alice.headers)
        assert refused.status == 404 and "detail" in await refused.json(), missing
    # Not even its owner saves it while it is pending.
    assert (await cluster.edge_a.post(path, json={"ad_id": pending}, headers=owner.headers)).status == 404

    kept, archived, deleted = [await ad(cluster, owner, title=t) for t in ("Kept", "Archived", "Deleted")]
    for ad_id in (kept, archived):
        await json_of(await cluster.edge_a.post(path, json={"ad_id": ad_id}, headers=alice.headers), 201)
    if path == FAVORITES:  # the comparison holds two
        await json_of(await cluster.edge_a.post(path, json={"ad_id": deleted}, headers=alice.headers), 201)
    await archive(cluster, owner, archived)
    assert (await cluster.edge_a.delete(f"{ADS}{deleted}", headers=owner.headers)).status == 204
    assert await ids(cluster.edge_b, path, alice) == [kept]
    # An ad hidden from the list is still in it, and its owner takes it out.
    assert (await cluster.edge_a.delete(f"{path}{archived}", headers=alice.headers)).status == 204
    assert (await cluster.edge_a.delete(f"{path}{deleted}", headers=alice.headers)).status == 404


async def test_the_comparison_holds_the_configured_number_and_an_inactive_ad_gives_its_place_up(
    cluster: Cluster,
) -> None:
    owner, alice, bob = await users(cluster, "owner", "alice", "bob")
    cars = [await ad(cluster, owner, title=f"Car {n}") for n in range(COMPARISON_MAX + 1)]
    for car in cars[:COMPARISON_MAX]:
        await json_of(await cluster.edge_a.post(COMPARISON, json={"ad_id": car}, headers=alice.headers), 201)
    full = await cluster.edge_b.post(COMPARISON, json={"ad_id": cars[-1]}, headers=alice.headers)
    assert full.status == 409 and str(COMPARISON_MAX) in (await full.json())["detail"]
    # Adding one that is in already is still no change, full or not. Neither her favourites nor another
    # user's comparison are bounded by her full one.
    await json_of(await cluster.edge_b.post(COMPARISON, json={"ad_id": cars[0]}, headers=alice.headers), 200)
    for car in cars:
        await json_of(await cluster.edge_a.post(FAVORITES, json={"ad_id": car}, headers=alice.headers), 201)
    await json_of(await cluster.edge_a.post(COMPARISON, json={"ad_id": cars[-1]}, headers=bob.headers), 201)
    assert await ids(cluster.edge_a, COMPARISON, alice) == cars[COMPARISON_MAX - 1 :: -1]

    await archive(cluster, owner, cars[0])
    added = await cluster.edge_a.post(COMPARISON, json={"ad_id": cars[-1]}, headers=alice.headers)
    assert added.status == 201
    assert await ids(cluster.edge_a, COMPARISON, alice) == [cars[-1], *cars[COMPARISON_MAX - 1 : 0 : -1]]
    assert (await cluster.edge_a.delete(f"{COMPARISON}{cars[0]}", headers=alice.headers)).status == 404
    assert (
        await cluster.edge_b.post(COMPARISON, json={"ad_id": cars[1]}, headers=alice.headers)
    ).status == 200
    assert len(await ids(cluster.edge_a, FAVORITES, alice)) == COMPARISON_MAX  # the archived one is hidden


async def test_adds_at_once_never_overfill_the_comparison_nor_save_an_ad_twice(cluster: Cluster) -> None:
    owner, alice = await users(cluster, "owner", "alice")
    cars = [await ad(cluster, owner, title=f"Car {n}") for n in range(2 * COMPARISON_MAX + 1)]
    answers = await asyncio.gather(*(
        cluster.edges[n % 2].post(COMPARISON, json={"ad_id": car}, headers=alice.headers)
        for n, car in enumerate(cars)
    ))  # fmt: skip
    statuses = sorted(resp.status for resp in answers)
    assert statuses == [201] * COMPARISON_MAX + [409] * (len(cars) - COMPARISON_MAX)
    added = {car for car, resp in zip(cars, answers, strict=True) if resp.status == 201}
    assert set(await ids(cluster.edge_a, COMPARISON, alice)) == added

    same = await asyncio.gather(*(
        cluster.edges[n % 2].post(FAVORITES, json={"ad_id": cars[0]}, headers=alice.headers) for n in range(4)
    ))  # fmt: skip
    assert sorted(resp.status for resp in same) == [200, 200, 200, 201]
    assert await ids(cluster.edge_a, FAVORITES, alice) == [cars[0]]


async def test_a_view_with_a_token_records_history_latest_first_once_per_ad(cluster: Cluster) -> None:
    owner, alice, bob = await users(cluster, "owner", "alice", "bob")
    first, second, anonymous = [await ad(cluster, owner, title=t) for t in ("First", "Second", "Anonymous")]
    for ad_id in (first, second, first):
        await json_of(await cluster.edge_a.post(f"{ADS}{ad_id}/view", headers=alice.headers), 200)
    await json_of(await cluster.edge_b.post(f"{ADS}{anonymous}/view"), 200)  # no token: nobody's history
    await json_of(await cluster.edge_b.post(f"{ADS}{first}/view", headers=owner.headers), 200)  # his own

    history = await json_of(await cluster.edge_b.get(HISTORY, headers=alice.headers), 200)
    assert [item["id"] for item in history["items"]] == [first, second] and history["total"] == 2
    assert history["items"][0]["title"] == "First" and history["page"] == 1 and history["size"] == 20
    older = await json_of(await cluster.edge_a.get(f"{HISTORY}?page=2&size=1", headers=alice.headers), 200)
    assert [item["id"] for item in older["items"]] == [second]
    assert await ids(cluster.edge_a, HISTORY, bob) == []
    assert await ids(cluster.edge_a, HISTORY, owner) == []

    await json_of(await cluster.edge_a.post(f"{ADS}{second}/view", headers=bob.headers), 200)
    assert await ids(cluster.edge_a, HISTORY.rstrip("/"), bob) == [second]
    await archive(cluster, owner, second)
    assert await ids(cluster.edge_b, HISTORY, alice) == [first]
    assert await ids(cluster.edge_b, HISTORY, bob) == []


async def test_every_route_wants_a_token_and_a_well_formed_request(cluster: Cluster) -> None:
    owner, alice = await users(cluster, "owner", "alice")
    ad_id = await ad(cluster, owner)
    routes: list[tuple[str, str, Any]] = [
        ("GET", HISTORY, None),
        *((method, path, body) for path in (FAVORITES, COMPARISON)
          for method, body in (("GET", None), ("POST", {"ad_id": ad_id}))),
        ("DELETE", f"{FAVORITES}{ad_id}", None),
        ("DELETE", f"{COMPARISON}{ad_id}", None),
    ]  # fmt: skip
    for method, path, body in routes:
        resp = await cluster.edge_b.request(method, path, json=body)
        assert resp.status == 401 and "detail" in await resp.json(), (method, path)

    for path in (FAVORITES, COMPARISON):
        for body in ({}, {"ad_id": 0}, {"ad_id": "first"}, {"ad_id": 2**31}):
            resp = await cluster.edge_a.post(path, json=body, headers=alice.headers)
            detail = (await resp.json())["detail"]
            assert resp.status == 422 and detail[0]["loc"] == ["body", "ad_id"], (path, body)
        resp = await cluster.edge_a.delete(f"{path}first", headers=alice.headers)
        assert resp.status == 422 and (await resp.json())["detail"][0]["loc"] == ["path", "ad_id"]
        assert (await cluster.edge_a.get(f"{path}?size=101", headers=alice.headers)).status == 422
        assert (await cluster.edge_a.get(f"{path}?page=0", headers=alice.headers)).status == 422
    assert (await cluster.edge_a.get(f"{HISTORY}?size=0", headers=alice.headers)).status == 422
