"""MillionAvto (000) identity through HTTP on two edges, and the `/api/v1/auth` paths it shares with
Car advisor (002): union answers, cookies, rotation, sessions, mailed links, bad tokens, rate limits."""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import orjson
import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from nodes.runtime.settings import Settings
from tests.conftest import Cluster
from tests.support.http import bearer, json_of
from tests.support.polling import status_becomes
from tests.support.smtp import SmtpSink, body, mail_through

pytestmark = pytest.mark.domains("identity")

Edge = TestClient[web.Request, web.Application]

PASSWORD = "SecurePass123!"
NEW_PASSWORD = "NewSecurePass456!"
FRONT = "https://autos.test"
TOKEN = re.compile(r"[?&]token=([A-Za-z0-9_\-]+)")
LOGIN_LIMIT = 4
NOT_AUTHENTICATED = {"detail": "Not authenticated"}


@pytest.fixture
def settings_override(smtp: SmtpSink) -> Callable[[Settings], Settings]:
    def override(settings: Settings) -> Settings:
        return replace(
            mail_through(settings, smtp),
            edge=replace(settings.edge, cors_origins=(FRONT,)),
            limits=replace(settings.limits, login_per_account=LOGIN_LIMIT),
        )

    return override


async def register(edge: Edge, email: str, **extra: Any) -> dict[str, Any]:
    resp = await edge.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, **extra})
    return await json_of(resp, 201)  # type: ignore[no-any-return]


async def login(edge: Edge, email: str, password: str = PASSWORD, **kw: Any) -> dict[str, Any]:
    resp = await edge.post("/api/v1/auth/login", json={"email": email, "password": password}, **kw)
    return await json_of(resp, 200)  # type: ignore[no-any-return]


async def me(edge: Edge, access: str) -> ClientResponse:
    return await edge.get("/api/v1/users/me", headers=bearer(access))


async def refresh_status(edge: Edge, refresh_token: str) -> int:
    return (await edge.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})).status


def forget_cookies(cluster: Cluster) -> None:
    for edge in cluster.edges:
        edge.session.cookie_jar.clear()


def assert_union_error(body: dict[str, Any], code: str) -> None:
    assert set(body) == {"detail", "error"}
    assert set(body["error"]) == {"code", "message", "details"} and body["error"]["code"] == code


# --- shared /api/v1/auth ---------------------------------------------------------------------------


async def test_register_on_a_use_on_b_with_union_answer_and_cookies(cluster: Cluster) -> None:
    resp = await cluster.edge_a.post(
        "/api/v1/auth/register",
        json={
            "email": "John@Example.com",
            "password": PASSWORD,
            "full_name": "John Doe",
            "phone": "+79001234567",
        },
    )
    out = await json_of(resp, 201)
    assert set(out) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
    assert out["token_type"] == "bearer" and out["expires_in"] == 900
    user = out["user"]
    assert {k: user[k] for k in ("email", "full_name", "name", "role", "phone")} == {
        "email": "John@Example.com", "full_name": "John Doe", "name": "John Doe", "role": "USER",
        "phone": "+79001234567",
    }  # fmt: skip
    assert {"id", "created_at", "is_active", "is_verified"} <= set(user)

    access, refresh = resp.cookies["access_token"], resp.cookies["refresh_token"]
    assert access.value == out["access_token"] and refresh.value == out["refresh_token"]
    assert access["httponly"] and refresh["httponly"]
    assert access["max-age"] == "900" and refresh["max-age"] == "604800"
    assert access["path"] == "/" and access["samesite"] == "Lax"

    profile = await json_of(await me(cluster.edge_b, out["access_token"]), 200)
    assert profile["id"] == user["id"] and profile["role"] == "USER" and profile["is_verified"] is False
    # The access cookie alone authenticates too (000 keeps tokens in cookies).
    by_cookie = await cluster.edge_b.get("/api/v1/users/me", cookies={"access_token": out["access_token"]})
    assert (await json_of(by_cookie, 200))["id"] == user["id"]


async def test_register_errors_are_400_and_409_in_the_union_format(cluster: Cluster) -> None:
    await register(cluster.edge_a, "taken@example.com")
    dup = await cluster.edge_b.post(
        "/api/v1/auth/register", json={"email": "TAKEN@example.com", "password": PASSWORD}
    )
    body_ = await json_of(dup, 409)
    assert_union_error(body_, "conflict")
    assert body_["detail"] == body_["error"]["message"] and "mail" in body_["detail"]

    short = await json_of(
        await cluster.edge_a.post(
            "/api/v1/auth/register", json={"email": "a@example.com", "password": "short"}
        ),
        400,
    )
    assert_union_error(short, "validation_error")
    assert short["error"]["details"] == {"field": "password", "reason": "string_too_short"}
    assert isinstance(short["detail"], list) and short["detail"][0]["loc"] == ["body", "password"]

    bad_email = await json_of(
        await cluster.edge_a.post("/api/v1/auth/register", json={"email": "nope", "password": PASSWORD}), 400
    )
    assert_union_error(bad_email, "validation_error")
    assert bad_email["error"]["details"]["field"] == "email"

    not_json = await cluster.edge_a.post(
        "/api/v1/auth/register", data=b"{", headers={"Content-Type": "application/json"}
    )
    assert_union_error(await json_of(not_json, 400), "validation_error")


async def test_bad_credentials_are_401_alike(cluster: Cluster) -> None:
    await register(cluster.edge_a, "ann@example.com")
    wrong = await cluster.edge_b.post(
        "/api/v1/auth/login", json={"email": "ann@example.com", "password": "wrong-pass"}
    )
    unknown = await cluster.edge_b.post(
        "/api/v1/auth/login", json={"email": "bob@example.com", "password": PASSWORD}
    )
    wrong_body, unknown_body = await json_of(wrong, 401), await json_of(unknown, 401)
    assert_union_error(wrong_body, "unauthorized")
    assert wrong_body == unknown_body
    missing = await cluster.edge_b.post("/api/v1/auth/login", json={"email": "ann@example.com"})
    assert_union_error(await json_of(missing, 400), "validation_error")
    ok = await login(cluster.edge_b, "ANN@example.com")
    assert ok["user"]["email"] == "ann@example.com" and "access_token" in ok


async def test_login_is_rate_limited_with_retry_after(cluster: Cluster) -> None:
    await register(cluster.edge_a, "guess@example.com")
    statuses = []
    for i in range(LOGIN_LIMIT + 2):
        edge = cluster.edges[i % 2]  # the window is shared by every edge
        resp = await edge.post(
            "/api/v1/auth/login", json={"email": "guess@example.com", "password": "wrong-pass"}
        )
        statuses.append(resp.status)
        if resp.status == 429:
            assert int(resp.headers["Retry-After"]) >= 1
            assert_union_error(await resp.json(), "rate_limited")
    assert 401 in statuses and statuses[-1] == 429


async def test_refresh_on_b_by_body_and_by_cookie_rotates(cluster: Cluster) -> None:
    first = await register(cluster.edge_a, "rot@example.com")
    by_body = await cluster.edge_b.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    second = await json_of(by_body, 200)
    assert set(second) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert second["refresh_token"] != first["refresh_token"]
    assert by_body.cookies["refresh_token"].value == second["refresh_token"]
    assert by_body.cookies["access_token"]["httponly"]
    assert (await me(cluster.edge_a, second["access_token"])).status == 200

    forget_cookies(cluster)
    by_cookie = await cluster.edge_b.post(
        "/api/v1/auth/refresh", cookies={"refresh_token": second["refresh_token"]}
    )
    third = await json_of(by_cookie, 200)
    assert third["refresh_token"] not in (first["refresh_token"], second["refresh_token"])

    forget_cookies(cluster)
    nothing = await cluster.edge_a.post("/api/v1/auth/refresh")
    assert_union_error(await json_of(nothing, 401), "unauthorized")
    junk = await cluster.edge_a.post("/api/v1/auth/refresh", json={"refresh_token": "not-a-token"})
    assert_union_error(await json_of(junk, 401), "unauthorized")


async def test_reusing_a_rotated_refresh_token_kills_the_session(cluster: Cluster) -> None:
    first = await register(cluster.edge_a, "reuse@example.com")
    forget_cookies(cluster)
    second = await json_of(
        await cluster.edge_b.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}), 200
    )
    reused = await cluster.edge_a.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_union_error(await json_of(reused, 401), "unauthorized")
    assert await refresh_status(cluster.edge_b, second["refresh_token"]) == 401  # the whole family died
    other = await login(cluster.edge_a, "reuse@example.com")
    sessions = await json_of(
        await cluster.edge_a.get("/api/v1/users/me/sessions", headers=bearer(other["access_token"])), 200
    )
    assert sessions["total"] == 1 and sessions["sessions"][0]["is_current"] is True


async def test_of_twenty_parallel_refreshes_with_one_token_at_most_one_succeeds(cluster: Cluster) -> None:
    first = await register(cluster.edge_a, "race@example.com")
    forget_cookies(cluster)
    body = {"refresh_token": first["refresh_token"]}
    calls = [cluster.edges[i % 2].post("/api/v1/auth/refresh", json=body) for i in range(20)]
    answers = await asyncio.gather(*calls)
    statuses = sorted(answer.status for answer in answers)
    assert statuses.count(200) <= 1 and set(statuses) <= {200, 401}, statuses
    # Whatever won, the others were replays of a rotated token: the session is over for everyone.
    for answer in answers:
        if answer.status == 200:
            won = await answer.json()
            assert await refresh_status(cluster.edge_b, won["refresh_token"]) == 401


async def test_logout_by_cookie_and_by_body(cluster: Cluster) -> None:
    await register(cluster.edge_a, "out@example.com")
    forget_cookies(cluster)
    signed = await login(cluster.edge_a, "out@example.com")  # the jar of edge A now holds the cookies
    resp = await cluster.edge_a.post("/api/v1/auth/logout")
    assert resp.status == 204 and await resp.read() == b""
    assert resp.cookies["refresh_token"].value == "" and resp.cookies["access_token"].value == ""
    assert await refresh_status(cluster.edge_b, signed["refresh_token"]) == 401

    other = await login(cluster.edge_b, "out@example.com")
    forget_cookies(cluster)
    resp = await cluster.edge_a.post(
        "/api/v1/auth/logout",
        json={"refresh_token": other["refresh_token"]},
        headers=bearer(other["access_token"]),
    )
    assert resp.status == 204
    assert await refresh_status(cluster.edge_b, other["refresh_token"]) == 401
    # The access token of the ended session stops too, on every edge, before it expires.
    for edge in cluster.edges:
        assert await status_becomes(401, functools.partial(me, edge, other["access_token"])) == 401

    forget_cookies(cluster)
    anonymous = await cluster.edge_b.post("/api/v1/auth/logout")
    assert_union_error(await json_of(anonymous, 401), "unauthorized")


# --- tokens that must not pass --------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict[str, Any], claims: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    signing_input = f"{b64(orjson.dumps(header))}.{b64(orjson.dumps(claims))}".encode()
    return f"{signing_input.decode()}.{b64(sign(signing_input))}"


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


async def test_bad_access_tokens_are_401(cluster: Cluster) -> None:
    signed = await register(cluster.edge_a, "tok@example.com")
    forget_cookies(cluster)
    uid, kid = signed["user"]["id"], cluster.signer.kid
    claims = claims_of(signed["access_token"]) | {"role": "admin"}
    header, _, signature = signed["access_token"].split(".")
    tampered = f"{header}.{b64(orjson.dumps(claims))}.{signature}"
    none_alg = forged(
        {"alg": "none", "typ": "JWT", "kid": kid}, claims_of(signed["access_token"]), lambda _: b""
    )
    hs256 = forged(
        {"alg": "HS256", "typ": "JWT", "kid": kid},
        claims_of(signed["access_token"]),
        lambda data: hmac.new(cluster.signer.public_pem().encode(), data, hashlib.sha256).digest(),
    )
    bad = {
        "alg none": none_alg,
        "wrong algorithm": hs256,
        "expired": cluster.signer.token(uid, ttl=-120),
        "tampered": tampered,
        "refresh token as access": signed["refresh_token"],
        "refresh-typed jwt": cluster.signer.token(uid, typ="refresh"),
        "wrong audience": cluster.signer.token(uid, aud="elsewhere"),
        "not yet valid": cluster.signer.token(uid, nbf=int(time.time()) + 600),
        "garbage": "a.b.c",
    }
    for name, token in bad.items():
        for edge in cluster.edges:
            resp = await me(edge, token)
            assert resp.status == 401, name
            assert await resp.json() == NOT_AUTHENTICATED, name
    assert (await me(cluster.edge_b, signed["access_token"])).status == 200
    assert (await cluster.edge_a.get("/api/v1/users/me")).status == 401


# --- /api/v1/users/me ------------------------------------------------------------------------------


async def test_profile_update_ignores_what_it_may_not_set(cluster: Cluster) -> None:
    signed = await register(cluster.edge_a, "prof@example.com", full_name="Old Name")
    await register(cluster.edge_a, "other@example.com", phone="+77001112233")
    forget_cookies(cluster)
    access = signed["access_token"]
    resp = await cluster.edge_b.put(
        "/api/v1/users/me",
        json={"full_name": "New Name", "role": "ADMIN", "is_verified": True, "id": 999999},
        headers=bearer(access),
    )
    updated = await json_of(resp, 200)
    assert updated["full_name"] == "New Name" and updated["role"] == "USER"
    assert updated["id"] == signed["user"]["id"] and updated["is_verified"] is False

    too_long = await cluster.edge_b.put(
        "/api/v1/users/me", json={"full_name": "x" * 200}, headers=bearer(access)
    )
    detail = (await json_of(too_long, 422))["detail"]
    assert detail[0]["loc"] == ["body", "full_name"]

    clash = await cluster.edge_a.put(
        "/api/v1/users/me", json={"phone": "8 700 111 22 33"}, headers=bearer(access)
    )
    assert set(await json_of(clash, 409)) == {"detail"}
    assert (await cluster.edge_a.put("/api/v1/users/me", json={"full_name": "x"})).status == 401


async def test_change_password_ends_other_sessions(cluster: Cluster) -> None:
    here = await register(cluster.edge_a, "pw@example.com")
    there = await login(cluster.edge_b, "pw@example.com")
    forget_cookies(cluster)
    url, auth = "/api/v1/users/me/password", bearer(here["access_token"])
    wrong = await cluster.edge_a.put(
        url, json={"current_password": "not-my-pass", "new_password": NEW_PASSWORD}, headers=auth
    )
    assert await json_of(wrong, 400) == {"detail": "Incorrect current password"}
    weak = await cluster.edge_a.put(
        url, json={"current_password": PASSWORD, "new_password": "short"}, headers=auth
    )
    assert (await json_of(weak, 422))["detail"][0]["loc"] == ["body", "new_password"]
    ok = await cluster.edge_a.put(
        url, json={"old_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=auth
    )
    assert (await json_of(ok, 200)) == {"message": "Password changed"}

    assert await refresh_status(cluster.edge_a, there["refresh_token"]) == 401
    assert await refresh_status(cluster.edge_b, here["refresh_token"]) == 200
    wrong_old = await cluster.edge_a.post(
        "/api/v1/auth/login", json={"email": "pw@example.com", "password": PASSWORD}
    )
    assert wrong_old.status == 401
    await login(cluster.edge_b, "pw@example.com", NEW_PASSWORD)


async def test_sessions_are_listed_and_revoked_only_by_their_owner(cluster: Cluster) -> None:
    mine = await register(cluster.edge_a, "sess@example.com")
    phone = await login(cluster.edge_b, "sess@example.com", headers={"User-Agent": "AvtoPhone/1.0"})
    stranger = await register(cluster.edge_b, "stranger@example.com")
    forget_cookies(cluster)
    auth = bearer(mine["access_token"])

    listed = await json_of(await cluster.edge_b.get("/api/v1/users/me/sessions", headers=auth), 200)
    assert listed["total"] == 2
    current = [s for s in listed["sessions"] if s["is_current"]]
    others = [s for s in listed["sessions"] if not s["is_current"]]
    assert len(current) == 1 and len(others) == 1 and others[0]["user_agent"] == "AvtoPhone/1.0"
    assert {"id", "device", "ip_address", "created_at", "last_used_at", "expires_at"} <= set(others[0])
    phone_session = others[0]["id"]

    foreign = await cluster.edge_a.delete(
        f"/api/v1/users/me/sessions/{phone_session}", headers=bearer(stranger["access_token"])
    )
    assert set(await json_of(foreign, 404)) == {"detail"}
    still = await json_of(await cluster.edge_b.get("/api/v1/users/me/sessions", headers=auth), 200)
    assert phone_session in [s["id"] for s in still["sessions"]]
    missing = await cluster.edge_a.delete("/api/v1/users/me/sessions/no-such-session", headers=auth)
    assert missing.status == 404

    revoked = await cluster.edge_a.delete(f"/api/v1/users/me/sessions/{phone_session}", headers=auth)
    assert await json_of(revoked, 200) == {"message": "Session revoked"}
    assert await refresh_status(cluster.edge_b, phone["refresh_token"]) == 401
    listed = await json_of(await cluster.edge_b.get("/api/v1/users/me/sessions", headers=auth), 200)
    assert [s["is_current"] for s in listed["sessions"]] == [True]

    everything = await cluster.edge_b.delete("/api/v1/users/me/sessions/all", headers=auth)
    assert (await json_of(everything, 200))["revoked_count"] >= 1
    assert await refresh_status(cluster.edge_a, mine["refresh_token"]) == 401
    assert await refresh_status(cluster.edge_a, stranger["refresh_token"]) == 200  # someone else's: untouched
    # The ended sessions' access tokens stop working on every edge, not only their refresh tokens.
    forget_cookies(cluster)
    for edge in cluster.edges:
        sessions = functools.partial(edge.get, "/api/v1/users/me/sessions", headers=auth)
        assert await status_becomes(401, sessions) == 401


async def test_delete_account(cluster: Cluster) -> None:
    signed = await register(cluster.edge_a, "gone@example.com")
    forget_cookies(cluster)
    resp = await cluster.edge_b.delete("/api/v1/users/me", headers=bearer(signed["access_token"]))
    assert resp.status == 204
    assert await refresh_status(cluster.edge_a, signed["refresh_token"]) == 401
    relogin = await cluster.edge_a.post(
        "/api/v1/auth/login", json={"email": "gone@example.com", "password": PASSWORD}
    )
    assert relogin.status == 401
    assert (await me(cluster.edge_a, signed["access_token"])).status in (401, 404)


# --- mailed links ----------------------------------------------------------------------------------


async def mailed_token(smtp: SmtpSink, address: str, path: str, count: int = 1) -> str:
    await smtp.wait_for(lambda _m: len(smtp.to(address)) >= count)
    text = body(smtp.to(address)[count - 1])
    assert f"{FRONT}{path}?token=" in text
    match = TOKEN.search(text)
    assert match is not None
    return match.group(1)


async def test_password_reset_over_smtp_works_once(cluster: Cluster, smtp: SmtpSink) -> None:
    signed = await register(cluster.edge_a, "reset@example.com")
    forget_cookies(cluster)
    asked = await cluster.edge_a.post(
        "/api/v1/auth/request-password-reset", json={"email": "reset@example.com"}
    )
    nobody = await cluster.edge_b.post(
        "/api/v1/auth/request-password-reset", json={"email": "nobody@example.com"}
    )
    assert await json_of(asked, 200) == await json_of(nobody, 200)
    token = await mailed_token(smtp, "reset@example.com", "/reset-password")
    assert smtp.to("nobody@example.com") == []

    weak = await cluster.edge_b.post(
        "/api/v1/auth/reset-password", json={"token": token, "new_password": "short"}
    )
    assert (await json_of(weak, 422))["detail"][0]["loc"] == ["body", "new_password"]
    done = await cluster.edge_b.post(
        "/api/v1/auth/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert await json_of(done, 200) == {"message": "Password has been reset"}
    again = await cluster.edge_a.post(
        "/api/v1/auth/reset-password", json={"token": token, "new_password": PASSWORD}
    )
    assert await json_of(again, 400) == {"detail": "Invalid or expired token"}

    assert await refresh_status(cluster.edge_a, signed["refresh_token"]) == 401
    await login(cluster.edge_a, "reset@example.com", NEW_PASSWORD)
    bad_mail = await cluster.edge_a.post("/api/v1/auth/request-password-reset", json={})
    assert (await json_of(bad_mail, 422))["detail"][0]["loc"] == ["body", "email"]


async def test_verify_email_link_works_once(cluster: Cluster, smtp: SmtpSink) -> None:
    signed = await register(cluster.edge_a, "verify@example.com")
    forget_cookies(cluster)
    anonymous = await cluster.edge_b.post("/api/v1/auth/verify-email")
    assert await json_of(anonymous, 401) == NOT_AUTHENTICATED
    sent = await cluster.edge_b.post("/api/v1/auth/verify-email", headers=bearer(signed["access_token"]))
    assert (await json_of(sent, 202))["message"]
    token = await mailed_token(smtp, "verify@example.com", "/verify-email")

    done = await json_of(await cluster.edge_a.post("/api/v1/auth/verify-email", json={"token": token}), 200)
    assert done["user"]["is_verified"] is True and done["user"]["id"] == signed["user"]["id"]
    again = await cluster.edge_a.post("/api/v1/auth/verify-email", json={"token": token})
    assert await json_of(again, 400) == {"detail": "Invalid or expired token"}
    assert (await json_of(await me(cluster.edge_b, signed["access_token"]), 200))["is_verified"] is True
