"""MillionAvto (000) banners through HTTP: anyone lists those shown now (active, within their dates) by
location and reads one; admins create, change and delete them and see every one; a user is 403, no
token 401; unknown locations, bad links and dates out of order are 422."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import Cluster
from tests.support.http import User, bearer, json_of

pytestmark = pytest.mark.domains("identity", "market")

Edge = TestClient[web.Request, web.Application]
BANNERS = "/api/v1/banners/"
BANNER = {"title": "Spring sale", "image_url": "https://cdn.example.com/spring.webp", "location": "home_top"}
NOW = datetime.now(UTC)
YESTERDAY, TOMORROW = (NOW - timedelta(days=1)).isoformat(), (NOW + timedelta(days=1)).isoformat()


async def register(edge: Edge, email: str) -> User:
    resp = await edge.post("/api/v1/auth/register", json={"email": email, "password": "SecurePass123!"})
    out = await json_of(resp, 201)
    return User(id=out["user"]["id"], headers=bearer(out["access_token"]))


async def people(cluster: Cluster) -> tuple[User, User]:
    """An admin and a user; the edges' cookie jars emptied, so a request without headers has no token."""
    account = await register(cluster.edge_a, "admin@example.com")
    admin = User(id=account.id, headers=bearer(cluster.signer.token(account.id, "admin")))
    user = await register(cluster.edge_a, "user@example.com")
    for edge in cluster.edges:
        edge.session.cookie_jar.clear()
    return admin, user


async def create(cluster: Cluster, admin: User, **fields: Any) -> dict[str, Any]:
    return await json_of(  # type: ignore[no-any-return]
        await cluster.edge_a.post(BANNERS, json={**BANNER, **fields}, headers=admin.headers), 201
    )


async def listed(edge: Edge, query: str = "", headers: dict[str, str] | None = None) -> list[int]:
    page = await json_of(await edge.get(f"{BANNERS}{query}", headers=headers), 200)
    assert page["total"] == len(page["items"])  # these tests list less than a page
    return [item["id"] for item in page["items"]]


async def test_an_admin_creates_changes_and_deletes_a_banner_that_anyone_reads(cluster: Cluster) -> None:
    admin, _ = await people(cluster)
    body = {**BANNER, "link_url": "/ads/?brand_ids=5", "starts_at": YESTERDAY, "ends_at": TOMORROW,
            "position": 3}  # fmt: skip
    created = await json_of(await cluster.edge_a.post(BANNERS, json=body, headers=admin.headers), 201)
    assert {key: created[key] for key in ("title", "image_url", "link_url", "location", "position")} == {
        key: body[key] for key in ("title", "image_url", "link_url", "location", "position")
    }
    assert created["is_active"] is True and created["created_at"] and created["updated_at"]
    assert datetime.fromisoformat(created["starts_at"]) == datetime.fromisoformat(YESTERDAY)
    path = f"{BANNERS}{created['id']}"
    assert await json_of(await cluster.edge_b.get(path), 200) == created
    assert await listed(cluster.edge_b) == [created["id"]]

    changed = await json_of(
        await cluster.edge_b.put(
            path, json={"title": "Summer sale", "link_url": None}, headers=admin.headers
        ),
        200,
    )
    assert changed["title"] == "Summer sale" and changed["link_url"] is None
    assert changed["image_url"] == BANNER["image_url"] and changed["ends_at"] == created["ends_at"]
    assert await json_of(await cluster.edge_a.get(path), 200) == changed

    assert (await cluster.edge_a.delete(path, headers=admin.headers)).status == 204
    assert (await cluster.edge_a.get(path)).status == 404
    assert (await cluster.edge_a.delete(path, headers=admin.headers)).status == 404
    assert (await cluster.edge_a.put(path, json={"title": "Gone"}, headers=admin.headers)).status == 404
    assert await listed(cluster.edge_b) == []


async def test_anyone_sees_only_the_active_banners_within_their_dates_by_location(cluster: Cluster) -> None:
    admin, user = await people(cluster)
    shown = await create(cluster, admin, position=2)
    first = await create(cluster, admin, position=1, starts_at=YESTERDAY)  # shown, before the other
    future = await create(cluster, admin, starts_at=TOMORROW)
    past = await create(cluster, admin, starts_at=YESTERDAY, ends_at=NOW.isoformat())
    inactive = await create(cluster, admin, is_active=False)
    middle = await create(cluster, admin, location="home_middle", starts_at=YESTERDAY, ends_at=TOMORROW)
    sidebar = await create(cluster, admin, location="ad_detail_sidebar", ends_at=TOMORROW)

    assert await listed(cluster.edge_b, "?location=home_top") == [first["id"], shown["id"]]
    assert await listed(cluster.edge_b, "?location=home_middle", user.headers) == [middle["id"]]
    assert await listed(cluster.edge_b, "?location=category_top") == []
    assert sorted(await listed(cluster.edge_a)) == sorted(
        [shown["id"], first["id"], middle["id"], sidebar["id"]]
    )
    for hidden in (future, past, inactive):
        path = f"{BANNERS}{hidden['id']}"
        assert (await cluster.edge_b.get(path)).status == 404
        assert (await cluster.edge_b.get(path, headers=user.headers)).status == 404
        assert await json_of(await cluster.edge_b.get(path, headers=admin.headers), 200) == hidden
    everything = await listed(cluster.edge_a, "?location=home_top&include_inactive=true", admin.headers)
    assert sorted(everything) == sorted(b["id"] for b in (shown, first, future, past, inactive))

    # The window moves: a banner that has not started yet is shown once its start is moved back.
    started = {"starts_at": YESTERDAY}
    await json_of(
        await cluster.edge_a.put(f"{BANNERS}{future['id']}", json=started, headers=admin.headers), 200
    )
    assert future["id"] in await listed(cluster.edge_b, "?location=home_top")

    paged = await json_of(await cluster.edge_b.get(f"{BANNERS}?location=home_top&size=1&page=2"), 200)
    assert paged["total"] == 3 and len(paged["items"]) == 1 and paged["page"] == 2


async def test_a_read_carries_an_etag_and_a_client_holding_it_gets_304(cluster: Cluster) -> None:
    admin, _ = await people(cluster)
    banner = await create(cluster, admin)
    tags = {}
    for path in (BANNERS, f"{BANNERS}{banner['id']}"):
        first = await cluster.edge_a.get(path)
        assert first.status == 200 and first.headers["Cache-Control"].startswith("public")
        tags[path] = first.headers["ETag"]
        again = await cluster.edge_b.get(path, headers={"If-None-Match": tags[path]})
        assert again.status == 304, path
    await json_of(
        await cluster.edge_a.put(f"{BANNERS}{banner['id']}", json={"title": "New"}, headers=admin.headers),
        200,
    )
    for path, tag in tags.items():
        changed = await cluster.edge_b.get(path, headers={"If-None-Match": tag})
        assert changed.status == 200, path


async def test_writes_are_for_admins_only(cluster: Cluster) -> None:
    admin, user = await people(cluster)
    banner = await create(cluster, admin)
    path = f"{BANNERS}{banner['id']}"
    moderator = User(id=user.id, headers=bearer(cluster.signer.token(user.id, "moderator")))
    writes = [("POST", BANNERS, BANNER), ("PUT", path, {"title": "Mine"}), ("DELETE", path, None)]
    for method, where, body in writes:
        assert (await cluster.edge_b.request(method, where, json=body)).status == 401, method
        for refused in (user, moderator):
            resp = await cluster.edge_b.request(method, where, json=body, headers=refused.headers)
            assert resp.status == 403 and "detail" in await resp.json(), method
    assert (await cluster.edge_b.get(f"{BANNERS}?include_inactive=true")).status == 401
    assert (await cluster.edge_b.get(f"{BANNERS}?include_inactive=true", headers=user.headers)).status == 403
    # The role is checked before the body: a user's bad body is 403 too, not 422.
    assert (await cluster.edge_b.post(BANNERS, json={"title": ""}, headers=user.headers)).status == 403
    assert await json_of(await cluster.edge_a.get(path), 200) == banner
    assert await listed(cluster.edge_a) == [banner["id"]]


async def test_unknown_locations_bad_links_and_dates_out_of_order_are_422_naming_the_field(
    cluster: Cluster,
) -> None:
    admin, _ = await people(cluster)
    bad: list[tuple[str, dict[str, Any]]] = [
        ("location", {"location": "footer"}),
        ("location", {"location": None}),
        ("title", {"title": ""}),
        ("image_url", {"image_url": "javascript:alert(1)"}),
        ("image_url", {"image_url": ""}),
        ("link_url", {"link_url": "data:text/html,hi"}),
        ("position", {"position": 2**31}),
        ("starts_at", {"starts_at": "soon"}),
        ("ends_at", {"starts_at": TOMORROW, "ends_at": YESTERDAY}),
        ("ends_at", {"starts_at": TOMORROW, "ends_at": TOMORROW}),
    ]
    for field, fields in bad:
        resp = await cluster.edge_a.post(BANNERS, json={**BANNER, **fields}, headers=admin.headers)
        detail = (await resp.json())["detail"]
        assert resp.status == 422 and detail[0]["loc"] == ["body", field], (fields, detail)
    resp = await cluster.edge_a.get(f"{BANNERS}?location=sidebar")
    assert resp.status == 422 and (await resp.json())["detail"][0]["loc"] == ["query", "location"]
    assert (await cluster.edge_a.get(f"{BANNERS}first")).status == 422

    banner = await create(cluster, admin, ends_at=TOMORROW)
    path = f"{BANNERS}{banner['id']}"
    for field, fields in (("title", {"title": None}), ("starts_at", {"starts_at": "2030-01-01T00:00:00"}),
                          ("link_url", {"link_url": "ftp://example.com/x"})):  # fmt: skip
        resp = await cluster.edge_a.put(path, json=fields, headers=admin.headers)
        detail = (await resp.json())["detail"]
        # A start after the stored end is refused on the end, the field that was in order before.
        expected = "ends_at" if field == "starts_at" else field
        assert resp.status == 422 and detail[0]["loc"] == ["body", expected], (fields, detail)
    assert await json_of(await cluster.edge_a.get(path), 200) == banner
    # A time without a zone is taken as UTC.
    naive = await create(cluster, admin, starts_at="2020-01-01T10:00:00")
    assert datetime.fromisoformat(naive["starts_at"]) == datetime(2020, 1, 1, 10, tzinfo=UTC)
