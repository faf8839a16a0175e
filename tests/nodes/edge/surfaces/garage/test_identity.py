"""Membership Auto (004) identity through HTTP on two edges: register (with a referral code), login
(with a device id), refresh; camelCase bodies and `{"error": ...}` errors with DRF's field lists."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import Cluster
from tests.support.http import json_of

# The contract's surface: accounts' and chats' storage run on both databases in tests/nodes/workers.
pytestmark = [
    pytest.mark.domains("identity", "garage", "matching", "moderation"),
    pytest.mark.database_agnostic,
]

Edge = TestClient[web.Request, web.Application]

PASSWORD = "securepassword123"
USER_FIELDS = {"id", "name", "email", "phone", "membershipId", "referralCode", "rewardsBalance", "createdAt"}


async def register(edge: Edge, email: str, **extra: Any) -> dict[str, Any]:
    resp = await edge.post("/api/auth/register/", json={"email": email, "password": PASSWORD, **extra})
    return await json_of(resp, 201)  # type: ignore[no-any-return]


async def signed_in_as(edge: Edge, access: str) -> int | None:
    """Whose access token this is, asked of another contract on the same account base."""
    found = await json_of(await edge.get("/auth/me", headers={"Authorization": f"Bearer {access}"}), 200)
    return found["user"]["id"] if found["authenticated"] else None


async def test_register_with_referral_and_login_with_device(cluster: Cluster) -> None:
    first = await register(cluster.edge_a, "john@example.com", name="John Doe", phone="+1 234 567 8901")
    assert set(first) == {"accessToken", "refreshToken", "user"}
    user = first["user"]
    assert set(user) == USER_FIELDS
    assert {k: user[k] for k in ("name", "email", "phone", "membershipId", "rewardsBalance")} == {
        "name": "John Doe", "email": "john@example.com", "phone": "+12345678901", "membershipId": None,
        "rewardsBalance": 0,
    }  # fmt: skip
    assert isinstance(user["id"], str) and len(user["id"]) >= 16 and not user["id"].isdigit()
    assert user["referralCode"].startswith("REF-") and user["createdAt"]
    assert await signed_in_as(cluster.edge_b, first["accessToken"]) is not None

    referred = await register(cluster.edge_b, "jane@example.com", referralCode=user["referralCode"].lower())
    assert referred["user"]["referralCode"] not in (None, user["referralCode"])
    assert referred["user"]["name"] is None and referred["user"]["phone"] is None

    resp = await cluster.edge_b.post(
        "/api/auth/login/",
        json={"email": "JOHN@example.com", "password": PASSWORD, "deviceId": "device-uuid-123"},
        headers={"User-Agent": "MembershipAuto/2.0"},
    )
    signed = await json_of(resp, 200)
    assert set(signed) == {"accessToken", "refreshToken", "user"} and signed["user"] == user
    assert await signed_in_as(cluster.edge_a, signed["accessToken"]) == await signed_in_as(
        cluster.edge_a, first["accessToken"]
    )
    # The device id names the session (seen through MillionAvto's session list, same account).
    sessions = await json_of(
        await cluster.edge_a.get(
            "/api/v1/users/me/sessions", headers={"Authorization": f"Bearer {signed['accessToken']}"}
        ),
        200,
    )
    current = [s for s in sessions["sessions"] if s["is_current"]]
    assert current[0]["device"] == "device-uuid-123" and current[0]["user_agent"] == "MembershipAuto/2.0"


async def test_register_errors_are_400_with_the_fields(cluster: Cluster) -> None:
    await register(cluster.edge_a, "taken@example.com", phone="+12345678901")
    url = cluster.edge_b.post

    missing = await json_of(await url("/api/auth/register/", json={"password": PASSWORD}), 400)
    assert missing["email"] == ["This field is required."] and isinstance(missing["error"], str)
    short = await json_of(
        await url("/api/auth/register/", json={"email": "a@example.com", "password": "short"}), 400
    )
    assert set(short) == {"error", "password"} and short["error"]
    bad_mail = await json_of(
        await url("/api/auth/register/", json={"email": "nope", "password": PASSWORD}), 400
    )
    assert bad_mail["email"] and bad_mail["error"]
    taken = await json_of(
        await url("/api/auth/register/", json={"email": "TAKEN@example.com", "password": PASSWORD}), 400
    )
    assert set(taken) == {"error", "email"} and "already" in taken["error"]
    phone = await json_of(
        await url(
            "/api/auth/register/",
            json={"email": "b@example.com", "password": PASSWORD, "phone": "+1 (234) 567-8901"},
        ),
        400,
    )
    assert set(phone) == {"error", "phone"}
    referral = await json_of(
        await url(
            "/api/auth/register/",
            json={"email": "c@example.com", "password": PASSWORD, "referralCode": "REF-NOPE00"},
        ),
        400,
    )
    assert set(referral) == {"error", "referralCode"}
    not_json = await url("/api/auth/register/", data=b"{", headers={"Content-Type": "application/json"})
    assert set(await json_of(not_json, 400)) == {"error"}
    # None of these made an account.
    await register(cluster.edge_a, "c@example.com")


async def test_login_errors(cluster: Cluster) -> None:
    await register(cluster.edge_a, "known@example.com")
    wrong = await cluster.edge_b.post(
        "/api/auth/login/", json={"email": "known@example.com", "password": "wrong-pass"}
    )
    unknown = await cluster.edge_a.post(
        "/api/auth/login/", json={"email": "who@example.com", "password": PASSWORD}
    )
    assert await json_of(wrong, 401) == {"error": "Invalid credentials"}
    assert await json_of(unknown, 401) == {"error": "Invalid credentials"}
    no_password = await json_of(
        await cluster.edge_a.post("/api/auth/login/", json={"email": "known@example.com"}), 400
    )
    assert no_password["password"] == ["This field is required."] and no_password["error"]
    long_device = await cluster.edge_a.post(
        "/api/auth/login/", json={"email": "known@example.com", "password": PASSWORD, "deviceId": "d" * 200}
    )
    assert set(await json_of(long_device, 400)) == {"error", "deviceId"}


async def test_refresh_gives_a_new_access_token_and_rotates(cluster: Cluster) -> None:
    first = await register(cluster.edge_a, "fresh@example.com")
    resp = await cluster.edge_b.post("/api/auth/refresh/", json={"refreshToken": first["refreshToken"]})
    fresh = await json_of(resp, 200)
    assert set(fresh) == {"accessToken", "refreshToken"} and fresh["refreshToken"] != first["refreshToken"]
    assert await signed_in_as(cluster.edge_a, fresh["accessToken"]) is not None

    again = await cluster.edge_b.post("/api/auth/refresh/", json={"refreshToken": fresh["refreshToken"]})
    assert set(await json_of(again, 200)) == {"accessToken", "refreshToken"}
    junk = await cluster.edge_a.post("/api/auth/refresh/", json={"refreshToken": "not-a-token"})
    assert set(await json_of(junk, 401)) == {"error"}
    missing = await json_of(await cluster.edge_a.post("/api/auth/refresh/", json={}), 400)
    assert missing["refreshToken"] == ["This field is required."] and missing["error"]
