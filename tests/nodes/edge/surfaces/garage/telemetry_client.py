"""A dongle's side of the telematics endpoints in tests: a member with a vehicle, batches, read-backs."""

from __future__ import annotations

import base64
import time
from typing import Any

import orjson
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from tests.support.http import bearer, json_of

Edge = TestClient[web.Request, web.Application]

PASSWORD = "securepassword123"
CIVIC = {"vin": "1HGBH41JXMN109186", "make": "Honda", "model": "Civic", "year": 2020, "odometer": 15000.5}


async def member_with_vehicle(edge: Edge, email: str) -> tuple[dict[str, str], str]:
    """A member's headers and the id of his vehicle."""
    resp = await edge.post("/api/auth/register/", json={"email": email, "password": PASSWORD})
    headers = bearer((await json_of(resp, 201))["accessToken"])
    vehicle = await json_of(await edge.post("/api/vehicles/", json=CIVIC, headers=headers), 201)
    return headers, str(vehicle["id"])


def account_of(headers: dict[str, str]) -> int:
    """The account id of the token in `headers` (its subject)."""
    payload = headers["Authorization"].split(".")[1]
    return int(orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])


def now_ms() -> int:
    return int(time.time() * 1000)


def batch(vehicle_id: str, start: int, count: int, **fields: Any) -> dict[str, Any]:
    """`count` samples a second apart from `start`: moving at 60 km/h, the odometer going up with it
    (the same reading for the same `t` in every batch)."""
    samples = [
        {"t": t, "speed": 60.0, "fuelRate": 6.0, "odometer": odometer_at(t), "ignition": True, **fields}
        for t in range(start, start + count * 1000, 1000)
    ]
    return {
        "vehicleId": vehicle_id,
        "startTimestamp": start,
        "endTimestamp": samples[-1]["t"],
        "samples": samples,
    }


def odometer_at(t: int) -> float:
    """A car that has driven at 60 km/h (a km a minute) since November 2023."""
    return (t - 1_700_000_000_000) / 60_000


def url(vehicle_id: str, rest: str = "") -> str:
    return f"/api/telematics/{vehicle_id}/{rest}"


async def upload(edge: Edge, headers: dict[str, str], body: dict[str, Any]) -> ClientResponse:
    return await edge.post(url(body["vehicleId"]), json=body, headers=headers)


async def stored_samples(edge: Edge, headers: dict[str, str], vehicle_id: str) -> list[dict[str, Any]]:
    """Every sample stored, newest first, paging back 500 at a time."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 500}
    while True:
        page = await json_of(await edge.get(url(vehicle_id, "samples/"), params=params, headers=headers), 200)
        found += page
        if len(page) < 500:
            return found
        params["before"] = page[-1]["t"]
