"""Realty (003) chat through HTTP on two edges: property chats, the user's chats, a chat's messages.

Messages are sent and read over NATS as the live connections do (Realty sends them over its socket).
A chat is about a property: the seller is a realtor who listed it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from protocols.chat import PAGE_MAX, MarkRead, SendMessage
from tests.conftest import Cluster
from tests.support.http import User, json_of
from tests.support.realty import list_property, realty_user

# The contract's surface: accounts' and chats' storage run on both databases in tests/nodes/workers.
pytestmark = [pytest.mark.domains("identity", "catalog", "market", "chat"), pytest.mark.database_agnostic]

Edge = TestClient[web.Request, web.Application]

CREATE = "/chat/create_chat"
MINE = "/chat/my_chats"
MESSAGES = "/chat/chat_messages"
PROPERTY = 1  # the seller's first property (pair lists it)


async def sign_up(cluster: Cluster, phone: str) -> User:
    return await realty_user(cluster.edge_a, phone)


async def pair(cluster: Cluster) -> tuple[User, User]:
    """A buyer, and a realtor who lists a property (PROPERTY)."""
    buyer = await sign_up(cluster, "+79197777771")
    seller = await realty_user(cluster.edge_b, "+79197777772", "realtor")
    assert (await list_property(cluster, cluster.edge_b, seller))["id"] == PROPERTY
    return buyer, seller


async def create(edge: Edge, by: User, buyer: User, seller: User, property_id: int = PROPERTY) -> Any:
    body = {"buyer_id": buyer.id, "seller_id": seller.id, "property_id": property_id}
    return await json_of(await edge.post(CREATE, json=body, headers=by.headers), 200)


async def my_chats(edge: Edge, user: User) -> Any:
    return await json_of(await edge.get(MINE, headers=user.headers), 200)


async def chat_messages(edge: Edge, user: User, chat_id: int) -> Any:
    return await json_of(await edge.get(f"{MESSAGES}/{chat_id}", headers=user.headers), 200)


async def send(cluster: Cluster, user: User, chat_id: int, text: str) -> int:
    stored = await cluster.worker_bus.request(
        SendMessage(conversation_id=chat_id, body=text), actor=user.actor
    )
    return stored.message.id


# --- chats -----------------------------------------------------------------------------------------


async def test_a_chat_made_on_a_is_the_sellers_on_b_and_making_it_again_is_the_same(cluster: Cluster) -> None:
    buyer, seller = await pair(cluster)
    chat = await create(cluster.edge_a, buyer, buyer, seller)
    assert set(chat) == {
        "id", "buyer_id", "seller_id", "property_id", "created_at", "updated_at", "last_message",
        "unread_count",
    }  # fmt: skip
    assert (chat["buyer_id"], chat["seller_id"], chat["property_id"]) == (buyer.id, seller.id, PROPERTY)
    assert chat["last_message"] is None and chat["unread_count"] == 0

    assert (await create(cluster.edge_b, buyer, buyer, seller))["id"] == chat["id"]
    by_seller = await create(cluster.edge_b, seller, buyer, seller)
    assert by_seller["id"] == chat["id"] and by_seller["buyer_id"] == buyer.id
    assert [c["id"] for c in await my_chats(cluster.edge_b, seller)] == [chat["id"]]


async def test_the_seller_may_start_a_chat_and_the_roles_are_kept(cluster: Cluster) -> None:
    buyer, seller = await pair(cluster)
    chat = await create(cluster.edge_a, seller, buyer, seller)
    assert (chat["buyer_id"], chat["seller_id"]) == (buyer.id, seller.id)
    [seen] = await my_chats(cluster.edge_b, buyer)
    assert (seen["id"], seen["buyer_id"], seen["seller_id"]) == (chat["id"], buyer.id, seller.id)


async def test_my_chats_come_most_recently_active_first_with_unread_counts(cluster: Cluster) -> None:
    buyer, seller = await pair(cluster)
    second = (await list_property(cluster, cluster.edge_a, seller, title="Вторая квартира"))["id"]
    older = await create(cluster.edge_a, buyer, buyer, seller)
    newer = await create(cluster.edge_a, buyer, buyer, seller, property_id=second)
    assert newer["id"] != older["id"]
    await send(cluster, seller, older["id"], "Still for sale")

    chats = await my_chats(cluster.edge_b, buyer)
    assert [(c["id"], c["property_id"], c["unread_count"]) for c in chats] == [
        (older["id"], PROPERTY, 1), (newer["id"], second, 0),
    ]  # fmt: skip
    assert chats[0]["last_message"]["content"] == "Still for sale"


# --- messages --------------------------------------------------------------------------------------


async def test_chat_messages_are_all_oldest_first_with_is_read(cluster: Cluster) -> None:
    buyer, seller = await pair(cluster)
    chat_id = (await create(cluster.edge_a, buyer, buyer, seller))["id"]
    first = await send(cluster, buyer, chat_id, "Здравствуйте! Квартира ещё продаётся?")
    await send(cluster, seller, chat_id, "Да")
    await send(cluster, buyer, chat_id, "Можно посмотреть завтра?")

    listed = await chat_messages(cluster.edge_b, seller, chat_id)
    assert set(listed[0]) == {"id", "chat_id", "sender_id", "content", "created_at", "is_read"}
    assert [(m["sender_id"], m["content"]) for m in listed] == [
        (buyer.id, "Здравствуйте! Квартира ещё продаётся?"), (seller.id, "Да"),
        (buyer.id, "Можно посмотреть завтра?"),
    ]  # fmt: skip
    assert listed[0]["id"] == first and {m["chat_id"] for m in listed} == {chat_id}
    # Each answer reads what came before it; the last message is not read yet.
    assert [m["is_read"] for m in listed] == [True, True, False]

    assert (await my_chats(cluster.edge_a, seller))[0]["unread_count"] == 1
    await cluster.worker_bus.request(MarkRead(conversation_id=chat_id), actor=seller.actor)
    assert [m["is_read"] for m in await chat_messages(cluster.edge_a, buyer, chat_id)] == [True, True, True]
    assert (await my_chats(cluster.edge_a, seller))[0]["unread_count"] == 0


async def test_more_messages_than_a_page_all_come(cluster: Cluster) -> None:
    buyer, seller = await pair(cluster)
    chat_id = (await create(cluster.edge_a, buyer, buyer, seller))["id"]
    count = PAGE_MAX + 3
    await asyncio.gather(*(send(cluster, buyer, chat_id, f"m{i}") for i in range(count)))
    listed = await chat_messages(cluster.edge_b, seller, chat_id)
    assert len(listed) == count and len({m["id"] for m in listed}) == count
    assert [m["id"] for m in listed] == sorted(m["id"] for m in listed)


# --- strangers, errors -----------------------------------------------------------------------------


async def test_a_stranger_sees_nothing_and_cannot_create_chats_for_others(cluster: Cluster) -> None:
    buyer, seller = await pair(cluster)
    stranger = await sign_up(cluster, "+79197777773")
    chat_id = (await create(cluster.edge_a, buyer, buyer, seller))["id"]
    await send(cluster, buyer, chat_id, "secret price")

    resp = await cluster.edge_b.get(f"{MESSAGES}/{chat_id}", headers=stranger.headers)
    body = await json_of(resp, 404)
    assert set(body) == {"detail"} and "secret" not in str(body)
    assert (await cluster.edge_b.get(f"{MESSAGES}/{chat_id + 1000}", headers=stranger.headers)).status == 404
    assert await my_chats(cluster.edge_a, stranger) == []

    for_others = {"buyer_id": buyer.id, "seller_id": seller.id, "property_id": PROPERTY}
    resp = await cluster.edge_a.post(CREATE, json=for_others, headers=stranger.headers)
    assert isinstance((await json_of(resp, 403))["detail"], str)
    assert await my_chats(cluster.edge_a, stranger) == []


async def test_bad_requests_are_400_unknown_users_404_and_no_token_401(cluster: Cluster) -> None:
    buyer, seller = await pair(cluster)
    missing = await cluster.edge_a.post(CREATE, json={"buyer_id": buyer.id}, headers=buyer.headers)
    locs = [e["loc"] for e in (await json_of(missing, 400))["detail"]]
    assert ["seller_id"] in locs and ["property_id"] in locs
    with_self = {"buyer_id": buyer.id, "seller_id": buyer.id, "property_id": PROPERTY}
    resp = await cluster.edge_a.post(CREATE, json=with_self, headers=buyer.headers)
    assert isinstance((await json_of(resp, 400))["detail"], str)
    # The body agrees with the property and the token, or nothing is made.
    not_the_owner = {"buyer_id": buyer.id, "seller_id": seller.id + 99, "property_id": PROPERTY}
    resp = await cluster.edge_a.post(CREATE, json=not_the_owner, headers=buyer.headers)
    assert "owner" in (await json_of(resp, 400))["detail"]
    owner_as_buyer = {"buyer_id": seller.id, "seller_id": seller.id, "property_id": PROPERTY}
    assert (await cluster.edge_a.post(CREATE, json=owner_as_buyer, headers=seller.headers)).status == 400
    no_property = {"buyer_id": buyer.id, "seller_id": seller.id, "property_id": PROPERTY + 99}
    resp = await cluster.edge_a.post(CREATE, json=no_property, headers=buyer.headers)
    assert await json_of(resp, 404) == {"detail": "Property not found"}
    archived = await cluster.edge_b.post(f"/properties/{PROPERTY}/archive", headers=seller.headers)
    assert (await json_of(archived, 200))["status"] == "archived"
    gone = {"buyer_id": buyer.id, "seller_id": seller.id, "property_id": PROPERTY}
    assert (await cluster.edge_a.post(CREATE, json=gone, headers=buyer.headers)).status == 404
    assert await my_chats(cluster.edge_a, buyer) == [] == await my_chats(cluster.edge_a, seller)

    bad_id = await json_of(await cluster.edge_b.get(f"{MESSAGES}/abc", headers=buyer.headers), 400)
    assert bad_id["detail"][0]["loc"] == ["path", "chat_id"]

    for method, url in (("POST", CREATE), ("GET", MINE), ("GET", f"{MESSAGES}/1")):
        resp = await cluster.edge_b.request(method, url, json=with_self)
        assert await json_of(resp, 401) == {"detail": "Not authenticated"}, url
