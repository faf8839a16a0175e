"""The service side of Membership Auto in tests: staff tokens, locations staff add, appointments."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from tests.conftest import Cluster
from tests.support.http import bearer, json_of

Edge = TestClient[web.Request, web.Application]

STAFF_ID = 900_000  # staff need no account of their own here: their token says who they are
WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
AROUND_THE_CLOCK = [{"weekday": day, "opens": "00:00", "closes": "24:00"} for day in WEEK]


def staff(cluster: Cluster) -> dict[str, str]:
    return bearer(cluster.signer.token(STAFF_ID, "admin"))


def place(name: str, **fields: Any) -> dict[str, Any]:
    """A location body: open around the clock on UTC's, one bay, unless `fields` say otherwise."""
    return {"name": name, "address": f"1 {name} Street", "latitude": 64.1466, "longitude": -21.9426,
            "timeZone": "UTC", "bays": 1, "openingHours": AROUND_THE_CLOCK, **fields}  # fmt: skip


async def add_location(cluster: Cluster, name: str, **fields: Any) -> dict[str, Any]:
    resp = await cluster.edge_a.post(
        "/api/staff/locations/", json=place(name, **fields), headers=staff(cluster)
    )
    return await json_of(resp, 201)  # type: ignore[no-any-return]


def next_slot(after: timedelta) -> datetime:
    """The first half hour (UTC) at least `after` from now."""
    soon = datetime.now(UTC) + after
    return soon.replace(minute=0, second=0, microsecond=0) + timedelta(minutes=30 if soon.minute < 30 else 60)


def zulu(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def book(
    edge: Edge, headers: dict[str, str], vehicle_id: str, location_id: str, start: datetime, *services: str
) -> ClientResponse:
    body = {"vehicleId": vehicle_id, "locationId": location_id, "startTime": zulu(start),
            "services": list(services) or ["oil_change"]}  # fmt: skip
    return await edge.post("/api/appointments/book/", json=body, headers=headers)


async def at_once(*requests: Awaitable[ClientResponse]) -> list[int]:
    """The statuses of requests sent together, in their order."""
    return [resp.status for resp in await asyncio.gather(*requests)]
