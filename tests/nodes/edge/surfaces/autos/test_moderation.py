"""MillionAvto (000) moderation through HTTP: any user reports (an ad only if he can see it; unknown
types and reasons are 422), moderators list reports by status, set their status, approve or reject
pending ads through the market, read the log (every action, newest first) and the counts; a user is
403, no token 401."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import Cluster
from tests.support.http import User, bearer, json_of

pytestmark = pytest.mark.domains("identity", "catalog", "market", "moderation")

Edge = TestClient[web.Request, web.Application]
MODERATION = "/api/v1/moderation"
CAR = {"category_id": 1, "title": "Toyota Camry 2019", "price": 2_100_000}


async def register(edge: Edge, email: str) -> User:
    resp = await edge.post("/api/v1/auth/register", json={"email": email, "password": "SecurePass123!"})
    out = await json_of(resp, 201)
    return User(id=out["user"]["id"], headers=bearer(out["access_token"]))


async def moderator(cluster: Cluster, role: str = "moderator") -> User:
    account = await register(cluster.edge_a, f"{role}@example.com")
    return User(id=account.id, headers=bearer(cluster.signer.token(account.id, role)))


async def pending_ad(cluster: Cluster, owner: User) -> dict[str, Any]:
    return await json_of(await cluster.edge_a.post("/api/v1/ads/", json=CAR, headers=owner.headers), 201)  # type: ignore[no-any-return]


async def test_a_user_reports_and_a_moderator_handles_the_report_which_is_logged(cluster: Cluster) -> None:
    reporter = await register(cluster.edge_a, "reporter@example.com")
    staff = await moderator(cluster)
    body = {"report_type": "user", "target_id": 99, "reason": "spam", "comment": "Sends links"}
    filed = await json_of(
        await cluster.edge_a.post(f"{MODERATION}/reports", json=body, headers=reporter.headers), 201
    )
    assert filed["status"] == "pending" and filed["reporter_id"] == reporter.id
    assert filed["report_type"] == "user" and filed["reason"] == "spam" and filed["handled_by"] is None

    listed = await json_of(
        await cluster.edge_b.get(f"{MODERATION}/reports?status=pending", headers=staff.headers), 200
    )
    assert [r["id"] for r in listed["items"]] == [filed["id"]] and listed["total"] == 1
    path = f"{MODERATION}/reports/{filed['id']}"
    handled = await json_of(
        await cluster.edge_b.put(path, json={"status": "resolved"}, headers=staff.headers), 200
    )
    assert handled["status"] == "resolved" and handled["handled_by"] == staff.id
    pending = await json_of(
        await cluster.edge_a.get(f"{MODERATION}/reports?status=pending", headers=staff.headers), 200
    )
    assert pending["total"] == 0 and pending["items"] == []

    logs = await json_of(await cluster.edge_a.get(f"{MODERATION}/logs", headers=staff.headers), 200)
    [entry] = logs["items"]
    assert entry["moderator_id"] == staff.id and entry["action"] == "update_report"
    assert entry["target_type"] == "report" and entry["target_id"] == filed["id"]
    assert entry["details"] == {"from": "pending", "to": "resolved"} and entry["created_at"]
    missing = await cluster.edge_a.put(
        f"{MODERATION}/reports/999", json={"status": "dismissed"}, headers=staff.headers
    )
    assert missing.status == 404 and "detail" in await missing.json()


async def test_an_ad_is_reported_only_if_the_reporter_can_see_it(cluster: Cluster) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    reporter = await register(cluster.edge_a, "reporter@example.com")
    ad = await pending_ad(cluster, owner)
    body = {"report_type": "ad", "target_id": ad["id"], "reason": "fraud"}
    hidden = await cluster.edge_a.post(f"{MODERATION}/reports", json=body, headers=reporter.headers)
    assert hidden.status == 404 and "detail" in await hidden.json()
    gone = await cluster.edge_a.post(
        f"{MODERATION}/reports", json={**body, "target_id": 9999}, headers=reporter.headers
    )
    assert gone.status == 404
    # Its owner sees his pending ad, so he may report it (a duplicate of another, say).
    mine = await cluster.edge_b.post(
        f"{MODERATION}/reports", json={**body, "reason": "duplicate"}, headers=owner.headers
    )
    assert (await json_of(mine, 201))["target_id"] == ad["id"]


async def test_a_moderator_approves_and_rejects_ads_and_each_decision_is_logged_and_counted(
    cluster: Cluster,
) -> None:
    owner = await register(cluster.edge_a, "owner@example.com")
    staff = await moderator(cluster, "admin")
    first, second = await pending_ad(cluster, owner), await pending_ad(cluster, owner)
    approve = f"{MODERATION}/ads/{first['id']}/moderate"
    approved = await json_of(
        await cluster.edge_a.post(approve, json={"action": "approve"}, headers=staff.headers), 200
    )
    assert approved["status"] == "active" and approved["published_at"]
    again = await cluster.edge_b.post(approve, json={"action": "approve"}, headers=staff.headers)
    assert again.status == 409
    reject = f"{MODERATION}/ads/{second['id']}/moderate"
    unexplained = await cluster.edge_a.post(reject, json={"action": "reject"}, headers=staff.headers)
    assert unexplained.status == 422 and "reason" in str((await unexplained.json())["detail"])
    rejected = await json_of(
        await cluster.edge_a.post(
            reject, json={"action": "reject", "reason": "Blurry photos"}, headers=staff.headers
        ),
        200,
    )
    assert rejected["status"] == "rejected" and rejected["rejection_reason"] == "Blurry photos"
    assert (await cluster.edge_a.post(f"{MODERATION}/ads/9999/moderate", json={"action": "approve"},
                                      headers=staff.headers)).status == 404  # fmt: skip

    logs = await json_of(await cluster.edge_b.get(f"{MODERATION}/logs?size=1", headers=staff.headers), 200)
    assert logs["total"] == 2 and logs["page"] == 1 and logs["size"] == 1
    [newest] = logs["items"]
    assert (
        newest["action"] == "reject_ad"
        and newest["target_type"] == "ad"
        and newest["target_id"] == second["id"]
    )
    assert newest["details"]["reason"] == "Blurry photos" and newest["moderator_id"] == staff.id
    older = await json_of(
        await cluster.edge_b.get(f"{MODERATION}/logs?page=2&size=1", headers=staff.headers), 200
    )
    assert [e["action"] for e in older["items"]] == ["approve_ad"]

    reporter = await register(cluster.edge_b, "reporter@example.com")
    for reason in ("spam", "spam", "other"):
        body = {"report_type": "message", "target_id": 1, "reason": reason}
        await json_of(
            await cluster.edge_b.post(f"{MODERATION}/reports", json=body, headers=reporter.headers), 201
        )
    stats = await json_of(await cluster.edge_a.get(f"{MODERATION}/stats", headers=staff.headers), 200)
    assert stats["reports"]["total"] == 3 and stats["reports"]["by_status"]["pending"] == 3
    assert stats["reports"]["by_status"]["resolved"] == 0
    assert stats["reports"]["by_reason"]["spam"] == 2 and stats["reports"]["by_reason"]["fraud"] == 0
    assert stats["ads"] == {"approved": 1, "rejected": 1}


async def test_moderation_is_for_moderators_and_admins_only(cluster: Cluster) -> None:
    user = await register(cluster.edge_a, "user@example.com")
    owner = await register(cluster.edge_a, "owner@example.com")
    ad = await pending_ad(cluster, owner)
    staff_only = [
        ("GET", f"{MODERATION}/reports", None),
        ("PUT", f"{MODERATION}/reports/1", {"status": "reviewed"}),
        ("POST", f"{MODERATION}/ads/{ad['id']}/moderate", {"action": "approve"}),
        ("GET", f"{MODERATION}/logs", None),
        ("GET", f"{MODERATION}/stats", None),
    ]
    for method, path, body in staff_only:
        # edge_b: no sign-up there, so no access cookie either.
        assert (await cluster.edge_b.request(method, path, json=body)).status == 401, path
        refused = await cluster.edge_a.request(method, path, json=body, headers=user.headers)
        assert refused.status == 403 and "detail" in await refused.json(), path
    no_token = await cluster.edge_b.post(
        f"{MODERATION}/reports", json={"report_type": "user", "target_id": 1, "reason": "spam"}
    )
    assert no_token.status == 401
    seen = await json_of(await cluster.edge_a.get(f"/api/v1/ads/{ad['id']}", headers=owner.headers), 200)
    assert seen["status"] == "pending"  # nothing was moderated


async def test_an_unknown_type_reason_or_status_is_422_naming_the_field(cluster: Cluster) -> None:
    user = await register(cluster.edge_a, "user@example.com")
    staff = await moderator(cluster)
    good = {"report_type": "user", "target_id": 1, "reason": "spam"}
    for field, value in (("report_type", "car"), ("reason", "boring"), ("target_id", 0)):
        resp = await cluster.edge_a.post(
            f"{MODERATION}/reports", json={**good, field: value}, headers=user.headers
        )
        assert resp.status == 422 and field in str((await resp.json())["detail"]), field
    filed = await json_of(
        await cluster.edge_a.post(f"{MODERATION}/reports", json=good, headers=user.headers), 201
    )
    bad_status = await cluster.edge_a.put(
        f"{MODERATION}/reports/{filed['id']}", json={"status": "closed"}, headers=staff.headers
    )
    assert bad_status.status == 422 and "status" in str((await bad_status.json())["detail"])
    bad_filter = await cluster.edge_a.get(f"{MODERATION}/reports?status=closed", headers=staff.headers)
    assert bad_filter.status == 422
    bad_action = await cluster.edge_a.post(
        f"{MODERATION}/ads/1/moderate", json={"action": "ban"}, headers=staff.headers
    )
    assert bad_action.status == 422 and "action" in str((await bad_action.json())["detail"])
