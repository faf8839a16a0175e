"""A booted separate-process topology per test, on a scratch PostgreSQL database (the store the
topology is run on in production: several processes writing one SQLite file is not what it is
for), torn down whatever happens, with every process's log attached to a failure's report."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from pathlib import Path

import aiohttp
import pytest

from tests.chaos.booted import attach_logs, booted
from tests.chaos.topology import Topology
from tests.conftest import scratch_postgres

LOG_TAIL_LINES = 300


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    async with scratch_postgres() as url:
        yield url


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
        yield session


@pytest.fixture
async def topology(
    request: pytest.FixtureRequest, postgres_url: str, tmp_path: Path, http: aiohttp.ClientSession
) -> AsyncIterator[Topology]:
    topology = Topology.plan(postgres_url, tmp_path)
    async with booted(topology, request.node, http):
        yield topology


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    attach_logs(item, report, LOG_TAIL_LINES)
    return report
