"""MillionAvto (000) chat through HTTP on two edges: dialogs about active ads between a buyer and the
ad's owner, messages and their paging, read state, blocking, strangers, and FastAPI's errors."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import Cluster
from tests.support.ads import ADS, CAR, active_ad, approve
from tests.support.http import User, bearer, json_of

pytestmark = pytest.mark.domains("identity", "chat", "catalog", "market")

Edge = TestClient[web.Request, web.Application]

PASSWORD = "SecurePass123!"
DIALOGS = "/api/v1/chat/dialogs"


async def register(edge: Edge, email: str) -> User:
    resp = await edge.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    out = await json_of(resp, 201)
    return User(id=out["user"]["id"], headers=bearer(out["access_token"]))


async def open_dialog(edge: Edge, buyer: User, seller: User, ad: int, **extra: Any) -> dict[str, Any]:
    resp = await edge.post(
        DIALOGS, json={"ad_id": ad, "seller_id": seller.id, **extra}, headers=buyer.headers
    )
    return await json_of(resp, 201)  # type: ignore[no-any-return]


async def send(edge: Edge, user: User, dialog_id: int, content: str) -> dict[str, Any]:
    resp = await edge.post(f"{DIALOGS}/{dialog_id}/messages", json={"content": content}, headers=user.headers)
    return await json_of(resp, 201)  # type: ignore[no-any-return]


async def messages(edge: Edge, user: User, dialog_id: int, query: str = "") -> dict[str, Any]:
    resp = await edge.get(f"{DIALOGS}/{dialog_id}/messages{query}", headers=user.headers)
    return await json_of(resp, 200)  # type: ignore[no-any-return]


async def dialog(edge: Edge, user: User, dialog_id: int) -> dict[str, Any]:
    resp = await edge.get(f"{DIALOGS}/{dialog_id}", headers=user.headers)
    return await json_of(resp, 200)  # type: ignore[no-any-return]


async def seller_ad(cluster: Cluster, seller: User) -> int:
    """A new active ad of the seller's."""
    return await active_ad(cluster.edge_a.post, cluster.worker_bus, seller.headers)


async def pair(cluster: Cluster) -> tuple[User, User, int]:
    """A buyer, a seller and the seller's active ad."""
    buyer = await register(cluster.edge_a, "buyer@example.com")
    seller = await register(cluster.edge_b, "seller@example.com")
    return buyer, seller, await seller_ad(cluster, seller)


# --- dialogs ---------------------------------------------------------------------------------------


async def test_a_dialog_opened_on_a_is_the_sellers_on_b_and_opening_it_again_is_the_same(
    cluster: Cluster,
) -> None:
    buyer, seller, ad = await pair(cluster)
    opened = await open_dialog(cluster.edge_a, buyer, seller, ad)
    assert set(opened) == {
        "id", "ad_id", "buyer_id", "seller_id", "last_message", "unread_count", "is_blocked", "blocked_by_me",
        "created_at", "updated_at",
    }  # fmt: skip
    assert (opened["ad_id"], opened["buyer_id"], opened["seller_id"]) == (ad, buyer.id, seller.id)
    assert opened["last_message"] is None and opened["unread_count"] == 0 and opened["is_blocked"] is False

    again = await open_dialog(cluster.edge_b, buyer, seller, ad)
    assert again["id"] == opened["id"]
    # The ad names its seller: a buyer may leave it out and reaches the same dialog.
    resp = await cluster.edge_b.post(DIALOGS, json={"ad_id": ad}, headers=buyer.headers)
    assert (await json_of(resp, 201))["id"] == opened["id"]

    listed = await json_of(await cluster.edge_b.get(DIALOGS, headers=seller.headers), 200)
    assert (listed["total"], listed["page"], listed["size"], listed["pages"]) == (1, 1, 20, 1)
    assert [d["id"] for d in listed["items"]] == [opened["id"]]
    assert (await dialog(cluster.edge_b, seller, opened["id"]))["seller_id"] == seller.id


async def test_dialogs_list_newest_activity_first_and_filters_by_ad(cluster: Cluster) -> None:
    buyer, seller, ad = await pair(cluster)
    first = await open_dialog(cluster.edge_a, buyer, seller, ad)
    other_ad = await seller_ad(cluster, seller)
    second = await open_dialog(
        cluster.edge_a, buyer, seller, other_ad, message="Hello! Is this car still available?"
    )
    assert second["id"] != first["id"]
    assert second["last_message"]["content"] == "Hello! Is this car still available?"
    await send(cluster.edge_b, seller, first["id"], "The first ad is sold")

    listed = await json_of(await cluster.edge_a.get(DIALOGS + "?size=1&page=2", headers=buyer.headers), 200)
    assert [d["id"] for d in listed["items"]] == [second["id"]]
    assert (listed["total"], listed["pages"]) == (2, 2)
    only = await json_of(await cluster.edge_b.get(f"{DIALOGS}?ad_id={other_ad}", headers=seller.headers), 200)
    assert [d["id"] for d in only["items"]] == [second["id"]]
    assert only["items"][0]["unread_count"] == 1


# --- messages --------------------------------------------------------------------------------------


async def test_messages_come_oldest_first_page_one_the_newest(cluster: Cluster) -> None:
    buyer, seller, ad = await pair(cluster)
    dialog_id = (await open_dialog(cluster.edge_a, buyer, seller, ad))["id"]
    sent = await send(cluster.edge_a, buyer, dialog_id, "  Hello! Is this car still available?  ")
    assert set(sent) == {"id", "message_id", "dialog_id", "sender_id", "content", "created_at", "is_read"}
    assert (
        sent["message_id"] == sent["id"] and sent["dialog_id"] == dialog_id and sent["sender_id"] == buyer.id
    )
    assert sent["content"] == "Hello! Is this car still available?" and sent["is_read"] is False
    await send(cluster.edge_b, seller, dialog_id, "Yes, it's available!")
    await send(cluster.edge_a, buyer, dialog_id, "Can I see it tomorrow?")

    everything = await messages(cluster.edge_b, seller, dialog_id)
    assert [m["content"] for m in everything["items"]] == [
        "Hello! Is this car still available?", "Yes, it's available!", "Can I see it tomorrow?",
    ]  # fmt: skip
    assert (everything["total"], everything["pages"]) == (3, 1)
    newest = await messages(cluster.edge_a, buyer, dialog_id, "?size=2")
    assert [m["content"] for m in newest["items"]] == ["Yes, it's available!", "Can I see it tomorrow?"]
    older = await messages(cluster.edge_a, buyer, dialog_id, "?size=2&page=2")
    assert [m["id"] for m in older["items"]] == [sent["id"]] and older["pages"] == 2
    assert (await messages(cluster.edge_a, buyer, dialog_id, "?size=2&page=3"))["items"] == []
    last = (await dialog(cluster.edge_b, seller, dialog_id))["last_message"]
    assert last["content"] == "Can I see it tomorrow?"


async def test_reading_a_message_reads_up_to_it_and_shows_as_is_read(cluster: Cluster) -> None:
    buyer, seller, ad = await pair(cluster)
    dialog_id = (await open_dialog(cluster.edge_a, buyer, seller, ad))["id"]
    first = await send(cluster.edge_a, buyer, dialog_id, "one")
    await send(cluster.edge_a, buyer, dialog_id, "two")
    assert (await dialog(cluster.edge_b, seller, dialog_id))["unread_count"] == 2
    assert (await dialog(cluster.edge_a, buyer, dialog_id))["unread_count"] == 0  # one's own are read

    url = f"{DIALOGS}/{dialog_id}/messages/{first['id']}/read"
    receipt = await json_of(await cluster.edge_b.put(url, headers=seller.headers), 200)
    assert receipt == {"dialog_id": dialog_id, "message_id": first["id"], "unread_count": 1}
    assert (await dialog(cluster.edge_a, seller, dialog_id))["unread_count"] == 1
    seen_by_buyer = await messages(cluster.edge_a, buyer, dialog_id)
    assert [m["is_read"] for m in seen_by_buyer["items"]] == [True, False]
    assert (await dialog(cluster.edge_a, buyer, dialog_id))["last_message"]["is_read"] is False

    other_dialog = (await open_dialog(cluster.edge_a, buyer, seller, await seller_ad(cluster, seller)))["id"]
    elsewhere = await cluster.edge_b.put(
        f"{DIALOGS}/{other_dialog}/messages/{first['id']}/read", headers=seller.headers
    )
    assert (await json_of(elsewhere, 404))["detail"]


async def test_a_block_refuses_messages_until_unblocked(cluster: Cluster) -> None:
    buyer, seller, ad = await pair(cluster)
    dialog_id = (await open_dialog(cluster.edge_a, buyer, seller, ad))["id"]
    blocked = await json_of(
        await cluster.edge_b.post(f"{DIALOGS}/{dialog_id}/block", headers=seller.headers), 200
    )
    assert blocked["is_blocked"] is True and blocked["blocked_by_me"] is True
    seen = await dialog(cluster.edge_a, buyer, dialog_id)
    assert seen["is_blocked"] is True and seen["blocked_by_me"] is False

    url = f"{DIALOGS}/{dialog_id}/messages"
    refused = await cluster.edge_a.post(url, json={"content": "Hello?"}, headers=buyer.headers)
    assert set(await json_of(refused, 403)) == {"detail"}
    assert (await messages(cluster.edge_b, seller, dialog_id))["total"] == 0

    unblocked = await cluster.edge_a.post(f"{DIALOGS}/{dialog_id}/unblock", headers=seller.headers)
    assert (await json_of(unblocked, 200))["is_blocked"] is False
    assert (await send(cluster.edge_a, buyer, dialog_id, "Hello?"))["content"] == "Hello?"


# --- strangers, errors -----------------------------------------------------------------------------


async def test_a_stranger_finds_nothing_of_anothers_dialog(cluster: Cluster) -> None:
    buyer, seller, ad = await pair(cluster)
    stranger = await register(cluster.edge_a, "stranger@example.com")
    dialog_id = (await open_dialog(cluster.edge_a, buyer, seller, ad, message="secret offer"))["id"]
    message_id = (await messages(cluster.edge_a, buyer, dialog_id))["items"][0]["id"]
    base = f"{DIALOGS}/{dialog_id}"
    attempts = [
        ("GET", base, None), ("GET", base + "/messages", None),
        ("POST", base + "/messages", {"content": "hi"}), ("PUT", f"{base}/messages/{message_id}/read", None),
        ("POST", base + "/block", None), ("POST", base + "/unblock", None),
        ("GET", f"{DIALOGS}/{dialog_id + 1000}", None),
    ]  # fmt: skip
    for method, url, payload in attempts:
        resp = await cluster.edge_b.request(method, url, json=payload, headers=stranger.headers)
        body = await json_of(resp, 404)
        assert set(body) == {"detail"} and "secret" not in str(body), (method, url)
    assert (await json_of(await cluster.edge_b.get(DIALOGS, headers=stranger.headers), 200))["items"] == []
    # Nothing the stranger tried changed the dialog.
    seen = await dialog(cluster.edge_a, seller, dialog_id)
    assert (seen["unread_count"], seen["is_blocked"]) == (1, False)
    assert seen["last_message"]["content"] == "secret offer"


async def test_requests_failing_their_schema_are_fastapis_422(cluster: Cluster) -> None:
    buyer, seller, ad = await pair(cluster)
    dialog_id = (await open_dialog(cluster.edge_a, buyer, seller, ad))["id"]
    url = f"{DIALOGS}/{dialog_id}/messages"
    refused = [
        ({"content": ""}, "string_too_short"), ({"content": "   "}, "string_too_short"),
        ({"content": "x" * 4001}, "string_too_long"), ({}, "missing"),
    ]  # fmt: skip
    for payload, kind in refused:
        resp = await cluster.edge_b.post(url, json=payload, headers=buyer.headers)
        detail = (await json_of(resp, 422))["detail"]
        assert detail[0]["loc"] == ["body", "content"] and detail[0]["type"] == kind, payload
    assert (await send(cluster.edge_a, buyer, dialog_id, "x" * 4000))["content"] == "x" * 4000

    bad_id = await json_of(await cluster.edge_a.get(f"{DIALOGS}/abc/messages", headers=buyer.headers), 422)
    assert bad_id["detail"][0]["loc"] == ["path", "id"]
    bad_msg = await cluster.edge_a.put(f"{url}/x/read", headers=buyer.headers)
    assert (await json_of(bad_msg, 422))["detail"][0]["loc"] == ["path", "msg_id"]
    too_big = await cluster.edge_a.get(f"{DIALOGS}/{'9' * 30}", headers=buyer.headers)
    assert await json_of(too_big, 404) == {"detail": "Not found"}
    for query in ("?size=0", "?size=101", "?page=0"):
        resp = await cluster.edge_a.get(url + query, headers=buyer.headers)
        assert (await json_of(resp, 422))["detail"][0]["loc"][0] == "query", query

    no_ad = await cluster.edge_a.post(DIALOGS, json={"seller_id": seller.id}, headers=buyer.headers)
    assert (await json_of(no_ad, 422))["detail"][0]["loc"] == ["body", "ad_id"]
    not_the_seller = await cluster.edge_a.post(
        DIALOGS, json={"ad_id": ad, "seller_id": seller.id + 99}, headers=buyer.headers
    )
    assert isinstance((await json_of(not_the_seller, 400))["detail"], str)


async def test_a_dialog_is_about_an_active_ad_and_never_with_oneself(cluster: Cluster) -> None:
    buyer, seller, ad = await pair(cluster)
    own = await cluster.edge_b.post(DIALOGS, json={"ad_id": ad}, headers=seller.headers)
    assert "own ad" in (await json_of(own, 400))["detail"]
    missing = await cluster.edge_a.post(DIALOGS, json={"ad_id": ad + 1000}, headers=buyer.headers)
    assert await json_of(missing, 404) == {"detail": "Ad not found"}
    # Pending (not yet moderated) is not there for a buyer; once approved it is.
    resp = await cluster.edge_b.post(ADS, json=CAR, headers=seller.headers)
    pending = (await json_of(resp, 201))["id"]
    refused = await cluster.edge_a.post(DIALOGS, json={"ad_id": pending}, headers=buyer.headers)
    assert await json_of(refused, 404) == {"detail": "Ad not found"}
    await approve(cluster.worker_bus, pending)
    assert (await open_dialog(cluster.edge_a, buyer, seller, pending))["seller_id"] == seller.id
    # Nothing was opened by the refused attempts.
    listed = await json_of(await cluster.edge_b.get(DIALOGS, headers=seller.headers), 200)
    assert [d["ad_id"] for d in listed["items"]] == [pending]


async def test_every_chat_path_needs_a_token(cluster: Cluster) -> None:
    base = f"{DIALOGS}/1"
    paths = [
        ("GET", DIALOGS), ("POST", DIALOGS), ("GET", base), ("GET", base + "/messages"),
        ("POST", base + "/messages"), ("PUT", base + "/messages/1/read"), ("POST", base + "/block"),
        ("POST", base + "/unblock"),
    ]  # fmt: skip
    for method, url in paths:
        resp = await cluster.edge_a.request(method, url, json={"content": "hi"})
        assert await json_of(resp, 401) == {"detail": "Not authenticated"}, (method, url)
