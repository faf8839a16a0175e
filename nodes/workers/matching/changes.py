"""A listing change (`BarterItemsChanged`, taken by one matching worker of the queue group):
exchanges whose items left the pool are dissolved (their participants told), and the part of the pool
around the owner, and around the partners who lost their exchange, is matched again at once with the
short time limit (`[matching] change_time_limit_s`). Changes that arrive while a re-match runs wait
and are matched together in the next one (`deps.Coalesced`); a worker solves one run at a time.

An item that changed but is still active keeps its exchange: the participants agreed on it. An
exchange every participant confirmed is being completed (its items are archived for it): it is
never dissolved here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from protocols import matching as wire
from protocols.envelope import Actor
from protocols.market_barter import BarterItemsChanged

from . import queries
from .deps import MatchingDeps
from .exchanges import current
from .handlers import handlers
from .pipeline import run


@handlers.on(BarterItemsChanged)
async def items_changed(event: BarterItemsChanged, _actor: Actor, deps: MatchingDeps) -> None:
    # Patched here too: this worker's own copy may not have heard the announcement yet (pool_cache).
    active = await deps.pool.patch(event.item_ids) if event.item_ids else set()
    gone = [item for item in event.item_ids if item not in active]
    partners = await dissolve_gone(deps, gone) if gone else set()
    most = deps.settings.matching.default_max_participants
    await deps.rematch.run(
        {event.owner_id, *partners}, lambda focus: run(deps, wire.RunTrigger.CHANGE, focus, 2, most)
    )


async def dissolve_gone(deps: MatchingDeps, gone: list[int]) -> set[int]:
    """Dissolves the open exchanges holding items that are no longer active; their participants."""
    async with deps.read_db() as db:
        affected = await queries.open_exchanges_with(db, gone)
    people: set[int] = set()
    now = datetime.now(UTC)
    for exchange_id in affected:
        exchange = await current(deps, exchange_id)
        if all(leg.confirmed_at for leg in exchange.legs):
            continue  # being completed: its items were archived for it
        async with deps.db() as db:
            if await queries.dissolve(db, exchange_id, now):
                await queries.add_event(db, exchange_id, "dissolved", now, None, "an item was withdrawn")
                people.update(exchange.participant_ids)
            await db.commit()
    return people
