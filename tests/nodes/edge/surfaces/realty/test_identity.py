"""Realty (seeds/003) accounts through HTTP on two edges: phone + SMS code, profile with images."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient, TestServer

from nodes.runtime.settings import Settings
from tests.conftest import Cluster
from tests.nodes.edge.test_media import tiny_png
from tests.support.http import bearer

# The contract's surface: accounts' and chats' storage run on both databases in tests/nodes/workers.
pytestmark = [pytest.mark.domains("identity"), pytest.mark.database_agnostic]

Client = TestClient[web.Request, web.Application]
MAX_IMAGE_BYTES = 64 * 1024
PHONE = "+79197777779"


@dataclass
class SmsInbox:
    """A stand-in SMS provider: the worker's HTTP sender posts here."""

    messages: list[dict[str, str]] = field(default_factory=list)

    def last_code(self, phone: str) -> str:
        for message in reversed(self.messages):
            if message["to"] == phone:
                found = re.search(r"\b(\d{6})\b", message["text"])
                assert found, message
                return found.group(1)
        raise AssertionError(f"no SMS to {phone}")


@pytest.fixture
async def sms_inbox(aiohttp_server: Callable[..., Any]) -> tuple[SmsInbox, str]:
    inbox = SmsInbox()

    async def receive(request: web.Request) -> web.Response:
        inbox.messages.append(await request.json())
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/sms", receive)
    server: TestServer = await aiohttp_server(app)
    return inbox, str(server.make_url("/sms"))


@pytest.fixture
def environment() -> str:
    """Parametrize a test with `environment` to run the cluster in another mode."""
    return "development"


@pytest.fixture
def settings_override(environment: str, sms_inbox: tuple[SmsInbox, str]) -> Callable[[Settings], Settings]:
    """SMS through the stand-in provider, and small images."""

    def override(settings: Settings) -> Settings:
        return replace(
            settings,
            app=replace(settings.app, environment=environment),
            sms=replace(settings.sms, backend="http", http_url=sms_inbox[1], http_token="t"),
            media=replace(settings.media, max_image_bytes=MAX_IMAGE_BYTES),
        )

    return override


@pytest.fixture
def inbox(sms_inbox: tuple[SmsInbox, str]) -> SmsInbox:
    return sms_inbox[0]


async def register(edge: Client, phone: str, role: str = "realtor", first: str = "Иван") -> dict[str, Any]:
    resp = await edge.post(
        "/users/register/", json={"phone": phone, "first_name": first, "last_name": "Иванов", "role": role}
    )
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def sign_in(cluster: Cluster, phone: str, role: str = "realtor") -> str:
    """Register on edge A, get a token on edge B with the registration code (it also signs in)."""
    code = (await register(cluster.edge_a, phone, role))["code"]
    resp = await cluster.edge_b.post("/users/token", json={"phone": phone, "activation_code": code})
    assert resp.status == 200, await resp.text()
    token: str = (await resp.json())["access_token"]
    return token


def media_files(cluster: Cluster) -> list[Path]:
    return sorted(p for p in Path(cluster.settings.media.dir).iterdir() if not p.name.startswith("."))


def update_form(phone: str, **fields: str | bytes) -> FormData:
    form = FormData()
    form.add_field("phone", phone)
    for name, value in fields.items():
        if isinstance(value, bytes):
            form.add_field(name, value, filename=f"{name}.jpg", content_type="image/jpeg")
        else:
            form.add_field(name, value)
    return form


# --- register, activate, token, me --------------------------------------------------------------------


async def test_register_activate_token_and_me_across_edges(cluster: Cluster, inbox: SmsInbox) -> None:
    registered = await register(cluster.edge_a, PHONE)
    assert registered == {"message": "User created successfully", "code": inbox.last_code(PHONE)}
    assert re.fullmatch(r"\d{6}", registered["code"])

    wrong = await cluster.edge_b.post("/users/activate/", json={"phone": PHONE, "activation_code": "000000"})
    if registered["code"] == "000000":
        pytest.skip("one in a million: the real code was 000000")
    assert wrong.status == 400
    assert await wrong.json() == {"detail": "Invalid or expired code"}

    activated = await cluster.edge_b.post(
        "/users/activate/", json={"phone": PHONE, "activation_code": registered["code"]}
    )
    assert activated.status == 200
    assert await activated.json() == {"message": "User activated successfully"}
    again = await cluster.edge_a.post(
        "/users/activate/", json={"phone": PHONE, "activation_code": registered["code"]}
    )
    assert again.status == 400  # single use

    # As the document goes on: the code that activated signs in, once.
    first = await cluster.edge_a.post(
        "/users/token", json={"phone": PHONE, "activation_code": registered["code"]}
    )
    assert first.status == 200 and (await first.json())["token_type"] == "bearer"
    spent = await cluster.edge_b.post(
        "/users/token", json={"phone": PHONE, "activation_code": registered["code"]}
    )
    assert spent.status == 400 and await spent.json() == {"detail": "Invalid or expired code"}

    reset = await cluster.edge_a.post("/users/reset/", json={"phone": PHONE})
    assert reset.status == 200
    sent = await reset.json()
    assert sent == {"message": "New activation code set", "code": inbox.last_code(PHONE)}

    token = await cluster.edge_b.post("/users/token", json={"phone": PHONE, "activation_code": sent["code"]})
    assert token.status == 200
    body = await token.json()
    assert set(body) == {"access_token", "token_type"} and body["token_type"] == "bearer"

    me = await cluster.edge_a.get("/users/me/", headers=bearer(body["access_token"]))
    assert me.status == 200
    user = await me.json()
    assert user["first_name"] == "Иван" and user["last_name"] == "Иванов" and user["phone"] == PHONE
    assert user["role"] == "Риелтор" and user["is_active"] is True and isinstance(user["id"], int)
    assert user["avatar"] is None and user["licenses"] is None and user["notifications_news"] is True
    assert "password" not in user and "password_hash" not in user


async def test_each_realty_role_shows_its_russian_label(cluster: Cluster) -> None:
    labels = {"user": "Пользователь", "realtor": "Риелтор", "developer": "Застройщик", "agency": "Агентство"}
    for n, (role, label) in enumerate(labels.items()):
        token = await sign_in(cluster, f"+7919000000{n}", role)
        me = await cluster.edge_a.get("/users/me/", headers=bearer(token))
        assert (await me.json())["role"] == label


async def test_register_refuses_other_roles_bad_phones_and_taken_phones(cluster: Cluster) -> None:
    for role in ("admin", "manager", "moderator", "dealer", "boss"):
        resp = await cluster.edge_a.post(
            "/users/register/", json={"phone": PHONE, "first_name": "A", "last_name": "B", "role": role}
        )
        assert resp.status == 400
        assert isinstance((await resp.json())["detail"], list)
    missing = await cluster.edge_a.post("/users/register/", json={"phone": PHONE})
    assert missing.status == 400
    bad = await cluster.edge_a.post(
        "/users/register/", json={"phone": "12", "first_name": "A", "last_name": "B"}
    )
    assert bad.status == 400 and "detail" in await bad.json()

    await register(cluster.edge_a, PHONE)
    taken = await cluster.edge_b.post(
        "/users/register/",
        json={"phone": "8 (919) 777-77-79", "first_name": "A", "last_name": "B", "role": "user"},
    )
    assert taken.status == 409 and "detail" in await taken.json()


async def test_the_sixth_wrong_code_fails_even_with_the_right_code(cluster: Cluster) -> None:
    code = (await register(cluster.edge_a, PHONE))["code"]
    wrong = "111111" if code != "111111" else "222222"
    for n in range(5):
        edge = cluster.edges[n % 2]
        resp = await edge.post("/users/token", json={"phone": PHONE, "activation_code": wrong})
        assert resp.status == 400, await resp.text()
    right = await cluster.edge_b.post("/users/token", json={"phone": PHONE, "activation_code": code})
    assert right.status == 400
    assert await right.json() == {"detail": "Invalid or expired code"}
    activate = await cluster.edge_a.post("/users/activate/", json={"phone": PHONE, "activation_code": code})
    assert activate.status == 400


async def test_token_for_an_unknown_phone_is_400_like_a_wrong_code(cluster: Cluster) -> None:
    resp = await cluster.edge_a.post(
        "/users/token", json={"phone": "+79990001122", "activation_code": "123456"}
    )
    assert resp.status == 400
    assert await resp.json() == {"detail": "Invalid or expired code"}


async def test_without_a_valid_token_it_is_401(cluster: Cluster) -> None:
    calls = [
        ("GET", "/users/me/"),
        ("PUT", "/users/update/"),
        ("PUT", "/update/"),
        ("DELETE", "/users/delete/"),
        ("GET", "/users/list/"),
        ("GET", "/list/"),
    ]
    for method, path in calls:
        for headers in ({}, bearer("not-a-token"), bearer(cluster.signer.token(1, typ="refresh"))):
            resp = await cluster.edge_a.request(method, path, headers=headers, json={"phone": PHONE})
            assert resp.status == 401, (method, path)
            assert await resp.json() == {"detail": "Not authenticated"}


# --- reset ------------------------------------------------------------------------------------------


async def test_reset_answers_alike_for_an_unknown_phone_and_limits_sends(
    cluster: Cluster, inbox: SmsInbox
) -> None:
    unknown = await cluster.edge_a.post("/users/reset/", json={"phone": "+79990001122"})
    assert unknown.status == 200
    assert await unknown.json() == {"message": "New activation code set"}
    assert not [m for m in inbox.messages if m["to"] == "+79990001122"]

    await register(cluster.edge_a, PHONE)  # the first code of the hour
    for edge in cluster.edges:
        assert (await edge.post("/users/reset/", json={"phone": PHONE})).status == 200
    limited = await cluster.edge_a.post("/users/reset/", json={"phone": PHONE})
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "detail" in await limited.json()


# --- update -----------------------------------------------------------------------------------------


async def test_update_with_avatar_and_license_served_from_both_edges(cluster: Cluster) -> None:
    token = await sign_in(cluster, PHONE)
    avatar, license_ = tiny_png(2, 2), tiny_png(3, 1)
    form = update_form(
        PHONE,
        first_name="Иван",
        last_name="Петров",
        city="Москва",
        about="Продаю квартиры",
        telegram="@ivan",
        notifications_news="false",
        role="admin",
        id="999",
        avatar=avatar,
        licenses=license_,
    )
    resp = await cluster.edge_a.put("/users/update/", data=form, headers=bearer(token))
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["message"] == "User updated successfully"
    user = body["user"]
    assert user["last_name"] == "Петров" and user["city"] == "Москва" and user["about"] == "Продаю квартиры"
    assert user["telegram"] == "@ivan" and user["notifications_news"] is False and user["role"] == "Риелтор"
    assert user["avatar"].startswith("/media/") and user["licenses"].startswith("/media/")
    assert "avatar" not in user["avatar"] and user["avatar"].endswith(".png")  # our name, its real type

    for url, data in ((user["avatar"], avatar), (user["licenses"], license_)):
        for edge in cluster.edges:
            served = await edge.get(url)
            assert served.status == 200 and await served.read() == data
            assert served.headers["Content-Type"] == "image/png"
            assert served.headers["X-Content-Type-Options"] == "nosniff"

    me = await (await cluster.edge_b.get("/users/me/", headers=bearer(token))).json()
    assert me == user

    # The document's own spelling `/update/`; a new avatar replaces (and removes) the old one.
    again = await cluster.edge_b.put(
        "/update/", data=update_form("8 919 777 77 79", avatar=tiny_png(1, 2)), headers=bearer(token)
    )
    assert again.status == 200, await again.text()
    changed = (await again.json())["user"]
    assert changed["avatar"] != user["avatar"] and changed["licenses"] == user["licenses"]
    assert (
        changed["last_name"] == "Петров"
        and changed["about"] == "Продаю квартиры"
        and changed["telegram"] == "@ivan"
    )
    assert (await cluster.edge_a.get(user["avatar"])).status == 404
    assert len(media_files(cluster)) == 2


async def test_update_refuses_non_images_and_oversized_ones(cluster: Cluster) -> None:
    token = await sign_in(cluster, PHONE)
    pdf = update_form(PHONE, first_name="X", avatar=b"%PDF-1.7\n" + b"x" * 200)
    resp = await cluster.edge_a.put("/users/update/", data=pdf, headers=bearer(token))
    assert resp.status == 400
    assert await resp.json() == {"detail": "Only JPEG, PNG, WebP or GIF images are accepted"}

    big = tiny_png() + b"\x00" * MAX_IMAGE_BYTES
    # The license is stored first, then the oversized avatar fails: nothing is kept.
    form = update_form(PHONE, licenses=tiny_png(), avatar=big)
    resp = await cluster.edge_b.put("/users/update/", data=form, headers=bearer(token))
    assert resp.status == 413
    assert await resp.json() == {"detail": "Image is too large"}

    two = update_form(PHONE, avatar=tiny_png())
    two.add_field("avatar", tiny_png(), filename="b.png", content_type="image/png")
    assert (await cluster.edge_a.put("/users/update/", data=two, headers=bearer(token))).status == 400
    assert media_files(cluster) == []

    me = await (await cluster.edge_a.get("/users/me/", headers=bearer(token))).json()
    assert me["first_name"] == "Иван" and me["avatar"] is None and me["licenses"] is None


async def test_update_validates_fields_and_requires_the_phone(cluster: Cluster) -> None:
    token = await sign_in(cluster, PHONE)
    form = FormData()
    form.add_field("first_name", "Пётр")
    form.add_field("avatar", tiny_png(), filename="a.png", content_type="image/png")
    resp = await cluster.edge_a.put("/users/update/", data=form, headers=bearer(token))
    assert resp.status == 400 and "phone" in (await resp.json())["detail"]
    long = update_form(PHONE, about="x" * 2001)
    assert (await cluster.edge_a.put("/users/update/", data=long, headers=bearer(token))).status == 400
    flag = update_form(PHONE, notifications_news="maybe")
    assert (await cluster.edge_a.put("/users/update/", data=flag, headers=bearer(token))).status == 400
    assert media_files(cluster) == []

    # A plain form without files works too.
    plain = await cluster.edge_b.put(
        "/users/update/",
        data={"phone": PHONE, "middle_name": "Петрович", "sex": "male"},
        headers=bearer(token),
    )
    assert plain.status == 200, await plain.text()
    user = (await plain.json())["user"]
    assert user["middle_name"] == "Петрович" and user["sex"] == "male" and user["first_name"] == "Иван"


async def test_update_with_another_users_phone_is_404(cluster: Cluster) -> None:
    mine = await sign_in(cluster, PHONE)
    await sign_in(cluster, "+79190000001")
    form = update_form("+79190000001", first_name="Hacked", avatar=tiny_png())
    resp = await cluster.edge_a.put("/users/update/", data=form, headers=bearer(mine))
    assert resp.status == 404
    assert await resp.json() == {"detail": "User not found"}
    assert media_files(cluster) == []


# --- delete -----------------------------------------------------------------------------------------


async def test_delete_only_your_own_account(cluster: Cluster) -> None:
    mine = await sign_in(cluster, PHONE)
    theirs = await sign_in(cluster, "+79190000001")

    other = await cluster.edge_a.request(
        "DELETE", "/users/delete/", json={"phone": "+79190000001"}, headers=bearer(mine)
    )
    assert other.status == 404
    assert await other.json() == {"detail": "User not found"}
    assert (await cluster.edge_b.get("/users/me/", headers=bearer(theirs))).status == 200

    own = await cluster.edge_b.request(
        "DELETE", "/users/delete/", json={"phone": "8 919 777-77-79"}, headers=bearer(mine)
    )
    assert own.status == 200
    assert await own.json() == {"message": "User deleted successfully"}
    assert (await cluster.edge_a.get("/users/me/", headers=bearer(mine))).status in (401, 404)
    assert (await cluster.edge_b.get("/users/me/", headers=bearer(theirs))).status == 200
    await register(cluster.edge_a, PHONE)  # the phone is free again


# --- list -------------------------------------------------------------------------------------------


async def test_list_is_for_staff_with_skip_and_limit(cluster: Cluster) -> None:
    realtor = await sign_in(cluster, PHONE)
    for n in range(3):
        await sign_in(cluster, f"+7919000000{n}", "agency")
    refused = await cluster.edge_a.get("/users/list/", headers=bearer(realtor))
    assert refused.status == 403 and "detail" in await refused.json()

    manager = bearer(cluster.signer.token(10_000, role="manager"))
    everyone = await (await cluster.edge_a.get("/users/list/?skip=0&limit=10", headers=manager)).json()
    assert isinstance(everyone, list) and len(everyone) == 4
    assert {user["role"] for user in everyone} == {"Риелтор", "Агентство"}
    assert {"id", "first_name", "last_name", "phone", "role"} <= set(everyone[0])

    page = await (await cluster.edge_b.get("/users/list/?skip=1&limit=2", headers=manager)).json()
    assert [u["id"] for u in page] == [u["id"] for u in everyone[1:3]]
    alias = await (await cluster.edge_b.get("/list/?skip=3&limit=10", headers=manager)).json()
    assert [u["id"] for u in alias] == [everyone[3]["id"]]
    default = await (await cluster.edge_a.get("/users/list/", headers=manager)).json()
    assert len(default) == 4

    for query in ("skip=-1", "limit=0", "limit=101", "skip=x"):
        bad = await cluster.edge_a.get(f"/users/list/?{query}", headers=manager)
        assert bad.status == 400, query


# --- production mode --------------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ["production"])
async def test_in_production_the_code_is_only_in_the_sms(cluster: Cluster, inbox: SmsInbox) -> None:
    registered = await register(cluster.edge_a, PHONE)
    assert registered == {"message": "User created successfully"}
    code = inbox.last_code(PHONE)
    reset = await cluster.edge_b.post("/users/reset/", json={"phone": PHONE})
    assert await reset.json() == {"message": "New activation code set"}
    new_code = inbox.last_code(PHONE)
    token = await cluster.edge_b.post("/users/token", json={"phone": PHONE, "activation_code": new_code})
    assert token.status == 200, (code, await token.text())
