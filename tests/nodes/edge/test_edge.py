"""The edge through HTTP: contracts' shapes, two edges on one worker pool, middleware behaviour."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
import socketio
from pytest_aiohttp import AiohttpClient

from nodes.edge.app import create_app
from nodes.edge.auth import KeyRing
from nodes.runtime.bus import Bus
from tests.conftest import Cluster

# FreeMarket's user answers carry a trust score: matching's standing, from moderation's report counts.
pytestmark = [pytest.mark.domains("identity", "matching", "moderation"), pytest.mark.database_agnostic]


async def test_health_in_the_freemarket_shape(cluster: Cluster) -> None:
    for edge in cluster.edges:
        resp = await edge.get("/health")
        assert resp.status == 200
        assert await resp.json() == {"status": "ok", "message": "FreeMarket API is running"}
    resp = await cluster.edge_a.get("/")
    assert await resp.json() == {"message": "FreeMarket API", "version": "1.0.0"}


async def test_two_edges_reach_the_same_worker_pool(cluster: Cluster) -> None:
    created = await cluster.edge_a.post(
        "/api/users/",
        json={
            "username": "Test_User",
            "email": "Test@Example.com",
            "phone": "8 700 123-45-67",
            "city": "Алматы",
        },
    )
    assert created.status == 201
    user = await created.json()
    assert user["username"] == "Test_User" and user["city"] == "Алматы" and user["is_active"] is True
    assert set(user) == {
        "id",
        "username",
        "email",
        "full_name",
        "telegram_contact",
        "city",
        "bio",
        "is_active",
        "created_at",
    }

    fetched = await cluster.edge_b.get(f"/api/users/{user['id']}")
    assert fetched.status == 200
    body = await fetched.json()
    assert body["id"] == user["id"] and body["email"] == "Test@Example.com"
    assert body["trust_score"] == 0.0 and body["last_login_at"] is None

    by_name = await cluster.edge_b.get("/api/users/username/test_user")
    assert (await by_name.json())["id"] == user["id"]

    ready_a = await (await cluster.edge_a.get("/ready")).json()
    ready_b = await (await cluster.edge_b.get("/ready")).json()
    assert ready_a["ready"] and ready_b["ready"] and ready_a["nats"]
    assert ready_a["domains"]["identity"]["instance"] == ready_b["domains"]["identity"]["instance"]
    assert ready_a["node"] != ready_b["node"]


async def test_conflicts_are_409_in_the_contract_format(cluster: Cluster) -> None:
    first = await cluster.edge_a.post("/api/users/", json={"username": "dup", "phone": "+77001234567"})
    assert first.status == 201
    again = await cluster.edge_b.post("/api/users/", json={"username": "DUP"})
    assert again.status == 409
    assert await again.json() == {
        "detail": "Username already exists",
        "status_code": 409,
        "error_type": "conflict",
    }
    phone = await cluster.edge_b.post("/api/users/", json={"username": "other", "phone": "8 (700) 123 45 67"})
    assert phone.status == 409 and (await phone.json())["detail"] == "Phone already exists"


async def test_bad_input_is_400_and_stores_nothing(cluster: Cluster) -> None:
    bad_json = await cluster.edge_a.post(
        "/api/users/", data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert bad_json.status == 400
    assert (await bad_json.json())["error_type"] == "validation_error"
    short = await cluster.edge_a.post("/api/users/", json={"username": "x"})
    assert short.status == 400
    body = await short.json()
    assert body["status_code"] == 400 and "username" in body["detail"]
    bad_email = await cluster.edge_a.post(
        "/api/users/", json={"username": "someone", "email": "not-an-email"}
    )
    assert bad_email.status == 400
    missing = await cluster.edge_a.get("/api/users/username/someone")
    assert missing.status == 404


async def test_unknown_objects_and_paths_are_404(cluster: Cluster) -> None:
    resp = await cluster.edge_a.get("/api/users/999999")
    assert resp.status == 404
    assert await resp.json() == {"detail": "User not found", "status_code": 404, "error_type": "not_found"}
    resp = await cluster.edge_a.get("/api/users/not-a-number")
    assert resp.status == 404
    resp = await cluster.edge_a.get("/no/such/path")
    assert resp.status == 404
    assert (await resp.json())["detail"]


async def test_request_ids_are_echoed_or_made(cluster: Cluster) -> None:
    resp = await cluster.edge_a.get("/health", headers={"X-Request-ID": "client-chosen-id-1"})
    assert resp.headers["X-Request-ID"] == "client-chosen-id-1"
    resp = await cluster.edge_a.get("/health", headers={"X-Request-ID": "bad id\twith junk"})
    assert resp.headers["X-Request-ID"] != "bad id\twith junk" and len(resp.headers["X-Request-ID"]) == 32


async def test_oversized_bodies_are_refused(cluster: Cluster) -> None:
    limit = cluster.settings.edge.max_body_bytes
    resp = await cluster.edge_a.post(
        "/api/users/", data=b"x" * (limit + 1), headers={"Content-Type": "application/json"}
    )
    assert resp.status == 413
    assert (await resp.json())["status_code"] == 413


async def test_cors_only_for_configured_origins(cluster: Cluster, aiohttp_client: AiohttpClient) -> None:
    resp = await cluster.edge_a.get("/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in resp.headers

    edge = cluster.settings.edge
    settings = replace(cluster.settings, edge=replace(edge, cors_origins=("https://app.example",)))
    bus = await Bus.connect(settings.nats.url, name="edge-cors", echo=False)
    try:
        client = await aiohttp_client(create_app(settings, bus, KeyRing()))
        preflight = await client.options(
            "/api/users/",
            headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example"
        assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
        other = await client.get("/health", headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in other.headers
    finally:
        await bus.close()


async def test_an_edge_refuses_a_bus_that_hears_its_own_publishes(cluster: Cluster) -> None:
    # It shares senders' copies of their messages through NATS and must not be sent them back.
    bus = await Bus.connect(cluster.settings.nats.url, name="edge-echo")
    try:
        with pytest.raises(ValueError, match="echo=False"):
            create_app(cluster.settings, bus, KeyRing())
    finally:
        await bus.close()


async def test_readiness_reports_a_missing_domain(cluster: Cluster) -> None:
    await cluster.workers.stop()
    resp = await cluster.edge_a.get("/ready")
    assert resp.status == 503
    body = await resp.json()
    assert body["ready"] is False and body["domains"]["identity"]["ready"] is False
    resp = await cluster.edge_a.get("/api/users/1")
    assert resp.status == 503
    assert resp.headers["Retry-After"]
    assert (await resp.json())["error_type"] == "service_unavailable"


async def test_socketio_connects_only_with_a_valid_access_token(cluster: Cluster) -> None:
    url = str(cluster.edge_a.make_url("/"))
    good = socketio.AsyncClient()
    await good.connect(url, auth={"token": cluster.signer.token(7)}, transports=["websocket"], wait_timeout=5)
    assert good.connected
    await good.disconnect()

    for auth in ({"token": cluster.signer.token(7, typ="refresh")}, {"token": "garbage"}, None):
        bad = socketio.AsyncClient()
        try:
            await bad.connect(url, auth=auth, transports=["websocket"], wait_timeout=5)
        except socketio.exceptions.ConnectionError:
            pass
        assert not bad.connected
        await bad.disconnect()
        await asyncio.sleep(0)
