"""Realty (seeds/003) buyers' requests through HTTP on two edges, as the document's flow goes: people
sign in with the code registration texted them; a request answers the properties it matches and their
owner hears of a new buyer; a property listed later (with images and a document) reaches the buyer live
on Socket.IO and in the notification list, and buyer and seller talk about it on `chat/ws/{chat_id}`;
each side's notification setting is obeyed; changing and closing a request; role, owner and word
checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from aiohttp import FormData

from nodes.runtime.bus import Bus
from protocols.envelope import Actor, Role
from protocols.notify import ListNotifications
from protocols.realty import TellMatches
from tests.conftest import Cluster
from tests.nodes.edge.realtime.live import LiveClient
from tests.nodes.edge.surfaces.autos.test_ad_media import encoded
from tests.nodes.edge.surfaces.realty.test_properties import PDF, File, form
from tests.nodes.edge.surfaces.ws_client import WsClient
from tests.support.eventually import until
from tests.support.http import bearer, json_of
from tests.support.places import places_loaded
from tests.support.realty import realty_user

pytestmark = pytest.mark.domains("identity", "catalog", "market", "notify", "realty", "chat")

REALTOR, BUYER, OTHER = "+79197777779", "+79160000001", "+79160000002"
DOCUMENT_REQUEST = {  # the document's example
    "city": "Москва", "district": "Центральный", "deal_format": "хочу купить", "type": "квартира",
    "subtype": "апартаменты", "condition": "новая", "construction_year": 2023, "construction_quarter": 4,
    "total_rooms": "2", "total_area_min": 50, "total_area_max": 70, "budget_min": 10000000,
    "budget_max": 15000000, "currency": "рубли", "purchase_purpose": "для проживания", "urgency": "срочно",
    "purchase_method": "в ипотеку", "mortgage_approved": True, "wishes": "хорошая инфраструктура",
}  # fmt: skip


async def signed_in(cluster: Cluster, phone: str, role: str) -> tuple[int, dict[str, str]]:
    """Registered, activated and signed in with the one code, as the document goes; id and headers."""
    body = {"phone": phone, "first_name": "Иван", "last_name": "Иванов", "role": role}
    code = (await json_of(await cluster.edge_a.post("/users/register/", json=body), 200))["code"]
    login = {"phone": phone, "activation_code": code}
    await json_of(await cluster.edge_b.post("/users/activate/", json=login), 200)
    token = (await json_of(await cluster.edge_a.post("/users/token", json=login), 200))["access_token"]
    me = await json_of(await cluster.edge_b.get("/users/me/", headers=bearer(token)), 200)
    return me["id"], bearer(token)


async def listed(cluster: Cluster, headers: dict[str, str], files: Sequence[File] = (), **fields: str) -> int:
    """A property like the document's request asks for, with `fields` changed, listed over HTTP; its id."""
    values = {
        "deal_format": "sale", "type": "apartment", "subtype": "apartments", "condition": "new",
        "entry_year": "2023", "entry_quarter": "4", "location": "Москва, ул. Тверская, 1", "district": "ЦАО",
        "price": "150000", "currency": "USD", "title": "Апартаменты на Тверской", "rooms": "2", "total_area": "60",
    } | fields  # fmt: skip
    resp = await cluster.edge_a.post("/properties/create", data=form(values, files), headers=headers)
    return (await json_of(resp, 200))["id"]  # type: ignore[no-any-return]


async def notices(bus: Bus, user_id: int, kind: str) -> list[dict[str, Any]]:
    page = await bus.request(ListNotifications(), actor=Actor(user_id=user_id, role=Role.USER))
    return [item.payload for item in page.items if item.type == kind]


async def my_requests(cluster: Cluster, headers: dict[str, str], path: str = "/users/my_requests") -> Any:
    return await json_of(await cluster.edge_b.get(path, headers=headers), 200)


async def test_requests_match_properties_both_ways_and_tell_people(cluster: Cluster) -> None:
    bus = cluster.worker_bus
    await places_loaded(bus)
    realtor, realtor_h = await signed_in(cluster, REALTOR, "realtor")
    buyer, buyer_h = await signed_in(cluster, BUYER, "user")
    other_user = await realty_user(cluster.edge_b, OTHER)
    other, other_h = other_user.id, other_user.headers
    first = await listed(
        cluster, realtor_h
    )  # 150,000 USD: within 10–15 million roubles at the configured rate
    await listed(cluster, realtor_h, deal_format="rent", price="1000")  # rent: never this buyer's

    # A request: the document's words, answered in the one vocabulary with the property it matches.
    made = await json_of(
        await cluster.edge_a.post("/users/create_request", json=DOCUMENT_REQUEST, headers=buyer_h), 200
    )
    assert made["owner_id"] == buyer and made["status"] == "open" and made["city_found"] is True
    assert (made["deal_format"], made["type"], made["subtype"], made["condition"], made["currency"]) == (
        "sale", "apartment", "apartments", "new", "RUB")  # fmt: skip
    assert (
        made["purchase_purpose"] == "residence"
        and made["total_rooms"] == "2"
        and made["wishes"] == DOCUMENT_REQUEST["wishes"]
    )
    assert [m["id"] for m in made["matches"]] == [first] and made["matches_total"] == 1
    # ... and the property's owner hears of a new buyer (the request answers after notify did).
    assert await notices(bus, realtor, "realty_buyer") == [
        {"request_id": made["id"], "buyer_id": buyer, "property_ids": [first]}
    ]

    # A property listed later, with its images and a document, reaches the buyer live.
    live = await LiveClient.connect(cluster.edge_b, buyer_h["Authorization"].removeprefix("Bearer "))
    try:
        files = [("images", encoded("JPEG", "RGB"), "1.jpg"), ("images", encoded("PNG"), "2.png"),
                 ("document_file1", PDF, "deed.pdf")]  # fmt: skip
        second = await listed(
            cluster, realtor_h, files, price="12500000", currency="RUB", district="Центральный район"
        )
        (delivery,) = await live.wait_for("notification")
    finally:
        await live.close()
    notice = delivery["notification"]
    assert notice["type"] == "realty_match" and notice["user_id"] == buyer
    assert notice["payload"]["property_id"] == second and notice["payload"]["request_id"] == made["id"]
    # ... who opens a chat about it with its seller, and they talk.
    await talk(cluster, buyer, buyer_h, notice["payload"]["seller_id"], realtor_h, second)
    assert [n["property_id"] for n in await notices(bus, buyer, "realty_match")] == [second]
    mine = await my_requests(cluster, buyer_h)
    assert [r["id"] for r in mine] == [made["id"]] and [m["id"] for m in mine[0]["matches"]] == [
        second,
        first,
    ]
    assert await my_requests(cluster, buyer_h, "/my_requests") == mine
    shown = mine[0]["matches"][0]  # in the properties' own shape, with its files
    assert len(shown["images"]) == 2 and shown["document_file1"]["name"] == "deed.pdf"

    # Notification settings are obeyed: an owner who turned responses off is not told of a buyer.
    off = FormData({"phone": REALTOR, "notifications_responses": "false"})
    await json_of(await cluster.edge_a.put("/users/update/", data=off, headers=realtor_h), 200)
    another = await json_of(
        await cluster.edge_a.post(
            "/users/create_request", json={**DOCUMENT_REQUEST, "district": None}, headers=other_h
        ),
        200,
    )
    assert another["owner_id"] == other and sorted(m["id"] for m in another["matches"]) == sorted(
        [first, second]
    )
    assert [n["request_id"] for n in await notices(bus, realtor, "realty_buyer")] == [made["id"]]

    # Changing a request matches it again: a budget below the prices drops both properties.
    changed = await cluster.edge_b.put(
        f"/users/update_request/{made['id']}",
        json={"budget_max": 11_000_000, "total_rooms": "1-3"},
        headers=buyer_h,
    )
    changed_body = await json_of(changed, 200)
    assert (
        changed_body["matches"] == []
        and changed_body["budget_max"] == 11_000_000
        and changed_body["total_rooms"] == "1-3"
    )
    closed = await json_of(
        await cluster.edge_a.post(f"/users/close_request/{made['id']}", headers=buyer_h), 200
    )
    assert closed["status"] == "closed" and closed["closed_at"] is not None
    refused = await cluster.edge_a.put(
        f"/users/update_request/{made['id']}", json={"wishes": "x"}, headers=buyer_h
    )
    assert refused.status == 409

    # The other buyer's request is matched by a property published after the first one closed; he
    # turned new matches off, so he sees it with his request and is never told.
    off = FormData({"phone": OTHER, "notifications_new_matches": "false"})
    await json_of(await cluster.edge_b.put("/users/update/", data=off, headers=other_h), 200)
    third = await listed(cluster, realtor_h, price="11000000", currency="RUB")
    await until(lambda: _has_match(cluster, other_h, third), within_s=5.0, what="the later property matched")
    assert [r["matches"] for r in await my_requests(cluster, buyer_h)] == [[]]
    await bus.request(TellMatches(), actor=Actor.system())  # what is still untold would go now
    assert await notices(bus, other, "realty_match") == []

    # Roles, owners and words.
    for body, headers, status in (
        (DOCUMENT_REQUEST, realtor_h, 403),
        ({**DOCUMENT_REQUEST, "type": "дворец"}, buyer_h, 400),
        ({**DOCUMENT_REQUEST, "total_rooms": "много"}, buyer_h, 400),
        ({**DOCUMENT_REQUEST, "budget_min": 2, "budget_max": 1}, buyer_h, 400),
        ({**DOCUMENT_REQUEST, "total_area_min": -1}, buyer_h, 400),
        ({"city": "Москва"}, buyer_h, 400),
    ):
        resp = await cluster.edge_a.post("/users/create_request", json=body, headers=headers)
        assert resp.status == status, (body, await resp.text())
        assert "detail" in await resp.json()
    foreign = await cluster.edge_b.put(
        f"/users/update_request/{another['id']}", json={"wishes": "x"}, headers=buyer_h
    )
    assert foreign.status == 404 and await foreign.json() == {"detail": "Request not found"}
    assert (await cluster.edge_b.post(f"/users/close_request/{another['id']}", headers=buyer_h)).status == 404
    assert (await cluster.edge_b.get("/users/my_requests")).status == 401
    assert len(await my_requests(cluster, buyer_h)) == 1


async def _has_match(cluster: Cluster, headers: dict[str, str], property_id: int) -> bool:
    mine = await my_requests(cluster, headers)
    return any(m["id"] == property_id for m in mine[0]["matches"])


async def talk(cluster: Cluster, buyer: int, buyer_h: dict[str, str], seller: int, seller_h: dict[str, str],
               property_id: int) -> None:  # fmt: skip
    """The buyer opens a chat about the property with its seller; they talk on `chat/ws/{chat_id}`."""
    body = {"buyer_id": buyer, "seller_id": seller, "property_id": property_id}
    chat = await json_of(await cluster.edge_a.post("/chat/create_chat", json=body, headers=buyer_h), 200)
    path, question, answer = f"/chat/ws/{chat['id']}", "Можно посмотреть квартиру?", "Да, завтра в 10"
    sockets = [
        await WsClient.connect(edge, path, registered=True, params={"token": h["Authorization"][7:]})
        for edge, h in ((cluster.edge_a, buyer_h), (cluster.edge_b, seller_h))
    ]
    buyer_ws, seller_ws = sockets
    try:
        await buyer_ws.send({"type": "message", "content": question})
        [heard] = await seller_ws.wait_for("message")
        assert (heard["chat_id"], heard["sender_id"], heard["content"]) == (chat["id"], buyer, question)
        await seller_ws.send({"type": "message", "content": answer})
        assert [m["content"] for m in await buyer_ws.wait_for("message", 2)] == [question, answer]
    finally:
        for socket in sockets:
            await socket.close()
