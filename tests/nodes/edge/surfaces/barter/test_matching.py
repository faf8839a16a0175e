"""FreeMarket (001) matching, end to end on two edges: two users list mirrored items, a run of the
pipeline finds their bilateral match, both are notified live (SSE), they chat on /ws/exchange/{id},
both confirm and the items are archived; who may run what; the test flow's scenarios."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from tests.conftest import Cluster
from tests.nodes.edge.surfaces.ws_client import WsClient
from tests.support.eventually import until
from tests.support.exchanges import EXCHANGE_DOMAINS
from tests.support.http import bearer, json_of
from tests.support.places import places_loaded
from tests.support.sse import SseStream

pytestmark = pytest.mark.domains(*EXCHANGE_DOMAINS)

Edge = TestClient[web.Request, web.Application]
PASSWORD = "StrongPassword123!"


async def register(edge: Edge, username: str) -> tuple[int, str]:
    body = {"email": f"{username}@example.com", "password": PASSWORD, "username": username, "city": "Алматы",
            "telegram_contact": f"@{username}_tg"}  # fmt: skip
    out = await json_of(await edge.post("/auth/register", json=body), 200)
    edge.session.cookie_jar.clear()
    return out["user"]["id"], out["access_token"]


async def error_of(resp: ClientResponse, status: int) -> str:
    body = await json_of(resp, status)
    assert set(body) == {"detail", "status_code", "error_type"} and body["status_code"] == status, body
    return body["detail"]  # type: ignore[no-any-return]


def listing(offer: str, want: str, value: int) -> dict[str, Any]:
    return {
        "offers": {"PERMANENT": [{"item_name": offer, "value_tenge": value}]},
        "wants": {"PERMANENT": [{"item_name": want, "value_tenge": value}]},
    }


async def notifications(edge: Edge, token: str) -> list[dict[str, Any]]:
    out = await json_of(await edge.get("/api/notifications/", headers=bearer(token)), 200)
    return out["notifications"]  # type: ignore[no-any-return]


async def offer_ids(edge: Edge) -> set[int]:
    out = await json_of(await edge.get("/api/listings/offers", params={"limit": 100}), 200)
    return {item["id"] for item in out}


async def test_a_bilateral_match_from_listing_to_archived_items(cluster: Cluster) -> None:
    a, b = cluster.edge_a, cluster.edge_b
    (alice, alice_token), (bob, bob_token) = await register(a, "alice"), await register(b, "bob")
    _, carol_token = await register(a, "carol")
    alice_feed = await SseStream.open(b, "/api/events/stream", token=alice_token)
    bob_feed = await SseStream.open(a, "/api/events/stream", token=bob_token)
    await alice_feed.until_marker()
    await bob_feed.until_marker()
    await places_loaded(cluster.worker_bus)  # a first listing asks the catalog for the owner's city

    made = await json_of(await a.post("/api/listings/create-by-categories", json=listing("Велосипед детский", "Самокат", 30000),
                                      headers=bearer(alice_token)), 201)  # fmt: skip
    await json_of(await b.post("/api/listings/create-by-categories", json=listing("Самокаты", "Детские велосипеды", 30000),
                               headers=bearer(bob_token)), 201)  # fmt: skip
    offered = await offer_ids(a)

    # Only admins run everyone's matching; a user runs his own, nobody else's.
    for body in ({"user_id": None}, {}, {"user_id": bob}):
        resp = await a.post("/api/matching/run-pipeline", json=body, headers=bearer(alice_token))
        await error_of(resp, 403)
    await error_of(await a.post("/api/matching/run-pipeline", json={"user_id": alice}), 401)
    ran = await json_of(
        await a.post("/api/matching/run-pipeline", json={"user_id": alice}, headers=bearer(alice_token)), 200
    )
    # Each listing re-matches by itself at once: the run finds the match unless that did first.
    assert ran["errors"] == [] and ran["exchange_chains"] == 0
    assert (ran["bilateral_matches"], ran["total_participants"]) in ((1, 2), (0, 0))

    # Both are told live, on the other edge, and the notification carries the document's payload.
    assert (await alice_feed.event())["type"] == "notification_new"
    assert (await bob_feed.event())["title"] == "New match found!"
    [told] = await notifications(a, alice_token)
    payload = told["payload"]
    assert told["type"] == "bilateral_match"
    assert {k: payload[k] for k in ("partner", "partner_contact", "partner_item", "your_item")} == {
        "partner": "bob", "partner_contact": "@bob_tg", "partner_item": "Самокаты", "your_item": "Велосипед детский",
    }  # fmt: skip
    assert 0 < payload["score"] <= 1 and "bob" in payload["message"]
    exchange_id = payload["exchange_id"]
    alice_offer = next(i["id"] for i in made["listings"] if i["item_type"] == "OFFER")
    assert exchange_id.startswith(f"mutual_{min(alice, bob)}_{max(alice, bob)}_")
    [bobs] = await notifications(b, bob_token)
    assert bobs["payload"]["exchange_id"] == exchange_id and bobs["payload"]["partner"] == "alice"
    status = await json_of(await b.get("/api/matching/status"), 200)
    assert status["status"] == "success" and status["last_run"] is not None
    # Another run finds nothing new: their items are in the exchange.
    again = await json_of(
        await b.post("/api/matching/run-pipeline", json={"user_id": bob}, headers=bearer(bob_token)), 200
    )
    assert again["bilateral_matches"] == 0
    status = await json_of(await b.get("/api/matching/status"), 200)
    assert {k: status[k] for k in ("bilateral_matches", "chains_discovered", "participants_notified", "status")} == {
        "bilateral_matches": 0, "chains_discovered": 0, "participants_notified": 0, "status": "success",
    }  # fmt: skip

    # They chat; an outsider reaches neither the chat nor the confirmation.
    alice_ws = await WsClient.connect(
        a, f"/ws/exchange/{exchange_id}", registered=True, params={"token": alice_token}
    )
    bob_ws = await WsClient.connect(
        b, f"/ws/exchange/{exchange_id}", registered=True, params={"token": bob_token}
    )
    await alice_ws.send({"type": "message", "text": "Встретимся завтра?", "message_type": "TEXT"})
    [live] = await bob_ws.wait_for("message")
    assert (live["sender_id"], live["message_text"]) == (alice, "Встретимся завтра?")
    carol_ws = await WsClient.connect(
        a, f"/ws/exchange/{exchange_id}", registered=True, params={"token": carol_token}
    )
    assert await carol_ws.closed_with() == 4004
    await error_of(await a.get(f"/api/chat/exchange/{exchange_id}/history", headers=bearer(carol_token)), 404)
    confirm = f"/api/exchanges/{exchange_id}/confirm"
    await error_of(await a.post(confirm, headers=bearer(carol_token)), 404)
    await error_of(await a.post(confirm, params={"confirmer_user_id": bob}, headers=bearer(alice_token)), 403)

    first = await json_of(
        await a.post(confirm, params={"confirmer_user_id": alice}, headers=bearer(alice_token)), 200
    )
    assert first["items_archived"] == [] and first["participants"] == sorted(first["participants"])
    assert set(first["participants"]) == {alice, bob} and first["confirmed_by"] == alice
    repeated = await json_of(
        await b.post(f"/exchanges/{exchange_id}/confirm", headers=bearer(alice_token)), 200
    )
    assert "already" in repeated["message"] and repeated["items_archived"] == []
    last = await json_of(await b.post(f"/exchanges/{exchange_id}/confirm", headers=bearer(bob_token)), 200)
    assert last["status"] == "success" and len(last["items_archived"]) == 2
    assert last["message"] == "Exchange confirmed and items automatically cleaned up from listings"
    assert alice_offer in last["items_archived"] and set(last["items_archived"]) <= offered
    assert not set(last["items_archived"]) & await offer_ids(a)  # gone from the offers
    assert {n["type"] for n in await notifications(a, alice_token)} == {
        "bilateral_match",
        "exchange_completed",
    }
    # The chat stays readable once the exchange is completed.
    history = await json_of(
        await a.get(f"/api/chat/exchange/{exchange_id}/history", headers=bearer(bob_token)), 200
    )
    assert [m["message_text"] for m in history["messages"]] == ["Встретимся завтра?"]
    for client in (alice_ws, bob_ws, carol_ws):
        await client.close()
    alice_feed.close()
    bob_feed.close()


async def test_the_test_flow_runs_the_engine_for_admins_only(cluster: Cluster) -> None:
    admin = bearer(cluster.signer.token(1, "admin"))
    for scenario in ("bilateral", "chains", "locations", "scoring"):
        out = await json_of(
            await cluster.edge_a.post("/api/matching/test-flow", json={"scenario": scenario}, headers=admin),
            200,
        )
        assert out["test"] == scenario and out["passed"] is True, out
        assert out["matches_found"] == 1, out
    full = await json_of(
        await cluster.edge_b.post("/api/matching/test-flow", json={"scenario": "full"}, headers=admin), 200
    )
    assert full == {**full, "test": "full", "passed": True, "matches_found": 4}
    _, token = await register(cluster.edge_a, "dave")
    await error_of(
        await cluster.edge_a.post(
            "/api/matching/test-flow", json={"scenario": "full"}, headers=bearer(token)
        ),
        403,
    )
    await error_of(
        await cluster.edge_a.post("/api/matching/test-flow", json={"scenario": "nope"}, headers=admin), 400
    )
    # Nothing was stored: no run, no exchange.
    status = await json_of(await cluster.edge_a.get("/api/matching/status"), 200)
    assert status == {"last_run": None, "bilateral_matches": 0, "chains_discovered": 0, "participants_notified": 0,
                      "status": "never"}  # fmt: skip


async def test_a_dissolved_swap_comes_back_when_its_items_meet_again(cluster: Cluster) -> None:
    """Alice withdraws the want her swap fills (dissolved), then wants the same again: the same two
    offers meet again and the swap comes back under its id, agreed afresh and announced again."""
    a, b = cluster.edge_a, cluster.edge_b
    (_, alice_token), (_, bob_token) = await register(a, "alice"), await register(b, "bob")
    made = await json_of(await a.post("/api/listings/create-by-categories", json=listing("Гитара", "Ноутбук", 50000),
                                      headers=bearer(alice_token)), 201)  # fmt: skip
    await json_of(await b.post("/api/listings/create-by-categories", json=listing("Ноутбук", "Гитара", 50000),
                               headers=bearer(bob_token)), 201)  # fmt: skip
    [want] = [item for item in made["listings"] if item["item_type"] == "WANT"]
    patch = f"/api/listings/{made['id']}"

    async def history(token: str) -> list[tuple[str, str]]:
        out = await json_of(await a.get("/api/history/my-exchanges", headers=bearer(token)), 200)
        return [(e["id"], e["status"]) for e in out["exchanges"]]

    async def status_is(status: str) -> bool:
        return [s for _, s in await history(bob_token)] == [status]

    await until(lambda: status_is("ACTIVE"), within_s=10, what="the swap")
    [(swap, _)] = await history(bob_token)
    await json_of(await a.patch(patch, json={"remove_items": [want["id"]]}, headers=bearer(alice_token)), 200)
    await until(lambda: status_is("CANCELLED"), within_s=10, what="dissolved")
    again = {
        "wants": {
            "electronics": [{"item_name": "Ноутбук", "value_tenge": 50000, "exchange_type": "PERMANENT"}]
        }
    }
    await json_of(await a.patch(patch, json=again, headers=bearer(alice_token)), 200)
    await until(lambda: status_is("ACTIVE"), within_s=10, what="the swap again")
    assert await history(alice_token) == [(swap, "ACTIVE")]
    detail = await json_of(await b.get(f"/api/history/exchanges/{swap}", headers=bearer(bob_token)), 200)
    assert [e["event_type"] for e in detail["timeline"]] == ["CREATED", "DISSOLVED", "CREATED"]
    assert "again" in detail["timeline"][-1]["details"]

    async def told_bob() -> list[str]:
        return [n["type"] for n in await notifications(b, bob_token)]

    expected = ["bilateral_match", "exchange_dissolved", "bilateral_match"]
    await until(lambda: _sorted_equal(told_bob(), expected), within_s=10, what="told again")
    # Agreed afresh: nobody's earlier word carries over, and a confirmation is taken.
    first = await json_of(await a.post(f"/api/exchanges/{swap}/confirm", headers=bearer(alice_token)), 200)
    assert first["items_archived"] == [] and "already" not in first["message"]


async def _sorted_equal(got: Awaitable[list[str]], expected: list[str]) -> bool:
    return sorted(await got) == sorted(expected)
