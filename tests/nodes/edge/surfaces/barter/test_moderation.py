"""FreeMarket (001) moderation through HTTP, on the one moderation model: a user reports a listing (a
MillionAvto ad: the same listing core) and a user; an admin lists the reports, resolves them (the
listing leaves every public read and its owner is told, a warned user is told, a dismissed report
does nothing), bans users (their tokens are refused at once, refresh and sign-in on every contract
refused until the ban ends, which the scheduler's command then clears) and reads the dashboard;
non-admins are 403, bad bodies 400 in the contract's error format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from protocols.envelope import Actor, Command, DomainError, ErrorCode, Role
from protocols.identity import BanAccount, CountActiveBans, CreateAdmin, LiftEndedBans
from protocols.moderation import BanUser, CountReportsReceived
from scheduler.app import SchedulerApp
from storage.engine import create_engine, session_factory
from storage.models.identity import User as Account
from tests.conftest import Cluster
from tests.support.ads import active_ad
from tests.support.http import User, bearer, json_of
from tests.support.polling import status_becomes

pytestmark = pytest.mark.domains("identity", "catalog", "market", "moderation", "notify")

Edge = TestClient[web.Request, web.Application]
PASSWORD = "StrongPassword123!"
ADMIN = "/api/admin"


async def register(edge: Edge, username: str, full_name: str | None = None) -> User:
    body = {"email": f"{username}@example.com", "password": PASSWORD, "username": username}
    out = await json_of(await edge.post("/auth/register", json={**body, "full_name": full_name}), 200)
    edge.session.cookie_jar.clear()
    return User(id=out["user"]["id"], headers=bearer(out["access_token"]))


async def admin(cluster: Cluster) -> User:
    account = await cluster.worker_bus.request(
        CreateAdmin(email="admin@example.com", password=PASSWORD), actor=Actor.system()
    )
    return User(id=account.id, headers=bearer(cluster.signer.token(account.id, "admin")))


async def error_of(resp: ClientResponse, status: int, error_type: str) -> str:
    body = await json_of(resp, status)
    assert set(body) == {"detail", "status_code", "error_type"}, body
    assert body["status_code"] == status and body["error_type"] == error_type, body
    return str(body["detail"])


async def notice_types(edge: Edge, user: User) -> list[str]:
    page = await json_of(await edge.get("/api/notifications/", headers=user.headers), 200)
    return [n["type"] for n in page["notifications"]]


async def login(edge: Edge, username: str) -> ClientResponse:
    edge.session.cookie_jar.clear()
    return await edge.post("/auth/login", json={"username": username, "password": PASSWORD})


async def ban_over(database_url: str, user_id: int) -> None:
    """The ban's end moved into the past, as the clock would move it."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as db:
            past = datetime.now(UTC) - timedelta(seconds=1)
            await db.execute(update(Account).where(Account.id == user_id).values(banned_until=past))
            await db.commit()
    finally:
        await engine.dispose()


async def test_reports_are_filed_listed_resolved_and_counted(cluster: Cluster) -> None:
    a, b = cluster.edges
    owner = await register(a, "seller", "Seller Person")
    reporter = await register(b, "reporter", "John Doe")
    staff = await admin(cluster)
    ad = await active_ad(a.post, cluster.worker_bus, owner.headers, title="iPhone for exchange")

    body = {"target_listing_id": ad, "reason": "PRICE_MISMATCH", "description": "Too cheap",
            "evidence_urls": ["https://example.com/photo.jpg"]}  # fmt: skip
    filed = await json_of(await a.post("/api/reports", json=body, headers=reporter.headers), 201)
    assert filed["reporter_id"] == reporter.id and filed["target_listing_id"] == ad
    assert filed["reason"] == "PRICE_MISMATCH" and filed["status"] == "PENDING"
    created = datetime.fromisoformat(filed["created_at"])
    assert datetime.fromisoformat(filed["estimated_resolution"]) - created == timedelta(hours=72)
    await error_of(await b.post("/api/reports", json=body, headers=reporter.headers), 409, "conflict")
    about_user = {"target_user_id": owner.id, "reason": "SPAM"}
    user_report = await json_of(await b.post("/api/reports", json=about_user, headers=reporter.headers), 201)
    third = await json_of(
        await b.post("/api/reports", json={**about_user, "reason": "FRAUD"}, headers=staff.headers), 201
    )

    refusals = [
        ({**body}, owner, 400, "validation_error"),  # his own listing
        ({"target_user_id": reporter.id, "reason": "SPAM"}, reporter, 400, "validation_error"),  # himself
        ({"target_listing_id": 999_999, "reason": "SPAM"}, reporter, 404, "not_found"),
        ({"target_user_id": 999_999, "reason": "SPAM"}, reporter, 404, "not_found"),
        (
            {"target_listing_id": ad, "target_user_id": owner.id, "reason": "SPAM"},
            reporter,
            400,
            "validation_error",
        ),
        ({"reason": "SPAM"}, reporter, 400, "validation_error"),
        ({"target_user_id": owner.id, "reason": "BORING"}, reporter, 400, "validation_error"),
        ({**about_user, "evidence_urls": ["javascript:alert(1)"]}, reporter, 400, "validation_error"),
        ({**about_user, "evidence_urls": ["https://e.com/x"] * 11}, reporter, 400, "validation_error"),
    ]
    for refused, who, status, error_type in refusals:
        await error_of(await a.post("/api/reports", json=refused, headers=who.headers), status, error_type)
    await error_of(await b.post("/api/reports", json=about_user), 401, "authentication_error")

    pending = await json_of(
        await b.get(f"{ADMIN}/reports?status=PENDING&limit=2", headers=staff.headers), 200
    )
    assert pending["total"] == 3 and [r["id"] for r in pending["reports"]] == [third["id"], user_report["id"]]
    rest = await json_of(await b.get(f"{ADMIN}/reports?skip=2", headers=staff.headers), 200)
    [listed] = rest["reports"]
    assert listed["id"] == filed["id"] and listed["reporter_name"] == "John Doe"
    assert listed["target_listing_title"] == "iPhone for exchange" and listed["target_type"] == "listing"
    assert listed["priority"] == "MEDIUM" and listed["reason"] == "PRICE_MISMATCH"
    assert listed["evidence_urls"] == body["evidence_urls"] and listed["resolution"] is None
    assert pending["reports"][0]["priority"] == "HIGH" and pending["reports"][1]["target_user_id"] == owner.id
    await error_of(
        await b.get(f"{ADMIN}/reports?status=CLOSED", headers=staff.headers), 400, "validation_error"
    )
    await error_of(await b.get(f"{ADMIN}/reports?limit=101", headers=staff.headers), 400, "validation_error")

    resolve = f"{ADMIN}/reports/{filed['id']}/resolve"
    removal = {"resolution": "LISTING_REMOVED", "admin_notes": "Price mismatch",
               "actions_taken": ["hide_listing", "notify_user"]}  # fmt: skip
    resolved = await json_of(await a.post(resolve, json=removal, headers=staff.headers), 200)
    assert resolved["report_id"] == filed["id"] and resolved["status"] == "RESOLVED"
    assert resolved["resolution"] == "LISTING_REMOVED" and resolved["resolved_at"]
    await error_of(await b.post(resolve, json=removal, headers=staff.headers), 409, "conflict")
    assert (await a.get(f"/api/v1/ads/{ad}")).status == 404  # out of every public read
    assert ad not in [item["id"] for item in (await json_of(await a.get("/api/v1/ads/"), 200))["items"]]
    warn = f"{ADMIN}/reports/{user_report['id']}/resolve"
    await error_of(await a.post(warn, json={"resolution": "USER_BANISHED"}, headers=staff.headers), 400,
                   "validation_error")  # fmt: skip
    await json_of(await a.post(warn, json={"resolution": "USER_WARNED"}, headers=staff.headers), 200)
    assert sorted(await notice_types(b, owner)) == ["listing_removed", "user_warned"]
    third_resolve = f"{ADMIN}/reports/{third['id']}/resolve"
    mismatch = await a.post(third_resolve, json={"resolution": "LISTING_REMOVED"}, headers=staff.headers)
    await error_of(mismatch, 400, "validation_error")  # a report about a user removes no listing
    await json_of(await a.post(third_resolve, json={"resolution": "DISMISSED"}, headers=staff.headers), 200)
    missing = await a.post(f"{ADMIN}/reports/999999/resolve", json=removal, headers=staff.headers)
    await error_of(missing, 404, "not_found")

    closed = await json_of(await b.get(f"{ADMIN}/reports?status=RESOLVED", headers=staff.headers), 200)
    assert closed["total"] == 3 and [r["resolution"] for r in closed["reports"]] == [
        "DISMISSED", "USER_WARNED", "LISTING_REMOVED"
    ]  # fmt: skip
    assert all(r["status"] == "RESOLVED" and r["resolved_at"] for r in closed["reports"])
    seen = await json_of(await a.get(f"{ADMIN}/dashboard", headers=staff.headers), 200)
    assert seen["stats"] == {
        "pending_reports": 0, "resolved_today": 3, "active_bans": 0, "hidden_listings": 1,
        "reports_by_reason": {"PRICE_MISMATCH": 1, "SPAM": 1, "FRAUD": 1},
    }  # fmt: skip
    activity = seen["recent_activity"]
    assert [e["type"] for e in activity] == ["report_resolved", "report_resolved", "user_warned",
                                             "report_resolved", "listing_hidden"]  # fmt: skip
    assert activity[0]["report_id"] == third["id"] and activity[-1]["listing_id"] == ad
    assert activity[2]["user_id"] == owner.id and activity[0]["admin_id"] == staff.id
    assert activity[-1]["report_id"] == filed["id"]

    # Trust scores count what a user received: his listing and himself, dismissed reports left out.
    received = await cluster.worker_bus.request(CountReportsReceived(user_ids=[owner.id, reporter.id]))
    assert received.counts == {owner.id: 2, reporter.id: 0}

    for method, path, json in (
        ("GET", f"{ADMIN}/reports", None), ("GET", f"{ADMIN}/dashboard", None),
        ("POST", resolve, removal), ("POST", f"{ADMIN}/users/{owner.id}/ban", {"reason": "SPAM"}),
    ):  # fmt: skip
        await error_of(
            await a.request(method, path, json=json, headers=reporter.headers), 403, "permission_denied"
        )
        await error_of(await b.request(method, path, json=json), 401, "authentication_error")


async def test_a_ban_ends_sessions_at_once_refuses_sign_in_until_it_ends_and_is_lifted(
    cluster: Cluster,
) -> None:
    a, b = cluster.edges
    staff = await admin(cluster)
    cheat = await register(a, "cheat")
    signed_in = await login(a, "cheat")
    await json_of(signed_in, 200)
    refresh_token = signed_in.cookies["refresh_token"].value
    spammer = await register(b, "spammer")
    reported = await json_of(
        await b.post(
            "/api/reports", json={"target_user_id": cheat.id, "reason": "FRAUD"}, headers=spammer.headers
        ),
        201,
    )

    resolve = f"{ADMIN}/reports/{reported['id']}/resolve"
    await json_of(await a.post(resolve, json={"resolution": "USER_BANNED"}, headers=staff.headers), 200)
    assert await status_becomes(401, lambda: b.get("/api/notifications/", headers=cheat.headers)) == 401
    b.session.cookie_jar.clear()
    refused = await b.post("/auth/refresh", cookies={"refresh_token": refresh_token})
    await error_of(refused, 401, "authentication_error")
    detail = await error_of(await login(a, "cheat"), 403, "permission_denied")
    assert "banned until" in detail
    elsewhere = await a.post("/api/v1/auth/login", json={"email": "cheat@example.com", "password": PASSWORD})
    assert elsewhere.status == 403  # MillionAvto's sign-in: the same account, the same ban

    ban = f"{ADMIN}/users/{spammer.id}/ban"
    body = {"reason": "MULTIPLE_REPORTS", "duration_days": 30, "admin_notes": "Many reports"}
    banned = await json_of(await b.post(ban, json=body, headers=staff.headers), 200)
    assert banned["user_id"] == spammer.id and banned["status"] == "BANNED"
    assert banned["reason"] == "MULTIPLE_REPORTS"
    until = datetime.fromisoformat(banned["ban_until"])
    assert timedelta(days=29) < until - datetime.now(UTC) <= timedelta(days=30)
    shorter = await json_of(await b.post(ban, json={**body, "duration_days": 1}, headers=staff.headers), 200)
    assert datetime.fromisoformat(shorter["ban_until"]) < until  # banning again replaces the ban
    assert await status_becomes(401, lambda: a.get("/api/notifications/", headers=spammer.headers)) == 401
    for refused_body in ({**body, "duration_days": 0}, {**body, "duration_days": 3651}, {"duration_days": 3}):
        await error_of(await b.post(ban, json=refused_body, headers=staff.headers), 400, "validation_error")
    await error_of(await b.post(f"{ADMIN}/users/{staff.id}/ban", json=body, headers=staff.headers), 403,
                   "permission_denied")  # fmt: skip
    await error_of(
        await b.post(f"{ADMIN}/users/999999/ban", json=body, headers=staff.headers), 404, "not_found"
    )
    seen = await json_of(await a.get(f"{ADMIN}/dashboard", headers=staff.headers), 200)
    assert seen["stats"]["active_bans"] == 2
    activity = [(e["type"], e["user_id"] or e["report_id"]) for e in seen["recent_activity"]]
    assert activity == [("user_banned", spammer.id), ("user_banned", spammer.id),
                        ("report_resolved", reported["id"]), ("user_banned", cheat.id)]  # fmt: skip

    await ban_over(cluster.settings.database.url, cheat.id)
    lifted = await cluster.worker_bus.request(LiftEndedBans(), actor=Actor.system())
    assert lifted.lifted == 1 and not lifted.more
    assert await SchedulerApp(cluster.worker_bus, cluster.settings).run_job_now("lift_ended_bans") == "ok"
    back = await json_of(await login(a, "cheat"), 200)
    assert (await b.get("/api/notifications/", headers=bearer(back["access_token"]))).status == 200
    await error_of(await login(b, "spammer"), 403, "permission_denied")  # his ban has not ended
    stats = (await json_of(await a.get(f"{ADMIN}/dashboard", headers=staff.headers), 200))["stats"]
    assert stats["active_bans"] == 1

    # Over NATS too: bans are given by admins, counted by staff, lifted by the scheduler only.
    someone, moderator = Actor(user_id=cheat.id, role=Role.USER), Actor(user_id=cheat.id, role=Role.MODERATOR)
    forever = BanAccount(user_id=spammer.id, until=datetime.now(UTC) + timedelta(days=1), reason="x")
    staff_only: list[tuple[Command[Any], Actor]] = [
        (forever, moderator), (LiftEndedBans(), moderator), (CountActiveBans(), someone),
        (BanUser(user_id=spammer.id, reason="x"), moderator),
    ]  # fmt: skip
    for command, actor in staff_only:
        with pytest.raises(DomainError) as caught:
            await cluster.worker_bus.request(command, actor=actor)
        assert caught.value.code is ErrorCode.FORBIDDEN, command
