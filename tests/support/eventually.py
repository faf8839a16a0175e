"""Waiting for a condition that takes a network round trip to check (a process coming back, a
readiness probe turning green), with a deadline: never a bare sleep, never a timed assert."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

POLL_S = 0.1


async def until(check: Callable[[], Awaitable[bool]], *, within_s: float, what: str) -> float:
    """Repeat `check` until it holds; the seconds it took. Fails naming `what` when time is up."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > within_s:
            raise AssertionError(f"{what}: not within {within_s:.1f} s")
        await asyncio.sleep(POLL_S)
    return time.monotonic() - started
