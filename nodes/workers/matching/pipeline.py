"""One run of the engine: read the pool, let the engine choose exchanges, store them, tell people.

Two runs at once (two matching workers; the scheduler's run beside a user's, or a listing change's)
may choose the same item. The database decides: an exchange's items are claimed in
`matching_item_claims`, whose primary key is the item, in the exchange's own savepoint; the run that
commits a claim second fails its insert and leaves that exchange out (on PostgreSQL the second insert
waits for the first transaction and fails once it commits). Nothing is locked while the engine works,
so a run that lost some items keeps every exchange it found that does not touch them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from nodes.runtime.payloads import within_budget
from protocols import matching as wire
from protocols.envelope import DomainError

from . import queries
from .deps import MatchingDeps
from .notices import tell_pending
from .pool import read_pool
from .solve import choose
from .views import exchange_view

log = logging.getLogger(__name__)


async def run(
    deps: MatchingDeps,
    trigger: wire.RunTrigger,
    focus: Sequence[int] | None,
    fewest: int,
    most: int,
) -> wire.RunReport:
    """Matches the pool (around the `focus` users only, when given) into exchanges of `fewest` to
    `most` people; the run's row says what it found."""
    settings = deps.settings.matching
    limit_s = (
        settings.change_time_limit_s if trigger is wire.RunTrigger.CHANGE else settings.solver_time_limit_s
    )
    now = datetime.now(UTC)
    scope = focus[0] if focus is not None and len(focus) == 1 else None
    async with deps.db() as db:
        run_id = await queries.start_run(db, trigger.value, scope, now)
        await db.commit()
    errors: list[str] = []
    created: list[wire.Exchange] = []
    try:
        async with deps.solving:
            pool = await read_pool(deps, reload=focus is None)  # a full run reads the market's whole
            chosen = await asyncio.to_thread(
                choose, pool, settings, most=most, focus=focus, time_limit_s=limit_s
            )
        chosen = [planned for planned in chosen if len({leg.user_id for leg in planned.legs}) >= fewest]
        created = await _store(deps, run_id, chosen, now)
    except DomainError as exc:  # the market did not answer, or refused
        log.warning("matching run %d failed: %s", run_id, exc.message)
        errors.append(exc.message)
    except Exception as exc:
        errors.append(f"internal error: {type(exc).__name__}")
        await _finish(deps, run_id, created, errors)
        raise
    await _finish(deps, run_id, created, errors)
    notified = await tell_now(deps)
    if notified:
        async with deps.db() as db:
            await queries.count_notified(db, run_id, notified)
            await db.commit()
    return report(run_id, created, errors)


async def _store(
    deps: MatchingDeps, run_id: int, chosen: list[queries.Planned], now: datetime
) -> list[wire.Exchange]:
    # Chains first: their ids come out in the order the report lists them.
    ordered = sorted(chosen, key=lambda planned: len(planned.legs) == 2)
    async with deps.db() as db:
        rows = [
            row for planned in ordered if (row := await queries.insert_exchange(db, planned, run_id, now))
        ]
        legs = await queries.legs_of(db, [row.id for row in rows])
        created = [exchange_view(row, legs[row.id]) for row in rows]
        await db.commit()
    return created


async def _finish(deps: MatchingDeps, run_id: int, created: list[wire.Exchange], errors: list[str]) -> None:
    async with deps.db() as db:
        await queries.finish_run(
            db, run_id, datetime.now(UTC), errors,
            bilateral_matches=sum(e.kind is wire.ExchangeKind.MUTUAL for e in created),
            chains_discovered=sum(e.kind is wire.ExchangeKind.CHAIN for e in created),
            items_traded=sum(len(e.legs) for e in created),
        )  # fmt: skip
        await db.commit()


async def tell_now(deps: MatchingDeps) -> int:
    """The outbox sent now; a failure leaves it for a later run."""
    try:
        return await tell_pending(deps)
    except DomainError as exc:
        log.warning("exchange notices wait for a later run: %s", exc.message)
        return 0


def report(run_id: int, created: list[wire.Exchange], errors: list[str]) -> wire.RunReport:
    return wire.RunReport(
        run_id=run_id,
        bilateral_matches=sum(e.kind is wire.ExchangeKind.MUTUAL for e in created),
        exchange_chains=sum(e.kind is wire.ExchangeKind.CHAIN for e in created),
        total_participants=len({user for e in created for user in e.participant_ids}),
        items_traded=sum(len(e.legs) for e in created),
        errors=errors,
        created=within_budget(created),  # everyone's run may create thousands: the counts are whole
    )
