"""MillionAvto (000) categories through HTTP: the seven documented categories seeded with their
subcategories, admin writes (401 without a token, 403 for a user), ETag and 304, FastAPI's errors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Cluster
from tests.support.http import bearer, json_of

pytestmark = pytest.mark.domains("catalog")

CATEGORIES = "/api/v1/categories/"
DOCUMENTED = [
    "Автомобили", "Грузовики и спецтехника", "Мотоциклы", "Лодки и катера", "Аренда", "Авто на заказ",
    "Самоделки",
]  # fmt: skip
FIELDS = {
    "id", "parent_id", "name", "slug", "meta_title", "meta_description", "position", "is_active",
    "created_at", "updated_at",
}  # fmt: skip


def admin(cluster: Cluster) -> dict[str, str]:
    return bearer(cluster.signer.token(1, "admin"))


def user(cluster: Cluster) -> dict[str, str]:
    return bearer(cluster.signer.token(2, "user"))


async def listed(cluster: Cluster, query: str = "", headers: dict[str, str] | None = None) -> list[Any]:
    return await json_of(await cluster.edge_a.get(CATEGORIES + query, headers=headers), 200)  # type: ignore[no-any-return]


async def create(cluster: Cluster, **body: Any) -> dict[str, Any]:
    return await json_of(await cluster.edge_a.post(CATEGORIES, json=body, headers=admin(cluster)), 201)  # type: ignore[no-any-return]


async def test_the_seven_documented_categories_are_seeded_each_followed_by_its_subcategories(
    cluster: Cluster,
) -> None:
    categories = await listed(cluster)
    assert all(set(c) == FIELDS for c in categories)
    top = [c for c in categories if c["parent_id"] is None]
    assert [c["name"] for c in top] == DOCUMENTED
    assert [c["id"] for c in top] == list(range(1, 8))
    assert all(c["slug"] and c["meta_title"] and c["meta_description"] and c["is_active"] for c in categories)
    # Each category is followed by its subcategories; every top-level one has some.
    parent = None
    for category in categories:
        if category["parent_id"] is None:
            parent = category["id"]
        else:
            assert category["parent_id"] == parent
    assert {c["parent_id"] for c in categories if c["parent_id"]} == set(range(1, 8))

    one = await json_of(await cluster.edge_b.get("/api/v1/categories/1"), 200)
    assert one == top[0]
    # The path answers with and without its trailing slash.
    assert await json_of(await cluster.edge_b.get("/api/v1/categories"), 200) == categories


async def test_lists_carry_an_etag_and_a_matching_if_none_match_is_304_until_a_write(
    cluster: Cluster,
) -> None:
    first = await cluster.edge_a.get(CATEGORIES)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and first.headers["Cache-Control"].startswith("public, max-age=")
    assert (await cluster.edge_b.get(CATEGORIES)).headers["ETag"] == etag  # the same on every edge

    for presented in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = await cluster.edge_b.get(CATEGORIES, headers={"If-None-Match": presented})
        assert again.status == 304, presented
        assert await again.read() == b"" and again.headers["ETag"] == etag
    stale = await cluster.edge_a.get(CATEGORIES, headers={"If-None-Match": '"other"'})
    assert stale.status == 200

    await create(cluster, name="Электромобили", slug="electric-cars", parent_id=1)
    changed = await cluster.edge_b.get(CATEGORIES, headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["ETag"] != etag
    assert "electric-cars" in {c["slug"] for c in await changed.json()}

    one = await cluster.edge_a.get("/api/v1/categories/1")
    assert one.status == 200
    cached = await cluster.edge_a.get("/api/v1/categories/1", headers={"If-None-Match": one.headers["ETag"]})
    assert cached.status == 304


async def test_an_admin_creates_updates_and_deletes_categories(cluster: Cluster) -> None:
    headers = admin(cluster)
    created = await create(
        cluster, name="Кабриолеты", slug="convertibles", parent_id=1, meta_title="Convertibles", position=9
    )
    assert set(created) == FIELDS
    assert (created["parent_id"], created["is_active"], created["meta_description"]) == (1, True, None)
    url = f"/api/v1/categories/{created['id']}"
    assert await json_of(await cluster.edge_b.get(url), 200) == created

    # PUT changes what the body names: renamed, made top-level, and nothing else.
    moved = await json_of(
        await cluster.edge_a.put(
            url, json={"name": "Кабриолеты и родстеры", "parent_id": None}, headers=headers
        ),
        200,
    )
    assert (moved["name"], moved["parent_id"], moved["slug"], moved["position"]) == (
        "Кабриолеты и родстеры", None, "convertibles", 9,
    )  # fmt: skip
    assert moved["updated_at"] >= created["updated_at"]

    # Inactive: gone for everyone but admins.
    await json_of(await cluster.edge_a.put(url, json={"is_active": False}, headers=headers), 200)
    assert created["id"] not in {c["id"] for c in await listed(cluster)}
    assert (await cluster.edge_b.get(url)).status == 404
    assert (await json_of(await cluster.edge_b.get(url, headers=headers), 200))["is_active"] is False
    everything = await listed(cluster, "?include_inactive=true", headers=headers)
    assert created["id"] in {c["id"] for c in everything}

    # A parent with subcategories is not deleted; a leaf is.
    child = await create(cluster, name="Родстеры", slug="roadsters", parent_id=created["id"])
    refused = await cluster.edge_a.delete(url, headers=headers)
    assert "subcategories" in (await json_of(refused, 409))["detail"]
    for category in (child, created):
        gone = await cluster.edge_a.delete(f"/api/v1/categories/{category['id']}", headers=headers)
        assert gone.status == 204
    assert await json_of(await cluster.edge_b.get(url, headers=headers), 404) == {
        "detail": "Category not found"
    }
    assert (await cluster.edge_b.delete(url, headers=headers)).status == 404


async def test_writes_are_for_admins_only(cluster: Cluster) -> None:
    body = {"name": "Прочее", "slug": "other"}
    for method, path in (
        ("POST", CATEGORIES),
        ("PUT", "/api/v1/categories/1"),
        ("DELETE", "/api/v1/categories/1"),
    ):
        anonymous = await cluster.edge_a.request(method, path, json=body)
        assert await json_of(anonymous, 401) == {"detail": "Not authenticated"}, method
        # A user is refused before the body is looked at (an empty one is no 422).
        refused = await cluster.edge_a.request(method, path, json={}, headers=user(cluster))
        assert await json_of(refused, 403) == {"detail": "Admin role required"}, method
    assert (await json_of(await cluster.edge_a.get(CATEGORIES + "?include_inactive=true"), 401))["detail"]
    await json_of(await cluster.edge_a.get(CATEGORIES + "?include_inactive=true", headers=user(cluster)), 403)
    assert len(await listed(cluster)) == len(await listed(cluster, headers=user(cluster)))
    assert "other" not in {c["slug"] for c in await listed(cluster)}


async def test_bad_input_is_422_naming_the_field_and_a_slug_taken_is_409(cluster: Cluster) -> None:
    headers = admin(cluster)

    async def refused(method: str, path: str, body: Any, status: int = 422) -> Any:
        return await json_of(await cluster.edge_a.request(method, path, json=body, headers=headers), status)

    bad_slug = await refused("POST", CATEGORIES, {"name": "Прочее", "slug": "Not A Slug"})
    assert [e["loc"] for e in bad_slug["detail"]] == [["body", "slug"]]
    missing = await refused("POST", CATEGORIES, {"slug": "other"})
    assert [e["loc"] for e in missing["detail"]] == [["body", "name"]]
    no_parent = await refused("POST", CATEGORIES, {"name": "Прочее", "slug": "other", "parent_id": 99999})
    assert [e["loc"] for e in no_parent["detail"]] == [["body", "parent_id"]]
    under_itself = await refused("PUT", "/api/v1/categories/1", {"parent_id": 8})  # 8: a child of 1
    assert [e["loc"] for e in under_itself["detail"]] == [["body", "parent_id"]]
    null_name = await refused("PUT", "/api/v1/categories/1", {"name": None})
    assert [e["loc"] for e in null_name["detail"]] == [["body", "name"]]
    not_an_id = await json_of(await cluster.edge_a.get("/api/v1/categories/abc"), 422)
    assert [e["loc"] for e in not_an_id["detail"]] == [["path", "id"]]
    assert await json_of(await cluster.edge_a.get("/api/v1/categories/99999"), 404) == {
        "detail": "Category not found"
    }
    assert (await refused("PUT", "/api/v1/categories/99999", {"name": "x"}, 404))["detail"]

    taken = await refused("POST", CATEGORIES, {"name": "Ещё автомобили", "slug": "cars"}, 409)
    assert taken == {"detail": "A category with this slug already exists"}
    assert await refused("PUT", "/api/v1/categories/2", {"slug": "cars"}, 409) == taken
    assert [c["name"] for c in await listed(cluster) if c["parent_id"] is None] == DOCUMENTED
