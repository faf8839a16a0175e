"""Telemetry when its stream is full: an upload is told 429 with Retry-After, and every batch the
stream took is stored once its workers catch up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from nodes.runtime.settings import Settings
from tests.conftest import Cluster
from tests.support.eventually import until
from tests.support.http import json_of
from tests.support.workers import more_workers

from .telemetry_client import Edge, batch, member_with_vehicle, now_ms, stored_samples, upload

pytestmark = pytest.mark.database_agnostic  # the database's part, storing once, is test_telemetry's

STREAM_HOLDS = 3
SAMPLES = 20


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    return lambda s: replace(s, telemetry=replace(s.telemetry, stream_max_msgs=STREAM_HOLDS))


async def all_stored(edge: Edge, headers: dict[str, str], vehicle_id: str, expected: set[int]) -> bool:
    return {s["t"] for s in await stored_samples(edge, headers, vehicle_id)} >= expected


@pytest.mark.domains("identity", "garage", "notify")
async def test_a_full_stream_answers_429_and_keeps_every_batch_it_took(cluster: Cluster) -> None:
    edge = cluster.edge_a
    headers, vehicle_id = await member_with_vehicle(edge, "john@example.com")
    start = now_ms() - 600_000
    batches = [batch(vehicle_id, start + i * SAMPLES * 1000, SAMPLES) for i in range(STREAM_HOLDS + 1)]
    for body in batches[:STREAM_HOLDS]:  # no telemetry worker takes them yet
        assert (await upload(edge, headers, body)).status == 202
    refused = await upload(edge, headers, batches[-1])
    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "later" in (await json_of(refused, 429))["error"]
    async with more_workers(cluster.settings, "telemetry"):
        taken = {s["t"] for body in batches[:STREAM_HOLDS] for s in body["samples"]}
        await until(
            lambda: all_stored(edge, headers, vehicle_id, taken), within_s=15, what="the batches taken"
        )
        # Room again: the refused batch, sent again, is taken.
        await until(lambda: accepted(edge, headers, batches[-1]), within_s=10, what="room in the stream")
        everything = taken | {s["t"] for s in batches[-1]["samples"]}
        await until(
            lambda: all_stored(edge, headers, vehicle_id, everything), within_s=15, what="every batch"
        )


async def accepted(edge: Edge, headers: dict[str, str], body: dict[str, object]) -> bool:
    return (await upload(edge, headers, body)).status == 202
