"""Membership Auto (004) telematics through HTTP, JetStream and the telemetry worker, on both databases:
a batch end to end (samples, odometer, trip, fuel, fault code and its notification), a batch sent
again stored once, bad batches refused with nothing stored, and the scheduled roll-up of old samples."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from nodes.runtime.settings import Settings
from protocols.envelope import Actor, Role
from protocols.notify import ListNotifications
from scheduler.app import SchedulerApp
from tests.conftest import Cluster
from tests.support.eventually import until
from tests.support.http import json_of

from .telemetry_client import (
    Edge,
    account_of,
    batch,
    member_with_vehicle,
    now_ms,
    stored_samples,
    upload,
    url,
)

pytestmark = pytest.mark.domains("identity", "garage", "telemetry", "notify")

ACCEPTED = {"message": "Telemetry batch accepted"}
DAY_MS = 86_400_000


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    # Samples older than a day are rolled up: the test's old batch is, its fresh ones are not.
    return lambda s: replace(s, telemetry=replace(s.telemetry, raw_retention_s=86_400.0))


async def count_is(edge: Edge, headers: dict[str, str], vehicle_id: str, expected: int) -> bool:
    return len(await stored_samples(edge, headers, vehicle_id)) >= expected


async def test_a_batch_goes_end_to_end_and_a_batch_sent_again_is_stored_once(cluster: Cluster) -> None:
    edge_a, edge_b = cluster.edges
    headers, vehicle_id = await member_with_vehicle(edge_a, "john@example.com")
    start = now_ms() - 120_000
    first = batch(vehicle_id, start, 60)
    for sample in first["samples"][30:40]:
        sample["faultCodes"] = ["P0301"]
    for sample in first["samples"][40:]:
        sample["faultCodes"] = []  # cleared
    first["samples"][45]["faultCodes"] = ["P0301", "U0100"]  # P0301 again: a second occurrence
    assert await json_of(await upload(edge_a, headers, first), 202) == ACCEPTED
    # Sent again through the other edge (a dongle's retry), and a batch that overlaps it by half.
    assert await json_of(await upload(edge_b, headers, first), 202) == ACCEPTED
    second = batch(vehicle_id, start + 30_000, 60)
    assert await json_of(await upload(edge_b, headers, second), 202) == ACCEPTED
    await until(lambda: count_is(edge_a, headers, vehicle_id, 90), within_s=15, what="90 samples stored")

    samples = await stored_samples(edge_a, headers, vehicle_id)
    assert [s["t"] for s in samples] == [start + i * 1000 for i in reversed(range(90))]  # each once
    newest = samples[0]
    assert newest == {**newest, "speed": 60.0, "fuelRate": 6.0, "ignition": True, "faultCodes": None}
    assert samples[-31]["faultCodes"] == ["P0301"]

    # Derived once: one trip over the 89 s, its distance the odometer's rise, its fuel the rate's sum.
    trips = await json_of(await edge_b.get(url(vehicle_id, "trips/"), headers=headers), 200)
    (trip,) = trips["trips"]
    assert (trip["startTimestamp"], trip["endTimestamp"], trip["samples"], trip["ongoing"]) == (
        start,
        start + 89_000,
        90,
        True,
    )
    assert trip["distanceKm"] == pytest.approx(89 / 60, abs=1e-3)
    assert trip["fuelUsedL"] == pytest.approx(6.0 * 89 / 3600, abs=1e-3)
    assert trips["fuelEconomy"] == pytest.approx(trip["fuelUsedL"] / trip["distanceKm"] * 100, abs=0.01)
    vehicle = await json_of(await edge_a.get(f"/api/vehicles/{vehicle_id}/", headers=headers), 200)
    assert vehicle["odometer"] == 15000.5  # his reading, given after these were read

    # Fault codes: P0301 and U0100 seen at 45 s were cleared by the next sample; none is active.
    assert await json_of(await edge_a.get(url(vehicle_id, "faults/"), headers=headers), 200) == []
    owner = Actor(user_id=account_of(headers), role=Role.USER)
    await until(lambda: told_of(cluster, owner, 3), within_s=10, what="three fault notices")
    told = await notifications(cluster, owner)
    assert sorted(n["code"] for n in told) == ["P0301", "P0301", "U0100"]  # once per occurrence
    assert {n["description"] for n in told} >= {"Cylinder 1 misfire detected"}

    # A code that stays is active, described; read after his own reading, the dongle's odometer is the
    # vehicle's now.
    later = now_ms()
    third = batch(vehicle_id, later, 5, faultCodes=["P0420"])
    assert await json_of(await upload(edge_a, headers, third), 202) == ACCEPTED
    await until(lambda: count_is(edge_a, headers, vehicle_id, 95), within_s=15, what="95 samples stored")
    active = await json_of(await edge_a.get(url(vehicle_id, "faults/"), headers=headers), 200)
    description = "Catalyst system efficiency below threshold (bank 1)"
    assert active == [
        {"code": "P0420", "description": description, "firstSeen": later, "lastSeen": later + 4000}
    ]
    listed = await json_of(await edge_b.get("/api/vehicles/", headers=headers), 200)
    assert listed[0]["odometer"] == pytest.approx(third["samples"][-1]["odometer"])

    # Another member sees none of it.
    stranger, _ = await member_with_vehicle(edge_b, "mary@example.com")
    for rest in ("samples/", "trips/", "faults/"):
        assert (await edge_b.get(url(vehicle_id, rest), headers=stranger)).status == 404
    assert (await upload(edge_b, stranger, third)).status == 404


async def told_of(cluster: Cluster, owner: Actor, count: int) -> bool:
    return len(await notifications(cluster, owner)) >= count


async def notifications(cluster: Cluster, owner: Actor) -> list[dict[str, Any]]:
    page = await cluster.worker_bus.request(ListNotifications(limit=100), actor=owner)
    return [n.payload for n in page.items if n.type == "fault_code"]


@pytest.mark.database_agnostic
async def test_a_bad_batch_is_a_400_naming_its_problem_and_nothing_of_it_is_stored(cluster: Cluster) -> None:
    edge = cluster.edge_a
    headers, vehicle_id = await member_with_vehicle(edge, "john@example.com")
    start = now_ms() - 60_000
    good = batch(vehicle_id, start, 10)

    def spoilt(**changes: Any) -> dict[str, Any]:
        return {**good, **changes}

    def sample(index: int, **changes: Any) -> dict[str, Any]:
        samples = [dict(s) for s in good["samples"]]
        samples[index].update(changes)
        return spoilt(samples=samples)

    cases = [
        (spoilt(samples=[]), "samples"),
        (spoilt(vehicleId="b1c7d7de-0000-4000-8000-000000000000"), "vehicleId"),
        (spoilt(endTimestamp=start - 1), "endTimestamp"),
        (spoilt(endTimestamp=start + 7_200_000), "endTimestamp"),  # a window past an hour
        (sample(3, t=start - 5), "samples"),  # outside the window
        (sample(3, t=good["samples"][2]["t"]), "samples"),  # two at one time
        (sample(4, speed=-3), "samples"),
        (sample(4, fuelRate=float("1e9")), "samples"),
        (sample(5, coolantTemp=900), "samples"),
        (sample(5, faultCodes=["X1234"]), "samples"),
        (sample(6, t="soon"), "samples"),
        (batch(vehicle_id, now_ms() + 3_600_000, 3), "endTimestamp"),  # the dongle's clock runs an hour ahead
        (batch(vehicle_id, now_ms() - 90 * DAY_MS, 3), "startTimestamp"),
        (spoilt(samples=good["samples"] * 70), "samples"),  # 700 samples: more than 600, and too big
    ]
    for body, field in cases:
        answer = await json_of(await edge.post(url(vehicle_id), json=body, headers=headers), 400)
        assert isinstance(answer["error"], str) and answer["error"], body
        assert field in answer or "too large" in answer["error"], (field, answer)
    assert await json_of(await edge.post(url(vehicle_id), data=b"{", headers=headers), 400)
    assert await stored_samples(edge, headers, vehicle_id) == []
    assert (await edge.post(url(vehicle_id), json=good)).status == 401
    assert (await edge.post(url("not-a-vehicle"), json=good, headers=headers)).status == 404


async def test_old_samples_are_rolled_into_minutes_by_the_scheduler(cluster: Cluster) -> None:
    edge = cluster.edge_a
    headers, vehicle_id = await member_with_vehicle(edge, "john@example.com")
    old = batch(vehicle_id, now_ms() - 2 * DAY_MS, 120)  # two minutes' worth, two days ago
    fresh = batch(vehicle_id, now_ms() - 60_000, 10)
    for body in (old, fresh):
        assert await json_of(await upload(edge, headers, body), 202) == ACCEPTED
    await until(lambda: count_is(edge, headers, vehicle_id, 130), within_s=15, what="130 samples stored")
    assert await SchedulerApp(cluster.worker_bus, cluster.settings).run_job_now("roll_up_telemetry") == "ok"
    left = await stored_samples(edge, headers, vehicle_id)
    assert [s["t"] for s in left] == [s["t"] for s in reversed(fresh["samples"])]
    # The trip they made is still there: derived state outlives the raw samples.
    trips = await json_of(await edge.get(url(vehicle_id, "trips/"), headers=headers), 200)
    assert sum(t["samples"] for t in trips["trips"]) == 130


async def test_a_batch_that_comes_after_a_later_one_counts_for_its_trip(cluster: Cluster) -> None:
    """As a dongle's slow retry does, or two workers that took consecutive batches of one vehicle and
    stored the later one first."""
    edge = cluster.edge_a
    headers, vehicle_id = await member_with_vehicle(edge, "john@example.com")
    start = now_ms() - 600_000
    assert await json_of(await upload(edge, headers, batch(vehicle_id, start + 30_000, 30)), 202) == ACCEPTED
    await until(lambda: count_is(edge, headers, vehicle_id, 30), within_s=15, what="the later batch stored")
    assert await json_of(await upload(edge, headers, batch(vehicle_id, start, 30)), 202) == ACCEPTED
    await until(lambda: count_is(edge, headers, vehicle_id, 60), within_s=15, what="the earlier batch stored")

    trips = await json_of(await edge.get(url(vehicle_id, "trips/"), headers=headers), 200)
    (trip,) = trips["trips"]
    assert (trip["startTimestamp"], trip["endTimestamp"], trip["samples"]) == (start, start + 59_000, 60)
    assert trip["distanceKm"] == pytest.approx(59 / 60, abs=1e-3)
    assert trip["fuelUsedL"] == pytest.approx(6.0 * 59 / 3600, abs=1e-3)
