"""FreeMarket (001) identity through HTTP on two edges: register, login by username, the refresh
cookie (rotated, 5 per 5 minutes per IP), logout, passwords, sessions, `/auth/me`, locations,
profile and account deletion, with errors as `{"detail", "status_code", "error_type"}`."""

from __future__ import annotations

import asyncio
import base64
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

# The contract's surface: accounts' and chats' storage run on both databases in tests/nodes/workers.
pytestmark = [pytest.mark.domains("identity", "matching", "moderation"), pytest.mark.database_agnostic]

Edge = TestClient[web.Request, web.Application]

PASSWORD = "StrongPassword123!"
NEW_PASSWORD = "NewStrongPassword456!"
REFRESH_LIMIT = 5
SIGNED_OUT = {"user": None, "authenticated": False}


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    """Trust X-Forwarded-For, so the rate-limit test counts against an address of its own."""

    def override(settings: Settings) -> Settings:
        return replace(settings, edge=replace(settings.edge, trust_forwarded_for=True))

    return override


async def error_of(resp: ClientResponse, status: int, error_type: str) -> str:
    body = await json_of(resp, status)
    assert set(body) == {"detail", "status_code", "error_type"}, body
    assert body["status_code"] == status and body["error_type"] == error_type, body
    assert isinstance(body["detail"], str) and body["detail"]
    return body["detail"]


def forget_cookies(cluster: Cluster) -> None:
    for edge in cluster.edges:
        edge.session.cookie_jar.clear()


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


async def register(edge: Edge, username: str, **extra: Any) -> tuple[dict[str, Any], str]:
    """Register; returns the answer and the refresh token from its cookie."""
    body = {"email": f"{username}@example.com", "password": PASSWORD, "username": username, **extra}
    resp = await edge.post("/auth/register", json=body)
    return await json_of(resp, 200), resp.cookies["refresh_token"].value


async def login(edge: Edge, username: str, password: str = PASSWORD, **kw: Any) -> tuple[dict[str, Any], str]:
    resp = await edge.post("/auth/login", json={"username": username, "password": password}, **kw)
    return await json_of(resp, 200), resp.cookies["refresh_token"].value


async def refresh_with(edge: Edge, token: str, **kw: Any) -> ClientResponse:
    edge.session.cookie_jar.clear()
    return await edge.post("/auth/refresh", cookies={"refresh_token": token}, **kw)


async def me(edge: Edge, access: str | None = None) -> dict[str, Any]:
    return await json_of(await edge.get("/auth/me", headers=bearer(access) if access else {}), 200)  # type: ignore[no-any-return]


async def signed_out_soon(edge: Edge, access: str) -> None:
    """An ended session's access token is refused once the edges hear of it (NATS KV, milliseconds)."""
    for _ in range(50):
        if await me(edge, access) == SIGNED_OUT:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the access token still works")


# --- register, login, me ---------------------------------------------------------------------------


async def test_register_on_a_then_me_and_login_on_b(cluster: Cluster) -> None:
    resp = await cluster.edge_a.post(
        "/auth/register",
        json={
            "email": "newuser@example.com", "password": PASSWORD, "username": "newuser_freemarket",
            "full_name": "New User", "city": "Астана", "telegram_contact": "@newuser_telegram", "role": "admin",
        },
    )  # fmt: skip
    out = await json_of(resp, 200)
    assert set(out) == {"user", "access_token", "token_type", "expires_in"}
    assert out["token_type"] == "bearer" and out["expires_in"] == 900
    user = out["user"]
    assert set(user) == {
        "id", "username", "email", "full_name", "telegram_contact", "city", "is_active", "is_verified",
        "email_verified", "phone_verified", "created_at",
    }  # fmt: skip
    assert {k: user[k] for k in ("username", "email", "full_name", "city", "telegram_contact")} == {
        "username": "newuser_freemarket", "email": "newuser@example.com", "full_name": "New User",
        "city": "Астана", "telegram_contact": "@newuser_telegram",
    }  # fmt: skip
    assert user["is_active"] is True and user["is_verified"] is False
    assert claims_of(out["access_token"])["role"] == "user"  # the body's "role" is not taken
    # The refresh token lives in an HttpOnly cookie only; the access token in the body only.
    cookie = resp.cookies["refresh_token"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["max-age"] == "604800"
    assert cookie.value and cookie.value not in await resp.text()
    assert "access_token" not in resp.cookies

    forget_cookies(cluster)
    profile = await me(cluster.edge_b, out["access_token"])
    assert profile["authenticated"] is True and profile["user"]["id"] == user["id"]
    assert {"bio", "trust_score", "exchange_count", "rating_avg", "updated_at", "last_login_at", "last_active_at",
            "telegram_id", "telegram_username", "telegram_first_name"} <= set(profile["user"])  # fmt: skip
    assert await me(cluster.edge_b) == SIGNED_OUT
    assert await me(cluster.edge_a, "not-a-token") == SIGNED_OUT

    signed, refresh = await login(cluster.edge_b, "NewUser_FreeMarket")  # usernames ignore case
    assert set(signed) == {"access_token", "token_type", "expires_in", "user"}
    assert signed["user"] == {
        "id": user["id"],
        "username": "newuser_freemarket",
        "email": "newuser@example.com",
    }
    assert refresh and "refresh_token" not in signed
    by_email, _ = await login(cluster.edge_a, "newuser@example.com")  # the email in the username field
    assert by_email["user"]["id"] == user["id"]


async def test_bad_logins_and_registrations(cluster: Cluster) -> None:
    await register(cluster.edge_a, "taken_name")
    wrong = await cluster.edge_b.post(
        "/auth/login", json={"username": "taken_name", "password": "wrong-pass"}
    )
    unknown = await cluster.edge_a.post("/auth/login", json={"username": "nobody_here", "password": PASSWORD})
    assert await error_of(wrong, 401, "authentication_error") == await error_of(
        unknown, 401, "authentication_error"
    )
    await error_of(
        await cluster.edge_a.post("/auth/login", json={"username": "taken_name"}), 400, "validation_error"
    )

    def body(**changes: Any) -> dict[str, Any]:
        return {"email": "fresh@example.com", "password": PASSWORD, "username": "fresh_name", **changes}

    dup_name = await cluster.edge_b.post("/auth/register", json=body(username="TAKEN_NAME"))
    assert "sername" in await error_of(dup_name, 409, "conflict")
    dup_mail = await cluster.edge_b.post("/auth/register", json=body(email="Taken_Name@Example.com"))
    assert "mail" in await error_of(dup_mail, 409, "conflict")
    for bad in (
        body(password="short"),
        body(email="not-an-email"),
        body(username="bad name!"),
        {"password": PASSWORD, "username": "no_email"},
        {"email": "nopass@example.com"},
    ):
        await error_of(await cluster.edge_a.post("/auth/register", json=bad), 400, "validation_error")
    broken = await cluster.edge_a.post(
        "/auth/register", data=b"{", headers={"Content-Type": "application/json"}
    )
    await error_of(broken, 400, "validation_error")
    # Nothing above was created: the name is still free.
    await register(cluster.edge_b, "fresh_name")


async def test_an_account_from_another_contract_logs_in_by_email(cluster: Cluster) -> None:
    made = await cluster.edge_a.post(
        "/api/v1/auth/register", json={"email": "avto@example.com", "password": PASSWORD, "full_name": "Avto"}
    )
    avto = await json_of(made, 201)
    forget_cookies(cluster)
    signed, _ = await login(cluster.edge_b, "AVTO@example.com")
    assert signed["user"] == {"id": avto["user"]["id"], "username": None, "email": "avto@example.com"}
    assert (await me(cluster.edge_a, signed["access_token"]))["user"]["full_name"] == "Avto"


# --- refresh, logout ---------------------------------------------------------------------------------


async def test_refresh_rotates_the_cookie_and_a_reused_one_ends_the_session(cluster: Cluster) -> None:
    out, first = await register(cluster.edge_a, "rotator")
    resp = await cluster.edge_b.post("/auth/refresh", cookies={"refresh_token": first})
    fresh = await json_of(resp, 200)
    assert set(fresh) == {"access_token", "token_type", "expires_in"} and fresh["expires_in"] == 900
    second = resp.cookies["refresh_token"]
    assert second.value and second.value != first and second["httponly"]
    assert (await me(cluster.edge_a, fresh["access_token"]))["user"]["id"] == out["user"]["id"]

    await error_of(await refresh_with(cluster.edge_a, first), 401, "authentication_error")  # reused
    await error_of(
        await refresh_with(cluster.edge_b, second.value), 401, "authentication_error"
    )  # family ended
    forget_cookies(cluster)
    await error_of(await cluster.edge_a.post("/auth/refresh"), 401, "authentication_error")  # no cookie


async def test_refresh_is_limited_to_five_per_five_minutes_per_ip(cluster: Cluster) -> None:
    _, token = await register(cluster.edge_a, "limited", headers={"X-Forwarded-For": "203.0.113.7"})
    here = {"X-Forwarded-For": "203.0.113.7"}
    for i in range(REFRESH_LIMIT):  # every attempt counts, whichever edge takes it
        edge = cluster.edges[i % 2]
        edge.session.cookie_jar.clear()
        resp = await edge.post("/auth/refresh", headers=here, cookies={"refresh_token": token})
        await json_of(resp, 200)
        token = resp.cookies["refresh_token"].value
    cluster.edge_b.session.cookie_jar.clear()
    limited = await cluster.edge_b.post("/auth/refresh", headers=here, cookies={"refresh_token": token})
    await error_of(limited, 429, "rate_limit_exceeded")
    assert 1 <= int(limited.headers["Retry-After"]) <= 300
    assert (await refresh_with(cluster.edge_a, "anything", headers=here)).status == 429  # any token
    # Another address has its own budget, and the token was not spent by the refused call.
    elsewhere = await cluster.edge_a.post(
        "/auth/refresh", headers={"X-Forwarded-For": "198.51.100.9"}, cookies={"refresh_token": token}
    )
    await json_of(elsewhere, 200)


async def test_logout_clears_the_cookie_and_ends_the_session(cluster: Cluster) -> None:
    _, _ = await register(cluster.edge_a, "leaver")
    forget_cookies(cluster)
    signed, token = await login(cluster.edge_a, "leaver")  # edge A's jar holds the refresh cookie
    resp = await cluster.edge_a.post("/auth/logout")
    assert await json_of(resp, 200) == {"message": "Successfully logged out"}
    assert resp.cookies["refresh_token"].value == ""
    await error_of(await refresh_with(cluster.edge_b, token), 401, "authentication_error")
    await signed_out_soon(cluster.edge_b, signed["access_token"])

    # By the access token alone; and with nothing at all, there is nothing to end.
    other, other_token = await login(cluster.edge_b, "leaver")
    forget_cookies(cluster)
    by_bearer = await cluster.edge_a.post("/auth/logout", headers=bearer(other["access_token"]))
    assert await json_of(by_bearer, 200) == {"message": "Successfully logged out"}
    await error_of(await refresh_with(cluster.edge_b, other_token), 401, "authentication_error")
    assert (await cluster.edge_b.post("/auth/logout")).status == 200


# --- password and sessions ---------------------------------------------------------------------------


async def test_change_password_ends_the_other_sessions(cluster: Cluster) -> None:
    here, here_token = await register(cluster.edge_a, "changer")
    _, there_token = await login(cluster.edge_b, "changer")
    forget_cookies(cluster)
    url, auth = "/auth/change-password", bearer(here["access_token"])
    wrong = await cluster.edge_a.post(
        url, json={"old_password": "not-my-pass", "new_password": NEW_PASSWORD}, headers=auth
    )
    await error_of(wrong, 400, "validation_error")
    weak = await cluster.edge_a.post(
        url, json={"old_password": PASSWORD, "new_password": "short"}, headers=auth
    )
    await error_of(weak, 400, "validation_error")
    anonymous = await cluster.edge_a.post(url, json={"old_password": PASSWORD, "new_password": NEW_PASSWORD})
    await error_of(anonymous, 401, "authentication_error")

    ok = await cluster.edge_b.post(
        url, json={"old_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=auth
    )
    assert await json_of(ok, 200) == {"message": "Password updated successfully"}
    await error_of(await refresh_with(cluster.edge_a, there_token), 401, "authentication_error")
    assert (await refresh_with(cluster.edge_b, here_token)).status == 200
    old = await cluster.edge_a.post("/auth/login", json={"username": "changer", "password": PASSWORD})
    await error_of(old, 401, "authentication_error")
    await login(cluster.edge_a, "changer", NEW_PASSWORD)


async def test_revoke_sessions_ends_every_refresh_token_of_the_user(cluster: Cluster) -> None:
    mine, mine_token = await register(cluster.edge_a, "revoker")
    _, phone_token = await login(cluster.edge_b, "revoker")
    _, stranger_token = await register(cluster.edge_b, "stranger")
    forget_cookies(cluster)
    await error_of(await cluster.edge_a.post("/auth/revoke-sessions"), 401, "authentication_error")
    resp = await cluster.edge_a.post("/auth/revoke-sessions", headers=bearer(mine["access_token"]))
    assert await json_of(resp, 200) == {"message": "All sessions revoked", "revoked_count": 2}
    assert resp.cookies["refresh_token"].value == ""
    for token in (mine_token, phone_token):
        await error_of(await refresh_with(cluster.edge_b, token), 401, "authentication_error")
    assert (await refresh_with(cluster.edge_a, stranger_token)).status == 200  # someone else's: untouched
    await signed_out_soon(cluster.edge_b, mine["access_token"])
    await login(cluster.edge_a, "revoker")  # signing in again works


# --- locations, profile, account ---------------------------------------------------------------------


async def test_locations_are_set_by_their_owner_only(cluster: Cluster) -> None:
    mine, _ = await register(cluster.edge_a, "local")
    other, _ = await register(cluster.edge_b, "other_one")
    forget_cookies(cluster)
    uid, auth = mine["user"]["id"], bearer(mine["access_token"])
    ok = await cluster.edge_b.put(
        f"/api/users/{uid}/locations", json={"locations": ["Алматы", "Шымкент"]}, headers=auth
    )
    assert await json_of(ok, 200) == {
        "id": uid,
        "locations": ["Алматы", "Шымкент"],
        "message": "Locations updated",
    }
    every = await cluster.edge_a.put(
        f"/api/users/{uid}/locations", json={"locations": ["Шымкент", "Астана", "Алматы"]}, headers=auth
    )
    assert (await json_of(every, 200))["locations"] == ["Шымкент", "Астана", "Алматы"]

    for bad in (
        [],
        ["Москва"],
        ["алматы"],
        ["Almaty"],
        ["Алматы", "Алматы"],
        ["Алматы", "Астана", "Шымкент", "Алматы"],
    ):
        resp = await cluster.edge_a.put(f"/api/users/{uid}/locations", json={"locations": bad}, headers=auth)
        await error_of(resp, 400, "validation_error")
    await error_of(
        await cluster.edge_a.put(f"/api/users/{uid}/locations", json={}, headers=auth),
        400,
        "validation_error",
    )

    body = {"locations": ["Астана"]}
    foreign = await cluster.edge_a.put(f"/api/users/{other['user']['id']}/locations", json=body, headers=auth)
    missing = await cluster.edge_a.put("/api/users/999999/locations", json=body, headers=auth)
    assert await error_of(foreign, 404, "not_found") == await error_of(missing, 404, "not_found")
    await error_of(
        await cluster.edge_a.put("/api/users/abc/locations", json=body, headers=auth), 404, "not_found"
    )
    await error_of(
        await cluster.edge_a.put(f"/api/users/{uid}/locations", json=body), 401, "authentication_error"
    )
    # The other account was not touched; this one kept its last good set.
    again = await cluster.edge_b.put(
        f"/api/users/{other['user']['id']}/locations", json=body, headers=bearer(other["access_token"])
    )
    assert (await json_of(again, 200))["locations"] == ["Астана"]


async def test_profile_update_sets_only_the_profile(cluster: Cluster) -> None:
    mine, _ = await register(cluster.edge_a, "profiled", full_name="Old Name", city="Алматы")
    forget_cookies(cluster)
    uid, auth = mine["user"]["id"], bearer(mine["access_token"])
    resp = await cluster.edge_b.put(
        "/user/profile",
        json={
            "full_name": "Updated Name", "bio": "New interesting bio", "city": "Астана", "telegram_contact": "@updated_tg",
            "role": "admin", "is_verified": True, "email_verified": True, "trust_score": 99.0, "id": 999999,
            "username": "hijacked", "email": "hijack@example.com", "is_active": False,
        },
        headers=auth,
    )  # fmt: skip
    assert await json_of(resp, 200) == {
        "message": "Profile updated successfully",
        "user": {"id": uid, "username": "profiled", "full_name": "Updated Name", "city": "Астана"},
    }
    public = await json_of(await cluster.edge_a.get(f"/api/users/{uid}"), 200)
    assert public["bio"] == "New interesting bio" and public["telegram_contact"] == "@updated_tg"
    assert public["email"] != "hijack@example.com" and public["is_active"] is True
    assert (
        public["is_verified"] is False and public["email_verified"] is False and public["trust_score"] == 0.0
    )
    relogin, _ = await login(cluster.edge_a, "profiled")
    assert claims_of(relogin["access_token"])["role"] == "user"
    assert (await cluster.edge_a.get("/api/users/username/hijacked")).status == 404

    too_long = await cluster.edge_a.put("/user/profile", json={"full_name": "x" * 200}, headers=auth)
    await error_of(too_long, 400, "validation_error")
    await error_of(await cluster.edge_b.put("/user/profile", json={"bio": "x"}), 401, "authentication_error")


async def test_profile_update_leaves_what_it_was_not_given(cluster: Cluster) -> None:
    mine, _ = await register(
        cluster.edge_a, "keeper", full_name="Kept Name", city="Алматы", telegram_contact="@kept"
    )
    forget_cookies(cluster)
    resp = await cluster.edge_b.put(
        "/user/profile", json={"bio": "Only bio"}, headers=bearer(mine["access_token"])
    )
    assert (await json_of(resp, 200))["user"] == {
        "id": mine["user"]["id"], "username": "keeper", "full_name": "Kept Name", "city": "Алматы",
    }  # fmt: skip
    public = await json_of(await cluster.edge_a.get(f"/api/users/{mine['user']['id']}"), 200)
    assert public["bio"] == "Only bio" and public["telegram_contact"] == "@kept"
    assert public["email"] == "keeper@example.com"
    await login(cluster.edge_a, "keeper@example.com")  # the email still signs in


async def test_delete_account(cluster: Cluster) -> None:
    mine, token = await register(cluster.edge_a, "goner")
    uid = mine["user"]["id"]
    await error_of(await cluster.edge_b.delete("/user/account"), 401, "authentication_error")
    resp = await cluster.edge_a.delete("/user/account", headers=bearer(mine["access_token"]))
    assert await json_of(resp, 200) == {"message": "Account deleted successfully"}
    assert resp.cookies["refresh_token"].value == ""
    await error_of(await cluster.edge_b.get(f"/api/users/{uid}"), 404, "not_found")
    await error_of(await refresh_with(cluster.edge_b, token), 401, "authentication_error")
    gone = await cluster.edge_a.post("/auth/login", json={"username": "goner", "password": PASSWORD})
    await error_of(gone, 401, "authentication_error")
    await signed_out_soon(cluster.edge_b, mine["access_token"])
    await register(cluster.edge_b, "goner")  # the name and email are free again
    # A new account (which SQLite may give the same id) is not reached with the old token.
    assert await me(cluster.edge_a, mine["access_token"]) == SIGNED_OUT
