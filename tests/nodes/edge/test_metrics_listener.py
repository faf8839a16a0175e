"""/metrics off the public port (issue 11, item 9): an edge serves it on a listener of its own."""

from __future__ import annotations

import aiohttp
import pytest

from nodes.edge.server import RunningEdge
from nodes.runtime.bus import Bus
from nodes.runtime.embedded_nats import free_ports
from tests.conftest import Cluster

pytestmark = pytest.mark.database_agnostic


async def test_metrics_are_served_apart_from_the_public_port(cluster: Cluster) -> None:
    public, private = free_ports(2)
    bus = await Bus.connect(cluster.settings.nats.url, name="edge-with-metrics", echo=False)
    edge = RunningEdge()
    try:
        await edge.start(bus, cluster.settings, host="127.0.0.1", port=public, metrics_port=private)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{public}/api/users/1") as resp:
                assert resp.status == 404
            async with http.get(f"http://127.0.0.1:{public}/metrics") as resp:
                assert resp.status == 404 and (await resp.json())["detail"]
            async with http.get(f"http://127.0.0.1:{private}/metrics") as resp:
                assert resp.status == 200
                text = await resp.text()
    finally:
        await edge.stop()
        await bus.close()
    assert 'souk_http_requests_total{method="GET",route="/api/users/{user_id}",status="404"}' in text
    assert 'souk_bus_requests_total{outcome="not_found",subject="svc.identity.get_user"}' in text
    assert "souk_worker_request_seconds_bucket" in text  # `souk run`: one process, one listener
