"""Running a process's main coroutine on the configured event loop.

uvloop by default: every Souk process spends most of its time in the event loop's own machinery
(callbacks, futures, socket writes), and uvloop does that work in C. Measured with
bench/chat_throughput.py, it raised the messages a second the cluster sustains by about a quarter.
`[app] event_loop = "asyncio"` keeps the standard library's loop.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def loop_factory(choice: str) -> LoopFactory | None:
    """The factory of the chosen loop; None for the standard library's."""
    if choice == "asyncio":
        return None
    if choice != "uvloop":
        raise ValueError(f"unknown event loop {choice!r}: uvloop or asyncio")
    try:
        import uvloop
    except ImportError:  # not built for this platform: the standard loop does the same, slower
        log.warning("uvloop is not installed; running on asyncio's own event loop")
        return None
    return uvloop.new_event_loop


def tune_gc(threshold: int) -> None:
    """Collect garbage less often. An edge holds thousands of long-lived objects per hundred
    connections, and Python's defaults (700, 10, 10) walked them so often that collection was about
    a third of an edge's CPU under chat load (bench/chat_throughput.py, closed loop: 4,000 -> 5,000
    msg/s). Young collections every `threshold` allocations, older ones 50 and 100 times rarer."""
    if threshold > 0:
        gc.set_threshold(threshold, 50, 100)


def run(main: Coroutine[Any, Any, None], choice: str) -> None:
    factory = loop_factory(choice)
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main)
