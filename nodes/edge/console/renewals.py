"""One renewal per expired console session on this edge. A page and its live stream, or two tabs, may
arrive together with the same expired access token: each presenting the same refresh token to
identity would rotate it once and then present a rotated token, which identity reads as a stolen
token and ends the session. So concurrent renewals with one refresh token share one `Refresh`, and
its new tokens answer that refresh token for a few seconds more (requests already on their way).

Requests on two different edges may still renew at once: identity's reuse grace
(`[auth] refresh_reuse_grace_s`) gives the second the same successor instead of ending the session."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import time
from collections.abc import Awaitable, Callable

from protocols.identity import TokenPair

KEEP_S = 10.0  # how long a renewal's tokens answer the refresh token they replaced


class Renewals:
    def __init__(self, keep_s: float = KEEP_S) -> None:
        self._keep_s = keep_s
        self._running: dict[str, asyncio.Task[TokenPair | None]] = {}
        self._done: dict[str, tuple[float, TokenPair]] = {}

    async def renew(
        self, refresh_token: str, refresh: Callable[[], Awaitable[TokenPair | None]]
    ) -> TokenPair | None:
        """`refresh()`'s tokens, asked once for concurrent and closely following callers. The refresh
        runs as a task of its own: a caller that goes away does not cancel it for the others."""
        key = hashlib.sha256(refresh_token.encode()).hexdigest()  # no token kept in the clear
        now = time.monotonic()
        self._done = {k: done for k, done in self._done.items() if now - done[0] < self._keep_s}
        if key in self._done:
            return self._done[key][1]
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(refresh())
            self._running[key] = task
            task.add_done_callback(functools.partial(self._finished, key))
        return await asyncio.shield(task)

    def _finished(self, key: str, task: asyncio.Task[TokenPair | None]) -> None:
        del self._running[key]
        if not task.cancelled() and task.exception() is None and (tokens := task.result()) is not None:
            self._done[key] = (time.monotonic(), tokens)
