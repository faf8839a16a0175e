"""Telling owners of new fault codes, once per occurrence, through notify.

The occurrence is stored with its samples; its notice is sent after that commit, and marked sent once
notify has answered. One not sent (notify did not answer, the worker died) is sent again by the
scheduled retention run; notify gives the notification of a key (the occurrence's id) once, so the
owner is told once whichever send gets through first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.notices import tell
from protocols import notify
from protocols.telemetry import FAULT_CODE
from storage.models.telemetry import Fault

from . import queries
from .codes import describe


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
    told = await tell(bus, [(f.id, notice_of(f)) for f in faults], lambda fault_id: f"fault {fault_id}")
    if told.done:
        async with db() as session:
            await queries.mark_notified(session, told.done, datetime.now(UTC))
            await session.commit()
    return len(told.done)
