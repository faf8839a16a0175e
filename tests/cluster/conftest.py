"""The separate-process topology (tests/chaos) on a three-node NATS cluster of its own and a scratch
PostgreSQL database, torn down whatever happens, with every process's log attached to a failure."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from pathlib import Path

import aiohttp
import pytest

from tests.chaos.topology import Topology
from tests.cluster.environment import CLUSTER_ENV
from tests.conftest import scratch_postgres
from tests.support.nats_cluster import NatsCluster, nats_cluster

TOPOLOGY = pytest.StashKey[Topology]()
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
        request.node.stash[TOPOLOGY] = topology
        try:
            await topology.boot(http)
            yield topology
        finally:
            await topology.procs.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failure (the boot's included) shows the end of every process's log."""
    report = yield
    topology = item.stash.get(TOPOLOGY, None)
    if report.failed and topology is not None:
        for run in topology.procs.runs:
            tail = "\n".join(run.text().splitlines()[-LOG_TAIL_LINES:])
            report.sections.append((f"log {run.log.name} (exit {run.proc.returncode})", tail))
    return report
