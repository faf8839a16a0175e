"""FreeMarket (001) exchange chains on two edges: three users in a ring → discovery proposes a chain →
each accepts (an outsider and a forged user_id refused, a repeat changes nothing) → the chain is an
active exchange with one chat for all three → everyone confirms. A decline dissolves a chain and its
items return to the pool."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from tests.conftest import Cluster
from tests.support.eventually import until
from tests.support.exchanges import EXCHANGE_DOMAINS, list_items
from tests.support.http import bearer, json_of

pytestmark = pytest.mark.domains(*EXCHANGE_DOMAINS)

Edge = TestClient[web.Request, web.Application]
PASSWORD = "StrongPassword123!"
RING = ["Книга по Python", "Настольная лампа", "Наушники"]


async def register(edge: Edge, username: str) -> tuple[int, str]:
    body = {"email": f"{username}@example.com", "password": PASSWORD, "username": username, "city": "Алматы"}
    out = await json_of(await edge.post("/auth/register", json=body), 200)
    edge.session.cookie_jar.clear()
    return out["user"]["id"], out["access_token"]


async def error_of(resp: ClientResponse, status: int) -> str:
    body = await json_of(resp, status)
    assert set(body) == {"detail", "status_code", "error_type"} and body["status_code"] == status, body
    return body["detail"]  # type: ignore[no-any-return]


async def three_in_a_ring(cluster: Cluster) -> list[tuple[int, str]]:
    """Ann, Ben and Cat: each offers one thing of RING and wants the next one's; no two fit each other."""
    people = [await register(cluster.edge_a, name) for name in ("ann", "ben", "cat")]
    for n, (user_id, _) in enumerate(people):
        await list_items(cluster.worker_bus, user_id, [RING[n]], [RING[(n + 1) % 3]])
    return people


async def proposed(edge: Edge, user_id: int, token: str) -> dict[str, Any]:
    """The user's one chain, once the incremental re-match has proposed it."""
    url = f"/api/chains/user/{user_id}"

    async def there() -> bool:
        return bool((await json_of(await edge.get(url, headers=bearer(token)), 200))["total"] == 1)

    await until(there, within_s=10, what="a chain proposed")
    return (await json_of(await edge.get(url, headers=bearer(token)), 200))["items"][0]  # type: ignore[no-any-return]


async def types_of(edge: Edge, token: str) -> list[str]:
    out = await json_of(await edge.get("/api/notifications/", headers=bearer(token)), 200)
    return [n["type"] for n in reversed(out["notifications"])]


async def test_a_ring_of_three_becomes_a_chain_then_an_exchange_everyone_confirms(cluster: Cluster) -> None:
    a, b = cluster.edge_a, cluster.edge_b
    people = await three_in_a_ring(cluster)
    (ann, ann_token), (ben, ben_token), (cat, cat_token) = people
    _, dan_token = await register(b, "dan")
    admin = bearer(cluster.signer.token(ann, "admin"))

    # Their listings re-matched by themselves: the chain is proposed without anyone asking.
    chain = await proposed(a, ann, ann_token)
    chain_id = chain["id"]
    assert len(chain["items"]) == 3 and 0 < chain["score"] <= 1

    # Everyone sees it as theirs, with usernames; nobody sees another's; an outsider sees none.
    mine = await json_of(await b.get(f"/api/chains/user/{ben}", headers=bearer(ben_token)), 200)
    [listed] = mine["items"]
    assert mine["total"] == 1 and (mine["skip"], mine["limit"]) == (0, 20)
    assert listed == chain and listed["status"] == "pending"
    assert sorted(listed["participants"]) == ["ann", "ben", "cat"]
    assert (await json_of(await a.get("/api/chains/all", headers=bearer(cat_token)), 200))["items"] == [
        listed
    ]
    assert (await json_of(await a.get("/api/chains/all", headers=bearer(dan_token)), 200))["total"] == 0
    await error_of(await a.get(f"/api/chains/user/{ann}", headers=bearer(ben_token)), 403)
    await error_of(await a.get("/api/chains/all", params={"sort": "nope"}, headers=bearer(ben_token)), 400)
    for _, token in people:
        assert await types_of(a, token) == ["chain_proposal"]

    # A proposed chain has no chat yet and cannot be confirmed.
    exchange_id = f"chain_{chain_id}"
    await error_of(await a.get(f"/api/chat/exchange/{exchange_id}/history", headers=bearer(ann_token)), 404)
    await error_of(await a.post(f"/api/exchanges/{exchange_id}/confirm", headers=bearer(ann_token)), 409)

    accept = f"/api/chains/{chain_id}/accept"
    await error_of(await a.post(accept, json={"user_id": ann}, headers=bearer(dan_token)), 403)
    await error_of(await a.post(accept, json={}, headers=bearer(dan_token)), 404)
    await error_of(await a.post(accept, json={"user_id": ben}, headers=bearer(ann_token)), 403)
    await error_of(await a.post(accept, json={"user_id": ann}), 401)
    said = await json_of(await a.post(accept, json={"user_id": ann}, headers=bearer(ann_token)), 200)
    assert said == {
        "chain_id": chain_id,
        "user_id": ann,
        "status": "accepted",
        "message": "You've accepted this exchange chain",
    }
    again = await json_of(await b.post(accept, json={"user_id": ann}, headers=bearer(ann_token)), 200)
    assert again["status"] == "accepted" and "already" in again["message"]
    await json_of(await b.post(accept, json={"user_id": ben}, headers=bearer(ben_token)), 200)
    last = await json_of(await b.post(accept, json={}, headers=bearer(cat_token)), 200)
    assert "every participant accepted" in last["message"]
    await error_of(await a.post(f"/api/chains/{chain_id}/decline", json={}, headers=bearer(ben_token)), 409)
    listed = (await json_of(await a.get("/api/chains/all", headers=admin), 200))["items"][0]
    assert listed["status"] == "active"
    for _, token in people:
        assert await types_of(b, token) == ["chain_proposal", "chain_agreed"]

    # One chat for all three, opened as the chain was agreed.
    history = f"/api/chat/exchange/{exchange_id}/history"
    assert (await json_of(await b.get(history, headers=bearer(cat_token)), 200))["messages"] == []
    await error_of(await a.get(history, headers=bearer(dan_token)), 404)
    unread = await json_of(await a.get("/api/chat/unread-counts", headers=bearer(ben_token)), 200)
    assert unread["exchanges"] == {exchange_id: 0}

    confirm = f"/api/exchanges/{exchange_id}/confirm"
    for n, (user_id, token) in enumerate(people):
        out: dict[str, Any] = await json_of(await a.post(confirm, headers=bearer(token)), 200)
        assert set(out["participants"]) == {ann, ben, cat} and out["confirmed_by"] == user_id
        assert (out["items_archived"] == []) is (n < 2)
    assert sorted(out["items_archived"]) == sorted(chain["items"])
    done = await json_of(
        await a.post(f"/api/chains/{chain_id}/accept", json={}, headers=bearer(ann_token)), 200
    )
    assert "already" in done["message"]
    assert (await json_of(await a.get("/api/chains/all", headers=admin), 200))["items"][0][
        "status"
    ] == "completed"


async def test_a_decline_dissolves_the_chain_and_its_items_return_to_the_pool(cluster: Cluster) -> None:
    a = cluster.edge_a
    (ann, ann_token), (ben, ben_token), (cat, cat_token) = await three_in_a_ring(cluster)
    chain = await proposed(a, cat, cat_token)
    await json_of(await a.post(f"/api/chains/{chain['id']}/accept", json={}, headers=bearer(ann_token)), 200)
    body = {"user_id": ben, "reason": "Не подходит по времени"}
    said = await json_of(
        await a.post(f"/api/chains/{chain['id']}/decline", json=body, headers=bearer(ben_token)), 200
    )
    assert said == {
        "chain_id": chain["id"],
        "user_id": ben,
        "status": "declined",
        "message": "You've declined this exchange chain",
    }
    again = await json_of(
        await a.post(f"/api/chains/{chain['id']}/decline", json={}, headers=bearer(ben_token)), 200
    )
    assert "already" in again["message"]
    await error_of(await a.post(f"/api/chains/{chain['id']}/accept", json={}, headers=bearer(cat_token)), 409)
    listed = await json_of(await a.get(f"/api/chains/user/{cat}", headers=bearer(cat_token)), 200)
    assert [c["status"] for c in listed["items"]] == ["dissolved"]
    told = await json_of(await a.get("/api/notifications/", headers=bearer(ann_token)), 200)
    dissolved = told["notifications"][0]
    assert dissolved["type"] == "exchange_dissolved" and "Не подходит по времени" in dissolved["message"]
    await error_of(
        await a.post(f"/api/exchanges/chain_{chain['id']}/confirm", headers=bearer(ann_token)), 409
    )

    # The items are back in the pool (nothing re-matches them by itself): discovery proposes them
    # again, as a new chain. A user's discovery looks around himself.
    admin = bearer(cluster.signer.token(ann, "admin"))
    for bad in (
        {"min_participants": 1},
        {"max_participants": 11},
        {"min_participants": 5, "max_participants": 4},
    ):
        await error_of(await a.post("/api/chains/discover", json=bad, headers=admin), 400)
    assert (await json_of(await a.post("/api/chains/discover", json={"min_participants": 2, "max_participants": 2}, headers=admin), 200)) == {
        "chains_created": 0, "total_participants": 0, "chains": [],
    }  # fmt: skip
    body = {"min_participants": 3, "max_participants": 10}
    found = await json_of(await a.post("/api/chains/discover", json=body, headers=bearer(ann_token)), 200)
    assert found["chains_created"] == 1 and found["total_participants"] == 3
    [again_proposed] = found["chains"]
    assert again_proposed["participants"] == 3 and sorted(again_proposed["items"]) == sorted(chain["items"])
    assert again_proposed["id"] != chain["id"] and 0 < again_proposed["score"] <= 1
    listed = await json_of(
        await a.get(f"/api/chains/user/{ann}", params={"order": "asc"}, headers=bearer(ann_token)), 200
    )
    assert [c["status"] for c in listed["items"]] == ["dissolved", "pending"]
    assert await types_of(a, ben_token) == ["chain_proposal", "exchange_dissolved", "chain_proposal"]
