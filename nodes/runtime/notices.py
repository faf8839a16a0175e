"""Notices that a worker keeps queued until notify has answered for them (an expired ad, a fault
code, an appointment reminder): sent a few at a time, each with its `dedupe_key`, so a notice sent
again after a lost answer still reaches its user once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.notify import Notify

from .bus import Bus

log = logging.getLogger(__name__)

K = TypeVar("K")
SENT_AT_ONCE = 32  # notify requests in flight together
# What notify refuses for good (the user is gone, the notice malformed): sending again would not help.
REFUSED_FOR_GOOD = (ErrorCode.NOT_FOUND, ErrorCode.VALIDATION, ErrorCode.FORBIDDEN)


@dataclass
class Told(Generic[K]):
    done: list[K] = field(default_factory=list)  # the keys that leave the queue: told, or refused for good
    sent: int = 0  # of those, notices given now (not found given already by an earlier send)


async def tell(bus: Bus, notices: Sequence[tuple[K, Notify]], what: Callable[[K], str]) -> Told[K]:
    """Sends each (key, notice); a notice notify did not answer for stays queued for a later run.
    `what` names a key's notice in the log."""
    told = Told[K]()
    for start in range(0, len(notices), SENT_AT_ONCE):
        chunk = notices[start : start + SENT_AT_ONCE]
        results = await asyncio.gather(
            *(bus.request(notice, actor=Actor.system()) for _, notice in chunk), return_exceptions=True
        )
        for (key, _), result in zip(chunk, results, strict=True):
            if not isinstance(result, BaseException):
                told.done.append(key)
                told.sent += result.given_before == 0
            elif isinstance(result, DomainError) and result.code in REFUSED_FOR_GOOD:
                told.done.append(key)
                log.warning("%s cannot be told: %s", what(key), result.message)
            else:
                log.warning("%s not told yet (a later run tries again): %r", what(key), result)
    return told
