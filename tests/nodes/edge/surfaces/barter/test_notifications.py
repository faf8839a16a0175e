"""FreeMarket's notifications through HTTP: listed by status, read by their owner only."""

from __future__ import annotations

import pytest

from protocols.envelope import Actor
from protocols.notify import Notify
from tests.conftest import Cluster
from tests.support.http import bearer, json_of

pytestmark = pytest.mark.domains("identity", "notify")

PASSWORD = "SecurePass123!"
NOT_FOUND = {"detail": "Notification not found", "status_code": 404, "error_type": "not_found"}


async def sign_up(cluster: Cluster, name: str) -> tuple[int, dict[str, str]]:
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    out = await json_of(await cluster.edge_a.post("/auth/register", json=body), 200)
    return out["user"]["id"], bearer(out["access_token"])


async def test_notifications_by_status_and_owner(cluster: Cluster) -> None:
    ann, ann_auth = await sign_up(cluster, "ann")
    bob, bob_auth = await sign_up(cluster, "bob")
    match = Notify(
        user_ids=[ann, bob], type="bilateral_match", title="New match found!",
        message="You have a new potential exchange", payload={"partner": "bob_456", "score": 0.92},
    )  # fmt: skip
    created = await cluster.worker_bus.request(match, actor=Actor.system())
    await cluster.worker_bus.request(
        Notify(user_ids=[ann], type="review", title="New review"), actor=Actor.system()
    )

    listed = await json_of(
        await cluster.edge_b.get(f"/api/notifications/?user_id={ann}", headers=ann_auth), 200
    )
    assert listed["count"] == 2 and [n["type"] for n in listed["notifications"]] == [
        "review",
        "bilateral_match",
    ]
    first = listed["notifications"][1]
    assert first["payload"] == {"partner": "bob_456", "score": 0.92} and first["read"] is False
    assert set(first) == {"id", "user_id", "type", "title", "message", "payload", "read", "created_at"}

    mine = created.items[0].id
    marked = await cluster.edge_a.post(f"/api/notifications/{mine}/read", headers=ann_auth)
    assert await json_of(marked, 200) == {"notification_id": mine, "status": "read"}
    pending = await json_of(
        await cluster.edge_b.get("/api/notifications/?status=pending", headers=ann_auth), 200
    )
    assert [n["type"] for n in pending["notifications"]] == ["review"] and pending["count"] == 1
    done = await json_of(await cluster.edge_b.get("/api/notifications/?status=read", headers=ann_auth), 200)
    assert [n["id"] for n in done["notifications"]] == [mine]

    # Someone else's: not theirs to read, list or mark.
    assert (
        await json_of(await cluster.edge_a.post(f"/api/notifications/{mine}/read", headers=bob_auth), 404)
        == NOT_FOUND
    )
    foreign = await cluster.edge_a.get(f"/api/notifications/?user_id={ann}", headers=bob_auth)
    assert foreign.status == 404
    bobs = await json_of(await cluster.edge_a.get("/api/notifications/", headers=bob_auth), 200)
    assert bobs["count"] == 1 and bobs["notifications"][0]["read"] is False
    bad = await cluster.edge_a.get("/api/notifications/?status=maybe", headers=bob_auth)
    assert (await json_of(bad, 400))["error_type"] == "validation_error"
    assert (await cluster.edge_a.get("/api/notifications/")).status == 401
