"""The separate-process topology (tests/chaos) on a three-node NATS cluster of its own and a scratch
PostgreSQL database, torn down whatever happens, with every process's log attached to a failure."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from pathlib import Path

import aiohttp
import pytest

from tests.chaos.booted import attach_logs, booted
from tests.chaos.topology import Topology
from tests.cluster.environment import CLUSTER_ENV
from tests.conftest import scratch_postgres
from tests.support.nats_cluster import NatsCluster, nats_cluster

LOG_TAIL_LINES = 200


@pytest.fixture
async def cluster_nats(tmp_path: Path) -> AsyncIterator[NatsCluster]:
    async with nats_cluster(tmp_path / "nats") as cluster:
        yield cluster


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
        yield session


@pytest.fixture
async def topology(
    request: pytest.FixtureRequest, cluster_nats: NatsCluster, tmp_path: Path, http: aiohttp.ClientSession
) -> AsyncIterator[Topology]:
    async with scratch_postgres() as database_url:
        topology = Topology.plan(
            database_url, tmp_path, nats_url=cluster_nats.url, schedulers=2, env=CLUSTER_ENV
        )
        async with booted(topology, request.node, http):
            yield topology


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    attach_logs(item, report, LOG_TAIL_LINES)
    return report
