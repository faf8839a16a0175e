"""The text rule (protocols/fields.py) at every entry point, on SQLite and PostgreSQL alike.

Text holding a control character other than tab, CR and LF is refused with each contract's own
validation error (400, or 422 where the contract answers schema errors so) and nothing is stored;
before the rule, PostgreSQL answered 500 to a NUL wherever it reached a query. Tab, CR and LF in a
message are stored unchanged.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

import orjson
import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from protocols.chat import ConversationKind, FindConversation
from protocols.envelope import Actor, DomainError, ErrorCode, Role, decode_data, require_plain_text
from protocols.fields import (
    CONTROL_ERROR_MSG,
    CONTROL_ERROR_TYPE,
    control_character_at,
    json_may_hold_control,
)
from protocols.identity import GetMe, Register, UpdateProfile
from tests.conftest import Cluster
from tests.nodes.edge.realtime.live import LiveClient
from tests.nodes.edge.surfaces.ws_client import WsClient
from tests.support.ads import active_ad
from tests.support.exchanges import EXCHANGE_DOMAINS, mutual_exchange
from tests.support.http import User, bearer, json_of
from tests.support.realty import list_property

Edge = TestClient[web.Request, web.Application]

BAD = ("\x00", "\x1b")  # NUL (PostgreSQL refuses it) and ESC (a terminal escape)
KEPT = "line one\tcolumn\r\nline two"  # the controls text may hold (inside: some contracts trim)
PASSWORD = "SecurePass123!"


def q(text: str) -> str:
    return quote(text, safe="")


# --- the rule itself -------------------------------------------------------------------------------


@pytest.mark.parametrize("char", [chr(c) for c in (*range(0x20), 0x7F) if chr(c) not in "\t\r\n"])
def test_every_c0_control_but_tab_cr_lf_and_del_is_refused(char: str) -> None:
    data = {"body": f"a{char}b", "ok": "x"}
    assert control_character_at(data) == ("body",)
    assert json_may_hold_control(orjson.dumps(data))
    with pytest.raises(DomainError) as refused:
        require_plain_text(data, orjson.dumps(data))
    assert refused.value.code is ErrorCode.VALIDATION
    assert refused.value.details["errors"][0]["loc"] == ["body"]


def test_tab_cr_lf_and_any_other_text_pass_without_a_walk() -> None:
    data = {"body": KEPT + "Привет, é, 😀, \u2028", "items": [{"k": "v"}], "n": 1, "none": None}
    raw = orjson.dumps(data)
    assert not json_may_hold_control(raw) and control_character_at(data) is None
    require_plain_text(data, raw)


def test_keys_nested_values_and_deep_nesting_are_found() -> None:
    assert control_character_at({"a": [1, {"b\x00": 2}]}) == ("a", 1, "b\x00")
    assert control_character_at({"a": "x\x1b", "b": "\x00"}) == ("a",)  # the first in the document
    deep: list[Any] = ["\x07"]
    for _ in range(5000):  # deeper than the interpreter's recursion limit
        deep = [deep]
    assert control_character_at(deep) == (0,) * 5001


def test_the_worker_side_decoding_refuses_it_too() -> None:
    with pytest.raises(DomainError) as refused:
        decode_data(FindConversation, {"kind": "exchange", "topic_id": "t\x00"})
    assert refused.value.code is ErrorCode.VALIDATION


@pytest.mark.domains("identity")
async def test_a_command_the_edge_did_not_check_is_refused_by_the_worker(cluster: Cluster) -> None:
    """The backstop: a path that skipped the edge's check gets `validation`, not a database error."""
    registered = await cluster.worker_bus.request(
        Register(username="eve", password="password-123", sign_in=False)
    )
    eve = actor(registered.user.id)
    for char in BAD:
        with pytest.raises(DomainError) as refused:
            await cluster.worker_bus.request(UpdateProfile(full_name=f"Eve{char}"), actor=eve)
        assert refused.value.code is ErrorCode.VALIDATION
    assert (await cluster.worker_bus.request(GetMe(), actor=eve)).full_name is None


# --- helpers ---------------------------------------------------------------------------------------


def actor(user_id: int) -> Actor:
    return Actor(user_id=user_id, role=Role.USER)


async def sio_refuses(cluster: Cluster, token: str, conversation_id: int) -> None:
    """A Socket.IO `send` of each bad body is acked `validation`."""
    client = await LiveClient.connect(cluster.edge_b, token)
    try:
        for char in BAD:
            ack = await client.call("send", {"conversation_id": conversation_id, "body": f"hi{char}there"})
            assert ack["ok"] is False and ack["error"]["code"] == "validation", ack
    finally:
        await client.close()


async def ws_refuses(client: WsClient, frame: dict[str, Any], field: str, error_type: str = "error") -> None:
    """Each bad value of `field` in `frame` is answered with an error frame; the socket stays open."""
    before = len(client.of_type(error_type))
    for n, char in enumerate(BAD, start=1):
        await client.send({**frame, field: f"hi{char}there"})
        errors = await client.wait_for(error_type, before + n)
        assert CONTROL_ERROR_MSG in orjson.dumps(errors[-1]).decode(), errors[-1]
    assert not client.closed.is_set()


async def detail_422(resp: ClientResponse, loc: list[str]) -> None:
    """MillionAvto's FastAPI 422: `detail` lists the field that failed."""
    body = await json_of(resp, 422)
    assert set(body) == {"detail"} and body["detail"][0]["loc"] == loc, body
    assert body["detail"][0]["type"] == CONTROL_ERROR_TYPE


# --- MillionAvto (000) and the shared /api/v1/auth -------------------------------------------------


@pytest.mark.domains("identity", "catalog", "market", "chat")
async def test_autos(cluster: Cluster) -> None:
    edge = cluster.edge_a
    for char in BAD:  # shared paths: 400 with both error bodies
        resp = await edge.post(
            "/api/v1/auth/register",
            json={"email": "buyer@example.com", "password": PASSWORD, "full_name": f"Ivan{char}"},
        )
        body = await json_of(resp, 400)
        assert body["error"]["code"] == "validation_error"
        assert body["error"]["details"] == {"field": "full_name", "reason": CONTROL_ERROR_TYPE}
        assert body["detail"][0]["loc"] == ["body", "full_name"]
        login = await edge.post(
            "/api/v1/auth/login", json={"email": f"buyer{char}@example.com", "password": "x"}
        )
        assert (await json_of(login, 400))["error"]["code"] == "validation_error"
    registered = []
    for email in ("buyer@example.com", "seller@example.com"):  # nothing was stored: the email is free
        out = await json_of(
            await edge.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD}), 201
        )
        registered.append(User(out["user"]["id"], bearer(out["access_token"])))
    edge.session.cookie_jar.clear()
    buyer, seller = registered

    for char in BAD:
        await detail_422(
            await edge.put("/api/v1/users/me", json={"full_name": f"x{char}"}, headers=buyer.headers),
            ["body", "full_name"],
        )
        await detail_422(
            await edge.get(f"/api/v1/chat/dialogs?ad_id={q(char)}", headers=buyer.headers), ["query", "ad_id"]
        )
        gone = await edge.delete(f"/api/v1/users/me/sessions/{q('s' + char)}", headers=buyer.headers)
        assert (await json_of(gone, 400))["detail"][0]["loc"] == ["path", "session"]
        opened = await edge.post(
            "/api/v1/chat/dialogs",
            json={"ad_id": 7, "seller_id": seller.id, "message": f"hi{char}"},
            headers=buyer.headers,
        )
        await detail_422(opened, ["body", "message"])
    me = await json_of(await edge.get("/api/v1/users/me", headers=buyer.headers), 200)
    assert me["full_name"] is None
    listed = await json_of(await edge.get("/api/v1/chat/dialogs", headers=buyer.headers), 200)
    assert listed["items"] == []

    ad = await active_ad(edge.post, cluster.worker_bus, seller.headers)
    dialog = await json_of(
        await edge.post(
            "/api/v1/chat/dialogs", json={"ad_id": ad, "seller_id": seller.id}, headers=buyer.headers
        ),
        201,
    )
    messages = f"/api/v1/chat/dialogs/{dialog['id']}/messages"
    for char in BAD:
        sent = await edge.post(messages, json={"content": f"hi{char}"}, headers=buyer.headers)
        await detail_422(sent, ["body", "content"])
    socket = await WsClient.connect(cluster.edge_b, "/ws/chat")
    await socket.send({"type": "auth", "token": buyer.headers["Authorization"].split()[1]})
    await socket.wait_for("auth")
    await ws_refuses(socket, {"type": "message", "dialog_id": dialog["id"]}, "content")
    await sio_refuses(cluster, buyer.headers["Authorization"].split()[1], dialog["id"])

    await json_of(await edge.post(messages, json={"content": KEPT}, headers=buyer.headers), 201)
    stored = (await json_of(await edge.get(messages, headers=seller.headers), 200))["items"]
    assert [m["content"] for m in stored] == [KEPT]


# --- FreeMarket (001) ------------------------------------------------------------------------------


async def barter_error(resp: ClientResponse) -> None:
    body = await json_of(resp, 400)
    assert set(body) == {"detail", "status_code", "error_type"} and body["error_type"] == "validation_error"


@pytest.mark.domains(*EXCHANGE_DOMAINS, "moderation")
async def test_barter(cluster: Cluster) -> None:
    edge = cluster.edge_a
    for char in BAD:
        await barter_error(
            await edge.post(
                "/auth/register",
                json={"email": "alice@example.com", "password": PASSWORD, "username": f"alice{char}"},
            )
        )
        await barter_error(await edge.post("/auth/login", json={"username": f"alice{char}", "password": "x"}))
        await barter_error(await edge.get(f"/api/users/username/{q('alice' + char)}"))
    users = []
    for name in ("alice", "bob"):  # nothing was stored: the username and email are free
        body = {"email": f"{name}@example.com", "password": PASSWORD, "username": name}
        out = await json_of(await edge.post("/auth/register", json=body), 200)
        users.append((out["user"]["id"], out["access_token"]))
    edge.session.cookie_jar.clear()
    (alice, alice_token), (bob, _) = users

    for char in BAD:
        await barter_error(
            await edge.put("/user/profile", json={"bio": f"b{char}"}, headers=bearer(alice_token))
        )
        # An exchange's chat is made when a socket opens it: a bad id in the path opens nothing.
        await barter_error(
            await edge.get(f"/ws/exchange/{q('mutual' + char)}", params={"token": alice_token})
        )
    assert (await json_of(await edge.get("/api/users/username/alice"), 200))["bio"] is None

    exchange_id = await mutual_exchange(cluster.worker_bus, alice, bob)
    socket = await WsClient.connect(
        cluster.edge_b, f"/ws/exchange/{exchange_id}", registered=True, params={"token": alice_token}
    )
    await ws_refuses(socket, {"type": "message", "message_type": "TEXT"}, "text")
    await socket.send({"type": "message", "text": KEPT, "message_type": "TEXT"})
    await socket.wait_for("message")
    chat = await cluster.worker_bus.request(
        FindConversation(kind=ConversationKind.EXCHANGE, topic_id=exchange_id), actor=actor(alice)
    )
    await sio_refuses(cluster, alice_token, chat.id)
    history = await json_of(
        await edge.get(f"/api/chat/exchange/{exchange_id}/history", headers=bearer(alice_token)), 200
    )
    assert [m["message_text"] for m in history["messages"]] == [KEPT]


# --- Car advisor (002) -----------------------------------------------------------------------------


async def advisor_error(resp: ClientResponse, field: str) -> None:
    body = await json_of(resp, 400)
    assert body["error"]["code"] == "validation_error", body
    assert body["error"]["details"] == {"field": field, "reason": CONTROL_ERROR_TYPE}, body


@pytest.mark.domains("identity", "chat")
async def test_advisor(cluster: Cluster) -> None:
    edge = cluster.edge_a
    for char in BAD:
        resp = await edge.post(
            "/api/v1/auth/register",
            json={"email": "ivan@example.com", "password": PASSWORD, "name": f"I{char}"},
        )
        await advisor_error(resp, "name")
    out = await json_of(
        await edge.post("/api/v1/auth/register", json={"email": "ivan@example.com", "password": PASSWORD}),
        201,
    )
    edge.session.cookie_jar.clear()
    user = User(out["user"]["id"], bearer(out["access_token"]))

    for char in BAD:
        await advisor_error(
            await edge.get(f"/api/v1/chats?search={q(char)}", headers=user.headers), "query.search"
        )
        await advisor_error(
            await edge.post("/api/v1/chats", json={"title": f"t{char}"}, headers=user.headers), "title"
        )
    chats = await json_of(await edge.get("/api/v1/chats", headers=user.headers), 200)
    assert chats["items"] == []

    chat = await json_of(await edge.post("/api/v1/chats", json={"title": "Car"}, headers=user.headers), 201)
    for char in BAD:
        await advisor_error(
            await edge.post(
                f"/api/v1/chats/{chat['id']}/messages", json={"content": f"x{char}"}, headers=user.headers
            ),
            "content",
        )
        await advisor_error(
            await edge.get(f"/api/v1/chats/{chat['id']}/messages?before={q(char)}", headers=user.headers),
            "query.before",
        )
    await sio_refuses(cluster, out["access_token"], chat["id"])
    history = await json_of(await edge.get(f"/api/v1/chats/{chat['id']}/messages", headers=user.headers), 200)
    assert history["items"] == []


# --- Membership Auto (004) -------------------------------------------------------------------------


@pytest.mark.domains("identity", "chat")
async def test_garage(cluster: Cluster) -> None:
    edge = cluster.edge_a
    for char in BAD:
        resp = await edge.post(
            "/api/auth/register/",
            json={"email": "john@example.com", "password": PASSWORD, "name": f"J{char}"},
        )
        body = await json_of(resp, 400)
        assert isinstance(body["error"], str) and isinstance(body["name"], list), body
        login = await edge.post(
            "/api/auth/login/",
            json={"email": "john@example.com", "password": PASSWORD, "deviceId": f"d{char}"},
        )
        assert "deviceId" in await json_of(login, 400)
    out = await json_of(
        await edge.post("/api/auth/register/", json={"email": "john@example.com", "password": PASSWORD}), 201
    )
    token = out["accessToken"]
    me = await cluster.worker_bus.request(GetMe(), actor=actor(int(_subject(token))))
    assert me.full_name is None

    for char in BAD:
        made = await edge.post(
            "/api/chat/threads/", json={"subject": f"s{char}", "body": "b"}, headers=bearer(token)
        )
        assert "subject" in await json_of(made, 400)
    assert await json_of(await edge.get("/api/chat/threads/", headers=bearer(token)), 200) == []
    thread = await json_of(
        await edge.post(
            "/api/chat/threads/", json={"subject": "Oil", "body": "first"}, headers=bearer(token)
        ),
        201,
    )
    url = f"/api/chat/threads/{thread['id']}/messages/"
    for char in BAD:
        sent = await edge.post(url, json={"body": f"b{char}"}, headers=bearer(token))
        assert "body" in await json_of(sent, 400)
        listed = await edge.get(url, params={"since": f"2024{char}"}, headers=bearer(token))
        assert isinstance((await json_of(listed, 400))["error"], str)
    socket = await WsClient.connect(cluster.edge_b, "/chat/ws", registered=True, params={"token": token})
    await ws_refuses(socket, {"type": "SEND", "threadId": thread["id"], "attachments": []}, "body", "ERROR")
    await sio_refuses(cluster, token, int(thread["id"]))
    await json_of(await edge.post(url, json={"body": KEPT}, headers=bearer(token)), 201)
    listed = await json_of(await edge.get(url, headers=bearer(token)), 200)
    assert [m["body"] for m in listed] == ["first", KEPT]


def _subject(token: str) -> str:
    payload = token.split(".")[1]
    return str(orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])


# --- Realty (003) ----------------------------------------------------------------------------------


async def realty_error(resp: ClientResponse) -> Any:
    body = await json_of(resp, 400)
    assert set(body) == {"detail"}, body
    return body["detail"]


@pytest.mark.domains("identity", "catalog", "market", "chat")
async def test_realty(cluster: Cluster) -> None:
    edge = cluster.edge_a
    phone = "+79197777771"
    for char in BAD:
        register = {"phone": phone, "first_name": f"И{char}", "last_name": "Иванов", "role": "user"}
        assert (await realty_error(await edge.post("/users/register/", json=register)))[0]["loc"] == [
            "first_name"
        ]
        refused = await edge.post("/users/token", json={"phone": phone + char, "activation_code": "1"})
        await realty_error(refused)
    users = []
    for number, role in (
        (phone, "user"),
        ("+79197777772", "realtor"),
    ):  # nothing was stored: the phone is free
        register = {"phone": number, "first_name": "Иван", "last_name": "Иванов", "role": role}
        code = (await json_of(await edge.post("/users/register/", json=register), 200))["code"]
        signed = await json_of(
            await edge.post("/users/token", json={"phone": number, "activation_code": code}), 200
        )
        me = await json_of(await edge.get("/users/me/", headers=bearer(signed["access_token"])), 200)
        users.append(User(me["id"], bearer(signed["access_token"])))
    buyer, seller = users
    property_id = (await list_property(cluster, edge, seller))["id"]

    for char in BAD:
        # The profile form, urlencoded and multipart.
        form = await edge.put(
            "/users/update/", data={"phone": phone, "about": f"a{char}"}, headers=buyer.headers
        )
        assert (await realty_error(form))[0]["loc"] == ["about"]
        boundary = "b0undary"
        multipart = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="phone"\r\n\r\n{phone}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="city"\r\n\r\nA{char}\r\n--{boundary}--\r\n'
        ).encode()
        resp = await edge.put(
            "/update/", data=multipart,
            headers={**buyer.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )  # fmt: skip
        assert (await realty_error(resp))[0]["loc"] == ["city"]
        await realty_error(await edge.get(f"/users/list/?skip={q(char)}", headers=buyer.headers))
        made = await edge.post(
            "/chat/create_chat",
            json={
                "buyer_id": buyer.id,
                "seller_id": seller.id,
                "property_id": property_id,
                "note": f"n{char}",
            },
            headers=buyer.headers,
        )
        await realty_error(made)
        await realty_error(await edge.get(f"/chat/chat_messages/{q('1' + char)}", headers=buyer.headers))
    me = await json_of(await edge.get("/users/me/", headers=buyer.headers), 200)
    assert me["about"] is None and me["city"] is None
    assert await json_of(await edge.get("/chat/my_chats", headers=buyer.headers), 200) == []

    body = {"buyer_id": buyer.id, "seller_id": seller.id, "property_id": property_id}
    chat = await json_of(await edge.post("/chat/create_chat", json=body, headers=buyer.headers), 200)
    token = buyer.headers["Authorization"].split()[1]
    socket = await WsClient.connect(
        cluster.edge_b, f"/chat/ws/{chat['id']}", registered=True, params={"token": token}
    )
    await ws_refuses(socket, {"type": "message"}, "content")
    await sio_refuses(cluster, token, chat["id"])
    await socket.send({"type": "message", "content": KEPT})
    await socket.wait_for("message")
    stored = await json_of(await edge.get(f"/chat/chat_messages/{chat['id']}", headers=seller.headers), 200)
    assert [m["content"] for m in stored] == [KEPT]
