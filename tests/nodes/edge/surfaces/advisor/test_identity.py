"""Car advisor (002) identity through HTTP on two edges: its request shapes on the shared
`/api/v1/auth` paths, and the manager's `/api/v1/users` in the `{"error": {...}}` format."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

Edge = TestClient[web.Request, web.Application]

from tests.conftest import Cluster
from tests.support.http import bearer, json_of

# Accounts' storage runs on both databases in tests/nodes/workers/identity; this is the contract's surface.
pytestmark = [pytest.mark.domains("identity"), pytest.mark.database_agnostic]

PASSWORD = "securePassword123"


def assert_error(body: dict[str, Any], code: str) -> None:
    """002's error body (on shared paths MillionAvto's `detail` rides along)."""
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]


async def register(edge: Edge, email: str, name: str) -> dict[str, Any]:
    resp = await edge.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name})
    return await json_of(resp, 201)  # type: ignore[no-any-return]


def manager_token(cluster: Cluster, user_id: int) -> str:
    return cluster.signer.token(user_id, "manager")


async def test_register_login_refresh_logout_in_the_advisor_shape(cluster: Cluster) -> None:
    registered = await register(cluster.edge_a, "ivan@example.com", "Иван Петров")
    assert {"user", "access_token", "refresh_token"} <= set(registered)
    user = registered["user"]
    assert user["name"] == "Иван Петров" and user["email"] == "ivan@example.com"
    assert {"id", "role", "created_at"} <= set(user)

    login = await cluster.edge_b.post(
        "/api/v1/auth/login", json={"email": "ivan@example.com", "password": PASSWORD}
    )
    signed = await json_of(login, 200)
    assert signed["user"]["id"] == user["id"] and signed["user"]["name"] == "Иван Петров"

    rotated = await cluster.edge_a.post(
        "/api/v1/auth/refresh", json={"refresh_token": signed["refresh_token"]}
    )
    pair = await json_of(rotated, 200)
    assert {"access_token", "refresh_token"} <= set(pair) and pair["refresh_token"] != signed["refresh_token"]
    own = await cluster.edge_a.get(f"/api/v1/users/{user['id']}", headers=bearer(pair["access_token"]))
    assert (await json_of(own, 200))["name"] == "Иван Петров"

    for edge in cluster.edges:
        edge.session.cookie_jar.clear()
    out = await cluster.edge_b.post(
        "/api/v1/auth/logout",
        json={"refresh_token": pair["refresh_token"]},
        headers=bearer(pair["access_token"]),
    )
    assert out.status == 204 and await out.read() == b""
    again = await cluster.edge_a.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert_error(await json_of(again, 401), "unauthorized")


async def test_register_and_login_errors(cluster: Cluster) -> None:
    await register(cluster.edge_a, "dup@example.com", "First")
    dup = await cluster.edge_b.post(
        "/api/v1/auth/register", json={"email": "dup@example.com", "password": PASSWORD, "name": "Second"}
    )
    assert_error(await json_of(dup, 409), "conflict")
    invalid = await cluster.edge_a.post(
        "/api/v1/auth/register", json={"email": "x@example.com", "name": "No Password"}
    )
    body = await json_of(invalid, 400)
    assert_error(body, "validation_error")
    assert body["error"]["details"] == {"field": "password", "reason": "missing"}
    wrong = await cluster.edge_a.post(
        "/api/v1/auth/login", json={"email": "dup@example.com", "password": "wrong-pw-1"}
    )
    assert_error(await json_of(wrong, 401), "unauthorized")


async def test_user_list_is_for_managers_only(cluster: Cluster) -> None:
    alice = await register(cluster.edge_a, "alice@example.com", "Alice Smith")
    bob = await register(cluster.edge_b, "bob@example.com", "Bob Jones")
    for edge in cluster.edges:
        edge.session.cookie_jar.clear()

    anonymous = await cluster.edge_a.get("/api/v1/users")
    assert_error(await json_of(anonymous, 401), "unauthorized")
    as_user = await cluster.edge_a.get("/api/v1/users", headers=bearer(alice["access_token"]))
    body = await json_of(as_user, 403)
    assert set(body) == {"error"}
    assert_error(body, "forbidden")

    manager = bearer(manager_token(cluster, alice["user"]["id"]))
    listed = await json_of(await cluster.edge_b.get("/api/v1/users", headers=manager), 200)
    assert listed["total"] == 2 and listed["page"] == 1 and listed["per_page"] == 20
    assert {u["email"] for u in listed["items"]} == {"alice@example.com", "bob@example.com"}
    assert set(listed["items"][0]) == {"id", "email", "name", "role", "created_at"}

    page = await json_of(await cluster.edge_a.get("/api/v1/users?page=2&per_page=1", headers=manager), 200)
    assert page["total"] == 2 and len(page["items"]) == 1 and (page["page"], page["per_page"]) == (2, 1)
    found = await json_of(await cluster.edge_a.get("/api/v1/users?search=jones", headers=manager), 200)
    assert [u["id"] for u in found["items"]] == [bob["user"]["id"]]
    by_role = await json_of(await cluster.edge_a.get("/api/v1/users?role=manager", headers=manager), 200)
    assert by_role["total"] == 0 and by_role["items"] == []
    users = await json_of(await cluster.edge_a.get("/api/v1/users?role=USER", headers=manager), 200)
    assert users["total"] == 2

    for query in ("role=pilot", "page=0", "per_page=1000", "page=abc"):
        bad = await cluster.edge_a.get(f"/api/v1/users?{query}", headers=manager)
        assert_error(await json_of(bad, 400), "validation_error")


async def test_user_by_id(cluster: Cluster) -> None:
    alice = await register(cluster.edge_a, "alice2@example.com", "Alice")
    bob = await register(cluster.edge_a, "bob2@example.com", "Bob")
    for edge in cluster.edges:
        edge.session.cookie_jar.clear()
    manager = bearer(manager_token(cluster, alice["user"]["id"]))

    seen = await json_of(await cluster.edge_b.get(f"/api/v1/users/{bob['user']['id']}", headers=manager), 200)
    assert seen == {k: bob["user"][k] for k in ("id", "email", "name", "role", "created_at")}
    assert seen["role"] == "USER"

    foreign = await cluster.edge_b.get(
        f"/api/v1/users/{bob['user']['id']}", headers=bearer(alice["access_token"])
    )
    assert_error(await json_of(foreign, 403), "forbidden")
    missing = await cluster.edge_a.get("/api/v1/users/999999", headers=manager)
    assert_error(await json_of(missing, 404), "not_found")
    not_a_number = await cluster.edge_a.get("/api/v1/users/abc", headers=manager)
    assert_error(await json_of(not_a_number, 404), "not_found")
    anonymous = await cluster.edge_a.get(f"/api/v1/users/{bob['user']['id']}")
    assert_error(await json_of(anonymous, 401), "unauthorized")
