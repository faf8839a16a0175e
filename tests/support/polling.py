"""Waiting for what propagates between processes (a revocation reaching every edge), with a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiohttp import ClientResponse


async def status_becomes(
    expected: int, request: Callable[[], Awaitable[ClientResponse]], *, within_s: float = 3.0
) -> int:
    """Repeat `request` until it answers `expected` or the time is up; returns the last status."""
    deadline = time.monotonic() + within_s
    status = (await request()).status
    while status != expected and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        status = (await request()).status
    return status
