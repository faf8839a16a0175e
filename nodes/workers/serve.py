"""Running worker domains in this process: open each domain's deps, serve, and stop in order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings
from nodes.runtime.worker import WorkerRuntime

from . import load_domain

log = logging.getLogger(__name__)


class RunningWorkers:
    """The worker runtimes of one process; `stop` finishes every accepted request first."""

    def __init__(self) -> None:
        self.runtimes: list[WorkerRuntime[Any]] = []
        self._stack = AsyncExitStack()
        self._started: set[asyncio.Task[None]] = set()

    async def start(self, bus: Bus, settings: Settings, names: tuple[str, ...]) -> None:
        hooks: list[tuple[Callable[[Any], Coroutine[Any, Any, None]], Any]] = []
        for name in names:
            domain = load_domain(name)
            deps = await self._stack.enter_async_context(domain.open_deps(settings, bus))
            runtime = WorkerRuntime(bus, domain.handlers, deps, max_inflight=settings.workers.max_inflight)
            await runtime.start()
            self.runtimes.append(runtime)
            if domain.started is not None:
                hooks.append((domain.started, deps))
        # After every domain of this process serves: a hook may ask one started beside it.
        for hook, deps in hooks:
            task = asyncio.create_task(hook(deps))
            self._started.add(task)
            task.add_done_callback(self._hook_done)

    def _hook_done(self, task: asyncio.Task[None]) -> None:
        self._started.discard(task)
        if not task.cancelled() and (failed := task.exception()) is not None:
            # A hook handles what it expects; anything else is a bug, logged at once (not when the task
            # is collected).
            log.error("a domain's start-up work failed", exc_info=failed)

    async def stop(self) -> None:
        running = list(self._started)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        # Last started, first stopped: a domain that asks another (presence asks chat) finishes its
        # accepted requests while the one it asks is still there.
        for runtime in reversed(self.runtimes):
            await runtime.stop()
        await self._stack.aclose()
