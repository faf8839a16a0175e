"""What the benchmarks share about the processes they start: the CPU each spent, and waiting for an
edge to be ready."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import aiohttp


def cpu_seconds(pid: int) -> float:
    """The process's user and system CPU time so far (Linux); 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def until_ready(http: aiohttp.ClientSession, url: str, within_s: float = 30.0) -> None:
    """Returns once `url` (an edge's /ready) answers 200."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while loop.time() < deadline:
        try:
            async with http.get(url) as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} never became ready")
