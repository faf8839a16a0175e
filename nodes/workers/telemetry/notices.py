"""Telling owners of new fault codes, once per occurrence, through notify.

The occurrence is stored with its samples; its notice is sent after that commit, and marked sent once
notify has answered. One not sent (notify did not answer, the worker died) is sent again by the
scheduled retention run; notify gives the notification of a key (the occurrence's id) once, so the
owner is told once whichever send gets through first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from protocols import notify
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.telemetry import FAULT_CODE
from storage.models.telemetry import Fault

from . import queries
from .codes import describe

log = logging.getLogger(__name__)

SENT_AT_ONCE = 16
REFUSED_FOR_GOOD = (ErrorCode.NOT_FOUND, ErrorCode.VALIDATION, ErrorCode.FORBIDDEN)


def notice_of(fault: Fault) -> notify.Notify:
    description = describe(fault.code)
    return notify.Notify(
        user_ids=[fault.owner_id],
        type=FAULT_CODE,
        title=f"Fault code {fault.code}",
        message=description,
        payload={
            "vehicleId": fault.vehicle_id,
            "code": fault.code,
            "description": description,
            "firstSeen": fault.first_seen,
        },
        dedupe_key=f"{FAULT_CODE}:{fault.id}",
    )


async def send(bus: Bus, db: async_sessionmaker[AsyncSession], faults: Sequence[Fault]) -> int:
    """Send the notices of `faults`; how many left the queue (sent, or refused for good)."""
    done: list[int] = []
    for start in range(0, len(faults), SENT_AT_ONCE):
        chunk = faults[start : start + SENT_AT_ONCE]
        results = await asyncio.gather(
            *(bus.request(notice_of(f), actor=Actor.system()) for f in chunk), return_exceptions=True
        )
        for fault, result in zip(chunk, results, strict=True):
            if not isinstance(result, BaseException):
                done.append(fault.id)
            elif isinstance(result, DomainError) and result.code in REFUSED_FOR_GOOD:
                done.append(fault.id)
                log.warning("the owner of fault %d cannot be told: %s", fault.id, result.message)
            else:
                log.warning("fault %d not told yet (a later run tries again): %r", fault.id, result)
    if done:
        async with db() as session:
            await queries.mark_notified(session, done, datetime.now(UTC))
            await session.commit()
    return len(done)
