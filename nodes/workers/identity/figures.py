"""The console dashboard's figure of identity: accounts created per time bucket (staff only)."""

from __future__ import annotations

from nodes.workers.counting import require_counter
from protocols import identity as wire
from protocols.counts import Buckets
from protocols.envelope import Actor

from . import queries
from .deps import IdentityDeps
from .handlers import handlers


@handlers.on(wire.CountSignups)
async def count_signups(cmd: wire.CountSignups, actor: Actor, deps: IdentityDeps) -> Buckets:
    require_counter(actor)
    async with deps.read_db() as db:
        return await queries.signups(db, cmd)
