"""A telemetry worker, a real `souk worker telemetry` process, SIGKILLed while it takes batches and
another started: every sample of every accepted batch is stored exactly once, on both databases, and
no derived state counts a batch twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nodes.runtime.bus import Bus
from protocols import subjects
from protocols.envelope import DomainError
from tests.conftest import Cluster
from tests.nodes.souk_command import souk_env
from tests.support.eventually import until
from tests.support.http import json_of
from tests.support.processes import Proc, Processes

from .telemetry_client import (
    Edge,
    batch,
    member_with_vehicle,
    now_ms,
    odometer_at,
    stored_samples,
    upload,
    url,
)

pytestmark = [pytest.mark.domains("identity", "garage", "notify"), pytest.mark.xdist_group("processes")]

BATCHES = 60
SAMPLES = 20
IN_FLIGHT = 4


@pytest.fixture
async def processes(cluster: Cluster, tmp_path: Path) -> AsyncIterator[Processes]:
    env = souk_env(
        SOUK_NATS_URL=cluster.settings.nats.url,
        SOUK_DATABASE_URL=cluster.settings.database.url,
        SOUK_PATHS_VAR_DIR=str(tmp_path / "var"),
        SOUK_LOG_LEVEL="WARNING",
        # Small fetches, so the kill lands between them; a batch taken by the dead worker comes again soon.
        SOUK_TELEMETRY_FETCH_BATCH="2",
        SOUK_TELEMETRY_ACK_WAIT_S="2",
    )
    started = Processes(tmp_path / "logs", env)
    yield started
    await started.close()


async def telemetry_answers(bus: Bus) -> bool:
    try:
        await bus.request_raw(subjects.ping("telemetry"), b"", timeout=1.0, wait_for_worker=False)
    except DomainError:
        return False
    return True


async def worker(processes: Processes, bus: Bus) -> Proc:
    run = await processes.souk("telemetry", "worker", "telemetry")
    await until(lambda: telemetry_answers(bus), within_s=30, what="a telemetry worker serving")
    return run


async def count_at_least(edge: Edge, headers: dict[str, str], vehicle_id: str, count: int) -> bool:
    return len(await stored_samples(edge, headers, vehicle_id)) >= count


async def test_a_telemetry_worker_killed_mid_stream_loses_and_doubles_nothing(
    cluster: Cluster, processes: Processes
) -> None:
    edge_a, edge_b = cluster.edges
    headers, vehicle_id = await member_with_vehicle(edge_a, "john@example.com")
    first = await worker(processes, cluster.worker_bus)
    start = now_ms() - 3_600_000
    bodies = [batch(vehicle_id, start + i * SAMPLES * 1000, SAMPLES) for i in range(BATCHES)]
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def send(i: int) -> None:
        async with gate:
            answer = await upload((edge_a, edge_b)[i % 2], headers, bodies[i])
            assert await json_of(answer, 202)

    uploads = asyncio.gather(*(send(i) for i in range(BATCHES)))
    await until(
        lambda: count_at_least(edge_a, headers, vehicle_id, 5 * SAMPLES), within_s=30, what="some stored"
    )
    first.kill()  # in the middle of the stream: batches taken and not acknowledged go with it
    await worker(processes, cluster.worker_bus)
    await uploads

    expected = [s["t"] for body in reversed(bodies) for s in reversed(body["samples"])]
    await until(
        lambda: count_at_least(edge_a, headers, vehicle_id, len(expected)), within_s=60, what="all stored"
    )
    stored = await stored_samples(edge_a, headers, vehicle_id)
    assert [s["t"] for s in stored] == expected  # each once, none lost
    # Derived once: no trip counts a sample twice, and the odometer is the last reading.
    trips = await json_of(
        await edge_b.get(url(vehicle_id, "trips/"), params={"limit": 100}, headers=headers), 200
    )
    assert sum(t["samples"] for t in trips["trips"]) <= len(expected)
    assert trips["distanceKm"] <= odometer_at(expected[0]) - odometer_at(expected[-1]) + 1e-6
    assert not processes.failures(), processes.failures()
