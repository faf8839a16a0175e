"""MillionAvto (000) dealers through HTTP, on both databases: a dealer account sets and reads its
company profile at `/api/v1/users/me/dealer-profile` (any other role 403, no token 401, a bad body 422
naming the field), and its ads show the company (name, phone, logo) wherever an ad is answered."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from protocols.envelope import Actor, Role
from protocols.market import ModerateAd, ModerationDecision
from tests.conftest import Cluster
from tests.support.http import User, bearer, json_of

pytestmark = pytest.mark.domains("identity", "catalog", "market")

Edge = TestClient[web.Request, web.Application]
ADS = "/api/v1/ads/"
PROFILE = "/api/v1/users/me/dealer-profile"
MODERATOR = Actor(user_id=0, role=Role.SYSTEM)
CAR = {"category_id": 1, "title": "Toyota Camry 2019", "price": 2_100_000}
COMPANY = {
    "company_name": "АвтоМир",
    "address": "Москва, Ленинградский проспект, 1",
    "phone": "+74951234567",
    "logo_url": "https://cdn.example.com/avtomir.png",
}


async def register(edge: Edge, email: str) -> User:
    resp = await edge.post("/api/v1/auth/register", json={"email": email, "password": "SecurePass123!"})
    out = await json_of(resp, 201)
    return User(id=out["user"]["id"], headers=bearer(out["access_token"]))


async def as_role(cluster: Cluster, email: str, role: str) -> User:
    account = await register(cluster.edge_a, email)
    return User(id=account.id, headers=bearer(cluster.signer.token(account.id, role)))


async def active_ad(cluster: Cluster, owner: User, **body: Any) -> dict[str, Any]:
    ad = await json_of(await cluster.edge_a.post(ADS, json={**CAR, **body}, headers=owner.headers), 201)
    await cluster.worker_bus.request(
        ModerateAd(ad_id=ad["id"], decision=ModerationDecision.APPROVE), actor=MODERATOR
    )
    return ad  # type: ignore[no-any-return]


async def test_a_dealer_sets_his_company_profile_and_reads_it(cluster: Cluster) -> None:
    dealer = await as_role(cluster, "dealer@example.com", "dealer")
    missing = await cluster.edge_a.get(PROFILE, headers=dealer.headers)
    assert missing.status == 404 and "detail" in await missing.json()
    saved = await json_of(await cluster.edge_a.put(PROFILE, json=COMPANY, headers=dealer.headers), 200)
    assert {key: saved[key] for key in COMPANY} == COMPANY and saved["user_id"] == dealer.id
    assert await json_of(await cluster.edge_b.get(PROFILE, headers=dealer.headers), 200) == saved
    renamed = await json_of(
        await cluster.edge_b.put(PROFILE, json={"company_name": "АвтоМир Плюс"}, headers=dealer.headers), 200
    )
    assert renamed["company_name"] == "АвтоМир Плюс" and renamed["phone"] is None  # written whole


async def test_only_a_dealer_has_a_company_profile(cluster: Cluster) -> None:
    for role in ("user", "moderator", "admin"):
        someone = await as_role(cluster, f"{role}@example.com", role)
        for method, body in (("GET", None), ("PUT", COMPANY)):
            refused = await cluster.edge_a.request(method, PROFILE, json=body, headers=someone.headers)
            assert refused.status == 403 and "detail" in await refused.json(), (role, method)
    for method, body in (("GET", None), ("PUT", COMPANY)):  # edge_b: no sign-up cookies there
        assert (await cluster.edge_b.request(method, PROFILE, json=body)).status == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"company_name": ""}, "company_name"),
        ({"address": "Москва"}, "company_name"),  # required
        ({**COMPANY, "phone": "+7" * 20}, "phone"),
        ({**COMPANY, "logo_url": "https://x/" + "a" * 600}, "logo_url"),
    ],
)
async def test_a_bad_profile_is_422_naming_the_field(
    cluster: Cluster, body: dict[str, Any], field: str
) -> None:
    dealer = await as_role(cluster, "dealer@example.com", "dealer")
    detail = (await json_of(await cluster.edge_a.put(PROFILE, json=body, headers=dealer.headers), 422))[
        "detail"
    ]
    assert detail[0]["loc"] == ["body", field]
    assert (await cluster.edge_a.get(PROFILE, headers=dealer.headers)).status == 404  # nothing written


async def test_a_dealers_ads_show_his_company_wherever_they_are_answered(cluster: Cluster) -> None:
    dealer = await as_role(cluster, "dealer@example.com", "dealer")
    private = await register(cluster.edge_a, "private@example.com")
    before = await active_ad(cluster, dealer)
    assert before["is_dealer"] is True and before["dealer"] is None  # no profile yet
    await json_of(await cluster.edge_a.put(PROFILE, json=COMPANY, headers=dealer.headers), 200)
    shown = {key: COMPANY[key] for key in ("company_name", "phone", "logo_url")}

    ad = await active_ad(cluster, dealer, title="BMW X5")
    assert ad["dealer"] == shown  # as created
    own = await active_ad(cluster, private, title="Lada Granta")
    assert own["is_dealer"] is False and own["dealer"] is None
    assert (await json_of(await cluster.edge_b.get(f"{ADS}{before['id']}"), 200))["dealer"] == shown
    listed = await json_of(await cluster.edge_b.get(ADS), 200)
    assert {a["id"]: a["dealer"] for a in listed["items"]} == {
        ad["id"]: shown,
        before["id"]: shown,
        own["id"]: None,
    }
    dealers_only = await json_of(await cluster.edge_b.get(f"{ADS}?from_dealers=true"), 200)
    assert sorted(a["id"] for a in dealers_only["items"]) == sorted([ad["id"], before["id"]])
    mine = await json_of(await cluster.edge_a.get("/api/v1/ads/my/ads", headers=dealer.headers), 200)
    assert [a["dealer"] for a in mine["items"]] == [shown, shown]

    await cluster.edge_a.put(
        PROFILE, json={**COMPANY, "company_name": "АвтоМир Плюс"}, headers=dealer.headers
    )
    renamed = await json_of(await cluster.edge_b.get(f"{ADS}{ad['id']}"), 200)
    assert renamed["dealer"]["company_name"] == "АвтоМир Плюс"  # the market forgot the kept company
