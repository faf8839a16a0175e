"""Membership Auto (004) offers, memberships and referrals through HTTP on two edges, on both databases:
the seeded network; offers running now for the member's tier near a point, nearest first; staff
assigning memberships (the account's `membershipId`) and writing offers and locations; a referrer
credited once when the referred member's first appointment is completed, even by two completions at
the same moment on two garage workers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Cluster
from tests.support.http import bearer, json_of
from tests.support.workers import more_workers

from .service_client import Edge, add_location, at_once, book, next_slot, staff, zulu
from .telemetry_client import CIVIC, PASSWORD, member_with_vehicle

pytestmark = pytest.mark.domains("identity", "garage")

OFFER_FIELDS = {
    "id",
    "title",
    "description",
    "terms",
    "expiry",
    "eligibleMemberships",
    "locations",
    "createdAt",
}
REYKJAVIK = "lat=64.1466&lng=-21.9426"  # the staff's own locations are around it, far from the seeded ones


async def login(edge: Edge, email: str) -> dict[str, Any]:
    resp = await edge.post("/api/auth/login/", json={"email": email, "password": PASSWORD})
    return (await json_of(resp, 200))["user"]  # type: ignore[no-any-return]


async def titles(edge: Edge, headers: dict[str, str], query: str = REYKJAVIK) -> list[str]:
    return [
        offer["title"]
        for offer in await json_of(await edge.get(f"/api/offers/?{query}", headers=headers), 200)
    ]


async def test_offers_follow_the_members_tier_and_where_he_is(cluster: Cluster) -> None:
    edge_a, edge_b = cluster.edges
    john, civic = await member_with_vehicle(edge_a, "john@example.com")
    mary, marys = await member_with_vehicle(edge_b, "mary@example.com")
    john_id = (await login(edge_a, "john@example.com"))["id"]

    # A fresh install's network: locations, and an offer for every member near the document's point.
    seeded = await json_of(await edge_a.get("/api/locations/", headers=john), 200)
    assert "Membership Auto Lower Manhattan" in {location["name"] for location in seeded}
    offers = await json_of(await edge_a.get("/api/offers/?lat=40.7128&lng=-74.0060", headers=john), 200)
    assert [offer["title"] for offer in offers] == ["Welcome Oil Change"] and set(offers[0]) == OFFER_FIELDS

    # Staff's offers around Reykjavik: at 1 km, 55 km and 250 km; for tiers, and one not yet running.
    near = await add_location(cluster, "Harbour", latitude=64.1500, longitude=-21.9400)
    selfoss = await add_location(cluster, "Selfoss", latitude=63.9331, longitude=-20.9971)
    akureyri = await add_location(cluster, "Akureyri", latitude=65.6885, longitude=-18.1262)
    expiry = zulu(datetime.now(UTC) + timedelta(days=30))
    written = {}
    for title, at, extra in (
        ("Far", selfoss, {}), ("Near", near, {}), ("Plus", near, {"eligibleMemberships": ["plus", "premium"]}),
        ("Basic", near, {"eligibleMemberships": ["basic"]}),
        ("Tomorrow", near, {"startsAt": zulu(datetime.now(UTC) + timedelta(days=1))}), ("North", akureyri, {}),
    ):  # fmt: skip
        body = {
            "title": title,
            "description": f"{title} deal",
            "expiry": expiry,
            "locations": [at["id"]],
            **extra,
        }
        written[title] = await json_of(
            await edge_a.post("/api/staff/offers/", json=body, headers=staff(cluster)), 201
        )
    assert await titles(edge_a, john) == ["Near", "Far"]  # nearest first; the tiers' and tomorrow's hidden
    assert (await titles(edge_b, john, ""))[:4] == [
        "North",
        "Near",
        "Far",
        "Welcome Oil Change",
    ]  # newest first

    # A membership: staff assign it, the account shows it, its tier's offers show.
    membership_of_john = f"/api/staff/members/{john_id}/membership/"
    plus = await json_of(
        await edge_b.put(membership_of_john, json={"tier": "plus"}, headers=staff(cluster)), 200
    )
    assert (plus["user"], plus["tier"]) == (john_id, "plus")
    assert (await login(edge_a, "john@example.com"))["membershipId"] == plus["id"]
    assert await titles(edge_a, john) == ["Plus", "Near", "Far"]  # as near: the newest first
    assert await titles(edge_b, mary) == ["Near", "Far"]
    basic = await json_of(
        await edge_a.put(membership_of_john, json={"tier": "basic"}, headers=staff(cluster)), 200
    )
    assert (basic["id"], basic["tier"]) == (plus["id"], "basic")
    assert await titles(edge_a, john) == ["Basic", "Near", "Far"]
    assert (await edge_b.delete(membership_of_john, headers=staff(cluster))).status == 204
    assert (await edge_b.delete(membership_of_john, headers=staff(cluster))).status == 404
    assert (await login(edge_b, "john@example.com"))["membershipId"] is None

    # Staff rewrite and delete offers, and retire a location.
    far = written["Far"]
    rewritten = {
        "title": "Far",
        "expiry": expiry,
        "locations": [selfoss["id"]],
        "eligibleMemberships": ["premium"],
    }
    assert (
        await edge_a.put(f"/api/staff/offers/{far['id']}/", json=rewritten, headers=staff(cluster))
    ).status == 200
    assert (
        await edge_b.delete(f"/api/staff/offers/{written['Near']['id']}/", headers=staff(cluster))
    ).status == 204
    assert await titles(edge_a, john) == []
    retired = {k: v for k, v in akureyri.items() if k not in ("id", "createdAt")} | {"active": False}
    resp = await edge_a.put(f"/api/staff/locations/{akureyri['id']}/", json=retired, headers=staff(cluster))
    assert (await json_of(resp, 200))["active"] is False
    assert akureyri["id"] not in {
        loc["id"] for loc in await json_of(await edge_b.get("/api/locations/", headers=john), 200)
    }
    every = await json_of(await edge_b.get("/api/staff/locations/", headers=staff(cluster)), 200)
    assert akureyri["id"] in {loc["id"] for loc in every}

    # What is refused: another's vehicle, half a point, a stranger, staff's paths to members, bad bodies.
    assert await json_of(await edge_a.get(f"/api/offers/?vehicleId={marys}", headers=john), 404) == {
        "error": "Vehicle not found"
    }
    assert await titles(edge_a, john, f"vehicleId={civic}&{REYKJAVIK}") == []
    assert (await edge_a.get("/api/offers/?lat=64.1", headers=john)).status == 400
    stranger = f"/api/staff/members/{marys}/membership/"  # a UUID, but no account's
    assert await json_of(await edge_a.put(stranger, json={"tier": "plus"}, headers=staff(cluster)), 404) == {
        "error": "Member not found"
    }
    assert await json_of(await edge_a.get("/api/staff/offers/", headers=john), 403) == {"error": "Staff only"}
    unknown = {"title": "Nowhere", "expiry": expiry, "locations": ["00000000-0000-4000-8000-000000000000"]}
    refused = await json_of(
        await edge_a.post("/api/staff/offers/", json=unknown, headers=staff(cluster)), 400
    )
    assert "Unknown location" in refused["locations"][0]
    assert "timeZone" in await json_of(
        await edge_a.post(
            "/api/staff/locations/", json={**retired, "timeZone": "Mars/Olympus"}, headers=staff(cluster)
        ),
        400,
    )


async def register(edge: Edge, email: str, **extra: str) -> dict[str, Any]:
    resp = await edge.post("/api/auth/register/", json={"email": email, "password": PASSWORD, **extra})
    return await json_of(resp, 201)  # type: ignore[no-any-return]


async def test_a_referrer_is_credited_once_when_his_referral_first_completes_an_appointment(
    cluster: Cluster,
) -> None:
    edge_a, edge_b = cluster.edges
    ann = await register(edge_a, "ann@example.com")
    code = ann["user"]["referralCode"]
    bob = await register(edge_b, "bob@example.com", referralCode=code.lower())
    cid = await register(edge_a, "cid@example.com", referralCode=code)
    ann_h, bob_h = bearer(ann["accessToken"]), bearer(bob["accessToken"])

    mine = await json_of(await edge_a.get("/api/referrals/me/", headers=ann_h), 200)
    assert (mine["code"], mine["link"]) == (code, f"https://membershipauto.com/r/{code}")
    assert [(r["referredUser"], r["status"], r["rewardsApplied"]) for r in mine["referrals"]] == [
        (cid["user"]["id"], "pending", {}), (bob["user"]["id"], "pending", {}),
    ]  # fmt: skip
    assert {(r["referrerUser"], r["code"]) for r in mine["referrals"]} == {(ann["user"]["id"], code)}

    # Bob's first two appointments, completed at the same moment on two workers: Ann is credited once.
    shop = await add_location(cluster, "Two Bays", bays=2)
    vehicle = await json_of(await edge_b.post("/api/vehicles/", json=CIVIC, headers=bob_h), 201)
    start = next_slot(timedelta(hours=1))
    firsts = [await json_of(await book(edge_b, bob_h, vehicle["id"], shop["id"], start + n * timedelta(hours=1)), 201)
              for n in range(2)]  # fmt: skip
    async with more_workers(cluster.settings, "garage"):
        statuses = await at_once(
            *(edge.post(f"/api/staff/appointments/{a['id']}/complete/", headers=staff(cluster))
              for edge, a in zip(cluster.edges, firsts, strict=True))
        )  # fmt: skip
    assert statuses == [200, 200]
    credited = await json_of(await edge_b.get("/api/referrals/me/", headers=ann_h), 200)
    assert [(r["referredUser"], r["status"], r["rewardsApplied"]) for r in credited["referrals"]] == [
        (cid["user"]["id"], "pending", {}), (bob["user"]["id"], "credited", {"rewardsBalance": 25}),
    ]  # fmt: skip
    assert [r["id"] for r in credited["referrals"]] == [r["id"] for r in mine["referrals"]]
    assert (
        await edge_a.post(f"/api/staff/appointments/{firsts[0]['id']}/complete/", headers=staff(cluster))
    ).status == 200
    assert (await login(edge_a, "ann@example.com"))["rewardsBalance"] == 25
    assert (await login(edge_b, "bob@example.com"))["rewardsBalance"] == 0
    assert await json_of(await edge_b.get("/api/referrals/me/", headers=bob_h), 200) == {
        "code": bob["user"]["referralCode"], "link": f"https://membershipauto.com/r/{bob['user']['referralCode']}",
        "referrals": [],
    }  # fmt: skip
