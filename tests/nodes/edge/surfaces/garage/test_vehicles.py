"""Membership Auto (004) vehicles through HTTP on two edges, on both databases: add, list, get, update
(PUT and PATCH), delete, link a dongle; VIN checks; another member's vehicle answers as a missing one."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import Cluster
from tests.support.http import bearer, json_of

Edge = TestClient[web.Request, web.Application]

pytestmark = pytest.mark.domains("identity", "garage", "telemetry")

PASSWORD = "securepassword123"
VEHICLES = "/api/vehicles/"
FIELDS = {"id", "user", "vin", "make", "model", "trim", "year", "licensePlate", "odometer", "dongleId",
          "dongleConnectionType", "fuelType", "createdAt"}  # fmt: skip
# The document's own example: a 2020 Civic whose VIN's year letter (M) is 1991's and 2021's.
CIVIC = {"vin": "1HGBH41JXMN109186", "make": "Honda", "model": "Civic", "trim": "EX", "year": 2020,
         "odometer": 15000.50, "fuelType": "gasoline"}  # fmt: skip
# A European VIN: no check digit is used there, so its ninth character is not checked.
GOLF = {"vin": "WVWZZZ1JZXW000001", "make": "Volkswagen", "model": "Golf", "year": 1999}
NOT_FOUND = {"error": "Vehicle not found"}


async def member(edge: Edge, email: str) -> tuple[dict[str, str], str]:
    """A member's headers and public id."""
    resp = await edge.post("/api/auth/register/", json={"email": email, "password": PASSWORD})
    signed = await json_of(resp, 201)
    return bearer(signed["accessToken"]), signed["user"]["id"]


def one(vehicle_id: str) -> str:
    return f"{VEHICLES}{vehicle_id}/"


async def add(edge: Edge, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    return await json_of(await edge.post(VEHICLES, json=body, headers=headers), 201)  # type: ignore[no-any-return]


async def refused(edge: Edge, headers: dict[str, str], body: dict[str, Any], field: str) -> str:
    """The 400 a body gets, naming `field`; its message there."""
    answer = await json_of(await edge.post(VEHICLES, json=body, headers=headers), 400)
    assert isinstance(answer["error"], str) and list(answer[field]), answer
    return str(answer[field][0])


async def test_a_member_adds_reads_changes_and_deletes_vehicles(cluster: Cluster) -> None:
    edge_a, edge_b = cluster.edges
    john, john_id = await member(edge_a, "john@example.com")
    civic = await add(edge_a, john, CIVIC)
    assert set(civic) == FIELDS
    assert civic == {**civic, **CIVIC, "user": john_id, "licensePlate": None, "dongleId": None,
                     "dongleConnectionType": None}  # fmt: skip
    golf = await add(edge_b, john, {**GOLF, "vin": str(GOLF["vin"]).lower(), "licensePlate": " abc 123 "})
    assert (golf["vin"], golf["licensePlate"], golf["odometer"], golf["trim"]) == (
        GOLF["vin"],
        "ABC 123",
        0,
        None,
    )
    assert await json_of(await edge_b.get(VEHICLES, headers=john), 200) == [civic, golf]
    assert await json_of(await edge_a.get(one(civic["id"]), headers=john), 200) == civic

    # The VIN: length, letters, the North American check digit, and once per member.
    assert "17" in await refused(edge_a, john, {**CIVIC, "vin": "1HGBH41JXMN10918"}, "vin")
    assert await refused(edge_a, john, {**CIVIC, "vin": "1HGBH41JXMN10918O"}, "vin")
    assert "check digit" in await refused(edge_a, john, {**CIVIC, "vin": "1HGBH41JXMN109187"}, "vin")
    assert "already" in await refused(edge_a, john, {**GOLF, "make": "VW"}, "vin")
    assert await refused(edge_a, john, {**CIVIC, "year": 2999}, "year")
    assert await refused(edge_a, john, {**CIVIC, "make": "  "}, "make")
    assert await refused(edge_a, john, {**CIVIC, "odometer": -1}, "odometer")
    assert await refused(edge_a, john, {**CIVIC, "fuelType": "coal"}, "fuelType")
    missing = await json_of(await edge_a.post(VEHICLES, json={"make": "Honda"}, headers=john), 400)
    assert missing["vin"] == ["This field is required."] and missing["year"] == ["This field is required."]

    # PATCH writes the fields given, PUT every field (one left out takes its default).
    patched = await edge_b.patch(
        one(civic["id"]), json={"odometer": 15500, "licensePlate": "XYZ9"}, headers=john
    )
    civic = {**civic, "odometer": 15500, "licensePlate": "XYZ9"}
    assert await json_of(patched, 200) == civic
    null_vin = await edge_b.patch(one(civic["id"]), json={"vin": None}, headers=john)
    assert (await json_of(null_vin, 400))["vin"] == ["This field may not be null."]
    taken = await edge_b.patch(one(civic["id"]), json={"vin": GOLF["vin"]}, headers=john)
    assert "already" in (await json_of(taken, 400))["vin"][0]
    replaced = await edge_a.put(one(golf["id"]), json={**GOLF, "model": "Golf GTI"}, headers=john)
    golf = {**golf, "model": "Golf GTI", "licensePlate": None}
    assert await json_of(replaced, 200) == golf
    assert await json_of(await edge_a.get(VEHICLES, headers=john), 200) == [civic, golf]

    # Another member's vehicle is not there for him, and nothing of it changes.
    mary, _ = await member(edge_b, "mary@example.com")
    assert await json_of(await edge_b.get(VEHICLES, headers=mary), 200) == []
    for method, body in (("GET", None), ("PUT", CIVIC), ("PATCH", {"make": "Acura"}), ("DELETE", None)):
        answer = await edge_b.request(method, one(civic["id"]), json=body, headers=mary)
        assert await json_of(answer, 404) == NOT_FOUND, method
    assert await json_of(await edge_b.get(one("not-a-uuid"), headers=john), 404) == NOT_FOUND
    mary_civic = await add(edge_b, mary, CIVIC)  # the same VIN for another member is no duplicate
    assert mary_civic["id"] != civic["id"]

    assert (await edge_a.delete(one(civic["id"]), headers=john)).status == 204
    assert await json_of(await edge_a.get(one(civic["id"]), headers=john), 404) == NOT_FOUND
    assert await json_of(await edge_b.get(VEHICLES, headers=john), 200) == [golf]
    assert await json_of(await edge_b.get(VEHICLES, headers=mary), 200) == [mary_civic]
    assert (await edge_a.get(VEHICLES)).status == 401


async def test_a_dongle_is_linked_to_one_vehicle_at_a_time(cluster: Cluster) -> None:
    edge_a, edge_b = cluster.edges
    john, _ = await member(edge_a, "john@example.com")
    mary, _ = await member(edge_a, "mary@example.com")
    civic, golf = await add(edge_a, john, CIVIC), await add(edge_a, john, GOLF)
    marys = await add(edge_b, mary, CIVIC)

    def link(vehicle: dict[str, Any]) -> str:
        return one(vehicle["id"]) + "link-dongle/"

    linked = await edge_a.post(
        link(civic), json={"dongleId": "dongle-123", "connectionType": "BLE"}, headers=john
    )
    civic = {**civic, "dongleId": "dongle-123", "dongleConnectionType": "BLE"}
    assert await json_of(linked, 200) == civic
    # Moved to his other car, it leaves the first.
    moved = await edge_b.post(
        link(golf), json={"dongleId": "dongle-123", "connectionType": "WIFI"}, headers=john
    )
    assert (await json_of(moved, 200))["dongleConnectionType"] == "WIFI"
    civic = {**civic, "dongleId": None, "dongleConnectionType": None}
    assert await json_of(await edge_b.get(one(civic["id"]), headers=john), 200) == civic

    # Another member cannot take it, nor link anything to John's car; a type not documented is a 400.
    taken = await edge_a.post(
        link(marys), json={"dongleId": "dongle-123", "connectionType": "CLOUD"}, headers=mary
    )
    assert "another member" in (await json_of(taken, 400))["dongleId"][0]
    theirs = await edge_a.post(
        link(civic), json={"dongleId": "dongle-9", "connectionType": "BLE"}, headers=mary
    )
    assert await json_of(theirs, 404) == NOT_FOUND
    wrong = await edge_a.post(
        link(marys), json={"dongleId": "dongle-9", "connectionType": "USB"}, headers=mary
    )
    assert "connectionType" in await json_of(wrong, 400)

    # Unlinked, it is free for anyone.
    unlinked = await edge_b.delete(link(golf), headers=john)
    assert (await json_of(unlinked, 200))["dongleId"] is None
    cloud = await edge_a.post(
        link(marys), json={"dongleId": "dongle-123", "connectionType": "CLOUD"}, headers=mary
    )
    assert (await json_of(cloud, 200))["dongleConnectionType"] == "CLOUD"
