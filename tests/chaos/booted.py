"""What both the chaos and the cluster modules do with a planned topology: boot it for one test,
tear it down whatever happens, and attach the end of every process's log to that test's failure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest

from tests.chaos.topology import Topology

TOPOLOGY = pytest.StashKey[Topology]()


@asynccontextmanager
async def booted(
    topology: Topology, node: pytest.Item, http: aiohttp.ClientSession
) -> AsyncIterator[Topology]:
    node.stash[TOPOLOGY] = topology
    try:
        await topology.boot(http)
        yield topology
    finally:
        await topology.procs.close()


def attach_logs(item: pytest.Item, report: pytest.TestReport, tail_lines: int) -> None:
    """A failure (the boot's included) shows the end of every process's log."""
    topology = item.stash.get(TOPOLOGY, None)
    if report.failed and topology is not None:
        for run in topology.procs.runs:
            tail = "\n".join(run.text().splitlines()[-tail_lines:])
            report.sections.append((f"log {run.log.name} (exit {run.proc.returncode})", tail))
