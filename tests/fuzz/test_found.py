"""What the fuzzer found, pinned by hand so that each stays fixed even if the fuzzer stops generating
it (see test_every_endpoint.py)."""

from __future__ import annotations

import pytest

from tests.conftest import Cluster
from tests.nodes.edge.realtime.live import LiveClient
from tests.support.http import bearer, json_of

pytestmark = pytest.mark.domains("identity")

DIALOGS = "/api/v1/chat/dialogs"


async def signed_in(cluster: Cluster, email: str) -> dict[str, str]:
    resp = await cluster.edge_a.post(
        "/api/v1/auth/register", json={"email": email, "password": "FuzzPass123!"}
    )
    return bearer((await json_of(resp, 201))["access_token"])


async def test_a_chat_body_that_is_not_json_is_fastapis_422(cluster: Cluster) -> None:
    headers = {**await signed_in(cluster, "a@example.com"), "Content-Type": "application/json"}
    resp = await cluster.edge_a.post(f"{DIALOGS}/1/messages", data=b"\x14", headers=headers)
    body = await json_of(resp, 422)  # was 400 {"detail": "request body is not valid JSON"}
    assert [error["type"] for error in body["detail"]] == ["json_invalid"] and body["detail"][0]["loc"] == [
        "body"
    ]


async def test_ids_past_the_32_bit_columns_are_refused_not_a_server_error(cluster: Cluster) -> None:
    """PostgreSQL refuses an id over 2**31 - 1 in a query (500 there, not on SQLite)."""
    headers = await signed_in(cluster, "b@example.com")
    resp = await cluster.edge_a.post(DIALOGS, json={"ad_id": 1, "seller_id": 2**31}, headers=headers)
    await json_of(resp, 422)
    resp = await cluster.edge_a.post(f"{DIALOGS}/{2**31}/block", headers=headers)
    await json_of(resp, 404)


async def test_ids_past_the_32_bit_columns_are_refused_on_every_transport(cluster: Cluster) -> None:
    """The same bound on ids a worker is sent, whoever sends it: a REST path answers not-found, and a
    Socket.IO send a validation ack, where PostgreSQL failed the writer's whole batch."""
    headers = await signed_in(cluster, "c@example.com")
    resp = await cluster.edge_a.get(f"/api/users/{2**31}", headers=headers)
    await json_of(resp, 404)
    token = headers["Authorization"].removeprefix("Bearer ")
    client = await LiveClient.connect(cluster.edge_a, token)
    try:
        for payload in ({"conversation_id": 2**40, "body": "hi"}, {"positions": {str(2**40): 1}}):
            event = "send" if "body" in payload else "catch_up"
            ack = await client.sio.call(event, payload, timeout=5)
            assert ack["ok"] is False and ack["error"]["code"] == "validation", ack
    finally:
        await client.sio.disconnect()
