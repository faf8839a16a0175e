"""The operators' console over HTTP: staff sign in through identity's login (any other account is
answered as a wrong password, repeated failures are locked out), in HttpOnly SameSite=Strict cookies on
`/admin` (Secure when configured); every POST needs the session's CSRF token; each role reaches its
pages only; approving and rejecting from the queue reach the market; sign-ins, sign-outs and decisions
are in the audit log, read-only; a signed-out session's cookies no longer open anything."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import replace
from http.cookies import SimpleCookie

import pytest
from aiohttp import ClientResponse

from nodes.runtime.embedded_nats import EmbeddedNats
from nodes.runtime.settings import Settings
from tests.conftest import Cluster
from tests.support.ads import ADS, CAR
from tests.support.console import PASSWORD, Console, account, console_at, csrf_in, given_role
from tests.support.edge_server import edge_settings, lone_edge
from tests.support.http import json_of

# The console's one test on both databases is the first (the queue's and the audit's queries); the
# rest is no database's business.
pytestmark = pytest.mark.domains("identity", "catalog", "market", "moderation")

LOCKED_AFTER = 3  # sign-ins an account is allowed in the window
PAGE = 2  # rows in a page of the console's tables
SESSION_COOKIES = ("souk_console", "souk_console_refresh", "souk_console_csrf")


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    return lambda s: replace(
        s,
        limits=replace(s.limits, login_per_account=LOCKED_AFTER),
        console=replace(s.console, page_size=PAGE),
    )


def cookies_set(resp: ClientResponse) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for header in resp.headers.getall("Set-Cookie", []):
        jar.load(header)
    return jar


def alert(page: str) -> str:
    found = re.search(r'role="alert">([^<]*)<', page)
    assert found, page
    return found.group(1)


def nav(page: str) -> list[str]:
    found = re.search(r"<nav>(.*?)</nav>", page, re.DOTALL)
    return re.findall(r'href="([^"]+)"', found.group(1)) if found else []


def ad_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr id="ad-(\d+)">', page)]


async def queue_row(console: Console, ad_id: int, status: str = "pending") -> bool:
    code, page = await console.page(f"/admin/ads?status={status}")
    assert code == 200, page
    return f'id="ad-{ad_id}"' in page


async def test_staff_sign_in_roles_csrf_moderation_and_audit(cluster: Cluster) -> None:
    edge, url = cluster.edge_a, cluster.settings.database.url
    ids = {}
    for role in ("admin", "moderator", "manager", "user", "locked"):
        ids[role], _ = await account(edge.post, f"{role}@example.com")
        if role in ("admin", "moderator", "manager"):
            await given_role(url, ids[role], role)
    await given_role(url, ids["locked"], "moderator")
    _owner, owner_headers = await account(edge.post, "owner@example.com")
    first = await json_of(await edge.post(ADS, json=CAR, headers=owner_headers), 201)
    second, third = [
        await json_of(await edge.post(ADS, json={**CAR, **fields}, headers=owner_headers), 201)
        for fields in ({"title": "Lada Vesta", "price": 900_000}, {"title": "BMW X5", "price": 5_000_000})
    ]
    base = str(edge.make_url("/"))

    async with console_at(base) as anonymous:
        status, _ = await anonymous.page("/admin/")
        assert status == 303  # to the sign-in page
        async with anonymous.http.get("/admin/", allow_redirects=False) as resp:
            assert resp.headers["Location"] == "/admin/login?next=/admin/"
        async with anonymous.http.get("/admin/login") as resp:
            form = await resp.text()
            assert resp.status == 200 and "no-store" in resp.headers["Cache-Control"]
            assert "form-action 'self'" in resp.headers["Content-Security-Policy"]
            csrf = cookies_set(resp)["souk_console_csrf"]
            assert csrf["httponly"] and csrf["samesite"] == "Strict" and csrf["path"] == "/admin"
            assert not csrf["secure"]
        # A sign-in form without its token, or with another's, changes nothing.
        for offered in ({}, {"csrf": "0" * 64}):
            refused = await anonymous.post(
                "/admin/login", {**offered, "email": "admin@example.com", "password": PASSWORD}
            )
            assert refused.status == 403 and "souk_console" not in cookies_set(refused)
        # A regular user with his right password is answered as a wrong password is.
        user = await anonymous.sign_in("user@example.com")
        wrong = await anonymous.sign_in("admin@example.com", "not the password")
        assert user.status == wrong.status == 401
        assert "souk_console" not in cookies_set(user) and anonymous.cookie("souk_console") is None
        _, user_page = await anonymous.page("/admin/login")
        assert csrf_in(form) == csrf_in(user_page)  # the same browser keeps its sign-in token
        # Locked out after repeated failures, the right password included, as the API logins are.
        answers = [
            (await anonymous.sign_in("locked@example.com", "guess")).status for _ in range(LOCKED_AFTER)
        ]
        locked = await anonymous.sign_in("locked@example.com")
        assert (
            answers == [401] * LOCKED_AFTER
            and locked.status == 429
            and int(locked.headers["Retry-After"]) > 0
        )

    async with console_at(base) as admin, console_at(base) as moderator, console_at(base) as manager:
        for console, role in ((admin, "admin"), (moderator, "moderator"), (manager, "manager")):
            signed = await console.sign_in(f"{role}@example.com")
            assert signed.status == 303 and signed.headers["Location"] == "/admin/"
            jar = cookies_set(signed)
            for name in SESSION_COOKIES:
                assert (
                    jar[name]["httponly"]
                    and jar[name]["samesite"] == "Strict"
                    and jar[name]["path"] == "/admin"
                )
        # Each role sees its pages in the navigation, and no other page opens.
        pages = {console: nav((await console.page("/admin/"))[1]) for console in (admin, moderator, manager)}
        assert pages[admin] == [
            "/admin/", "/admin/users", "/admin/chats", "/admin/ads?status=pending", "/admin/reports",
            "/admin/bans", "/admin/categories", "/admin/vehicles", "/admin/locations", "/admin/banners",
            "/admin/realty", "/admin/garage", "/admin/audit",
        ]  # fmt: skip
        assert pages[moderator] == ["/admin/", "/admin/ads?status=pending", "/admin/reports"]
        assert pages[manager] == ["/admin/", "/admin/users", "/admin/chats"]
        assert (await moderator.page("/admin/audit"))[0] == 403
        assert (await manager.page("/admin/ads?status=pending"))[0] == 403
        assert (await manager.page("/admin/audit"))[0] == 403
        manager_token = await manager.csrf()
        assert (
            await manager.post(f"/admin/ads/{first['id']}/approve", {"csrf": manager_token})
        ).status == 403

        # The queue: sorted, filtered and paged on the server.
        _, cheapest = await moderator.page("/admin/ads?status=pending&sort=price_asc")
        assert ad_ids(cheapest) == [second["id"], first["id"]] and "Page 1 of 2" in cheapest
        by_price = await moderator.rows("/admin/ads?status=pending&sort=price_desc", r'<tr id="ad-(\d+)">')
        assert by_price == [str(ad["id"]) for ad in (third, first, second)]
        _, filtered = await moderator.page("/admin/ads?status=pending&q=vesta")
        assert f'id="ad-{second["id"]}"' in filtered and f'id="ad-{first["id"]}"' not in filtered
        _, by_owner = await moderator.page(f"/admin/ads?status=pending&owner={ids['user']}")
        assert 'id="ad-' not in by_owner and "No pending ads" in by_owner
        assert (await moderator.page("/admin/ads?status=sold"))[0] == 400

        # A POST without the session's token, or with another session's, is 403 and changes nothing.
        approve = f"/admin/ads/{first['id']}/approve"
        for data in ({}, {"csrf": manager_token}, {"csrf": await admin.csrf()}):
            assert (await moderator.post(approve, data)).status == 403
        assert await queue_row(moderator, first["id"])
        token = await moderator.csrf()
        back = "/admin/ads?status=pending&sort=price_asc"
        done = await moderator.post(approve, {"csrf": token, "back": back})
        assert done.status == 303 and done.headers["Location"].startswith(back + "&notice=approved")
        public = await json_of(await edge.get(f"{ADS}{first['id']}"), 200)
        assert public["id"] == first["id"] and await queue_row(moderator, first["id"], "active")
        again = await moderator.post(approve, {"csrf": token})
        assert "notice=not_pending" in again.headers["Location"]
        reject = f"/admin/ads/{second['id']}/reject"
        assert "notice=no_reason" in (await moderator.post(reject, {"csrf": token})).headers["Location"]
        rejected = await moderator.post(
            reject, {"csrf": token, "reason": "Blurry photos", "back": "https://evil.example/"}
        )
        assert rejected.headers["Location"].startswith("/admin/ads?status=pending&notice=rejected")
        assert await queue_row(moderator, second["id"], "rejected")

        # An access token that no longer verifies is renewed with the refresh token, in new cookies.
        moderator.set_cookie("souk_console", "expired")
        async with moderator.http.get("/admin/", allow_redirects=False) as resp:
            assert resp.status == 200 and cookies_set(resp)["souk_console"].value not in ("", "expired")
        # Requests that come together with one expired token (a page and its live stream, two tabs)
        # renew it once: identity sees no rotated refresh token presented again, the session lives on.
        moderator.set_cookie("souk_console", "expired")
        together = await asyncio.gather(*(moderator.page("/admin/") for _ in range(3)))
        assert [status for status, _ in together] == [200] * 3
        assert (await moderator.page("/admin/"))[0] == 200
        assert (await moderator.page("/admin"))[0] == 303  # to /admin/
        missing_status, missing = await moderator.page("/admin/nowhere")
        assert missing_status == 404 and "no such page" in alert(missing)

        # Signing out ends the session: its cookies, replayed, open nothing.
        kept = {name: moderator.cookie(name) for name in SESSION_COOKIES}
        out = await moderator.post("/admin/logout", {"csrf": token})
        assert out.status == 303 and out.headers["Location"] == "/admin/login"
        for name, value in kept.items():
            assert value is not None
            moderator.set_cookie(name, value)
        assert (await moderator.page("/admin/"))[0] == 303

        # Every staff action is in the audit log, newest first; the log is read-only.
        action = r'<td class="action">([a-z_]+)</td>'
        actions = await admin.rows("/admin/audit", action)
        assert actions == ["sign_out", "reject_ad", "approve_ad", "sign_in", "sign_in", "sign_in"]
        assert await admin.rows("/admin/audit?action=sign_in", action) == ["sign_in"] * 3
        _, newest = await admin.page("/admin/audit")
        assert f"#{ids['moderator']}" in newest and "127.0.0.1" in newest
        assert (await admin.post("/admin/audit", {"csrf": await admin.csrf()})).status == 405


@pytest.mark.database_agnostic
async def test_cookies_are_secure_when_configured(nats_server: EmbeddedNats) -> None:
    settings = edge_settings(nats_server.url)
    settings = replace(settings, console=replace(settings.console, secure_cookies=True))
    async with lone_edge(settings) as edge:
        resp = await edge.get("/admin/login")
        assert resp.status == 200 and cookies_set(resp)["souk_console_csrf"]["secure"]
        assert (await edge.get("/admin/", allow_redirects=False)).status == 303
        assert (await edge.get("/admin/static/console.css")).status == 200


@pytest.mark.domains("identity")  # no moderation worker: no log to record a sign-in in
@pytest.mark.database_agnostic
async def test_no_sign_in_goes_unrecorded(cluster: Cluster) -> None:
    admin_id, _ = await account(cluster.edge_a.post, "admin@example.com")
    await given_role(cluster.settings.database.url, admin_id, "admin")
    async with console_at(str(cluster.edge_a.make_url("/"))) as console:
        refused = await console.sign_in("admin@example.com")
        assert refused.status == 503 and "souk_console" not in cookies_set(refused)
        assert (await console.page("/admin/"))[0] == 303
