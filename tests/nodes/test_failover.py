"""Two replicas of a worker as real processes: killing one mid-traffic loses nothing that was answered."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
from pytest_aiohttp import AiohttpClient

from nodes.edge.app import create_app
from nodes.edge.auth import KeyRing
from nodes.edge.state import BUS
from nodes.runtime.bus import Bus
from nodes.runtime.embedded_nats import EmbeddedNats, free_ports
from protocols import subjects
from protocols.envelope import DomainError, decode_reply
from protocols.identity import GetUser
from protocols.system import Pong
from storage.migrate import upgrade
from tests.conftest import cluster_settings
from tests.support.edge_server import Edge

pytestmark = pytest.mark.database_agnostic

REPO = Path(__file__).resolve().parents[2]
Workers = tuple[Edge, list[subprocess.Popen[bytes]], list[int]]


def spawn_worker(nats_url: str, database_url: str, metrics_port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SOUK_NATS_URL": nats_url,
        "SOUK_DATABASE_URL": database_url,
        "SOUK_LOG_LEVEL": "WARNING",
    }
    command = ["worker", "identity", "--metrics-port", str(metrics_port)]
    return subprocess.Popen([sys.executable, "-m", "nodes.cli", *command], cwd=REPO, env=env)


async def wait_for_instances(bus: Bus, count: int) -> set[str]:
    seen: set[str] = set()
    for _ in range(200):
        with contextlib.suppress(DomainError):  # no instance answers yet: unavailable
            raw = await bus.request_raw(subjects.ping("identity"), b"", timeout=0.5)
            seen.add(decode_reply(raw, Pong).instance)
        if len(seen) >= count:
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"only {len(seen)} identity workers came up")


@pytest.fixture
async def two_workers(
    nats_server: EmbeddedNats, database_url: str, tmp_path: Path, aiohttp_client: AiohttpClient
) -> AsyncIterator[Workers]:
    await upgrade(database_url)
    settings = cluster_settings(nats_server.url, database_url, tmp_path / "var")
    ports = free_ports(2)
    procs = [spawn_worker(nats_server.url, database_url, port) for port in ports]
    # Generous: under a loaded CI machine two SQLite writers queue for the file lock; this test is
    # about draining losing nothing, not about latency.
    bus = await Bus.connect(nats_server.url, name="edge", request_timeout=10.0, echo=False)
    await wait_for_instances(bus, 2)
    keyring = KeyRing()
    client = await aiohttp_client(create_app(settings, bus, keyring))
    yield client, procs, ports
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    await bus.close()


async def drive(
    client: Edge, total: int, on_progress: int, act: Callable[[], None]
) -> list[tuple[int, str, dict[str, object]]]:
    """POST `total` new users, 16 at a time; call `act` once `on_progress` answers are in."""
    results: list[tuple[int, str, dict[str, object]]] = []
    gate = asyncio.Semaphore(16)
    acted = False

    async def one(i: int) -> None:
        nonlocal acted
        async with gate:
            resp = await client.post("/api/users/", json={"username": f"user_{i}"})
            results.append((resp.status, f"user_{i}", await resp.json()))
            if len(results) >= on_progress and not acted:
                acted = True
                act()

    await asyncio.gather(*(one(i) for i in range(total)))
    return results


async def assert_every_answer_holds(client: Edge, results: list[tuple[int, str, dict[str, object]]]) -> None:
    for status, username, body in results:
        assert status in (201, 503), (status, body)
        if status == 201:  # read back from identity itself (FreeMarket's profile also asks matching)
            got = await client.app[BUS].request(GetUser(user_id=int(str(body["id"]))))
            assert got.username == username
        else:
            assert body["error_type"] == "service_unavailable"


async def test_killing_a_replica_loses_no_answered_request(two_workers: Workers) -> None:
    client, procs, _ = two_workers
    results = await drive(client, 300, 60, procs[0].kill)
    await assert_every_answer_holds(client, results)
    after_kill = [r for r in results[80:] if r[0] == 201]
    assert after_kill, "the surviving replica kept serving"


async def test_sigterm_drains_without_dropping_anything(two_workers: Workers) -> None:
    client, procs, ports = two_workers
    results = await drive(client, 300, 60, lambda: procs[0].send_signal(signal.SIGTERM))
    assert [r for r in results if r[0] != 201] == []
    await assert_every_answer_holds(client, results)
    assert procs[0].wait(timeout=30) == 0
    # The survivor's own metrics listener counts what it handled.
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{ports[1]}/metrics") as resp:
        text = await resp.text()
    handled = re.search(
        r'souk_worker_requests_total\{outcome="ok",subject="svc.identity.create_user"\} (\d+)', text
    )
    assert handled and int(handled.group(1)) > 0
    assert "souk_worker_request_seconds_bucket" in text
