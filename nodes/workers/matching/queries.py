"""The matching tables' SQL. Each function runs on the caller's session; the caller commits.

Every change of an exchange's state is one conditional UPDATE whose row count says whether this
request made it (two participants answering at once, two workers completing one exchange: one
wins, the other sees it done), and every state change leaves an event on the exchange's timeline.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from protocols.matching import ExchangeKind, ExchangeSort, ExchangeStatus
from storage.models.matching import Exchange, ExchangeEvent, ExchangeLeg, ItemClaim, MatchingRun

OPEN = (ExchangeStatus.PROPOSED.value, ExchangeStatus.ACTIVE.value)
# The events whose participants are told (the outbox); the others are the timeline only.
TOLD = ("created", "agreed", "completed", "dissolved")


@dataclass(frozen=True)
class PlannedLeg:
    user_id: int
    gives_item_id: int
    receives_item_id: int
    fills_want_id: int | None


@dataclass(frozen=True)
class Planned:
    """An exchange the engine chose: its legs in ring order (each gives to the next)."""

    legs: tuple[PlannedLeg, ...]
    score: float

    @property
    def kind(self) -> ExchangeKind:
        return ExchangeKind.MUTUAL if len(self.legs) == 2 else ExchangeKind.CHAIN

    @property
    def claimed_items(self) -> list[int]:
        wants = [leg.fills_want_id for leg in self.legs if leg.fills_want_id is not None]
        return list(dict.fromkeys([*(leg.gives_item_id for leg in self.legs), *wants]))


def mutual_id(legs: Sequence[PlannedLeg]) -> str:
    """The contract's `mutual_{user_a}_{user_b}_{item_a}_{item_b}`: the lower user id first, each
    with the item he gives."""
    a, b = sorted(legs[:2], key=lambda leg: leg.user_id)
    return f"mutual_{a.user_id}_{b.user_id}_{a.gives_item_id}_{b.gives_item_id}"


# --- runs ------------------------------------------------------------------------------------------


async def start_run(db: AsyncSession, trigger: str, scope_user_id: int | None, now: datetime) -> int:
    run = MatchingRun(trigger=trigger, scope_user_id=scope_user_id, status="running", started_at=now)
    db.add(run)
    await db.flush()
    return run.id


async def finish_run(db: AsyncSession, run_id: int, now: datetime, errors: list[str], **counts: int) -> None:
    await db.execute(
        update(MatchingRun)
        .where(MatchingRun.id == run_id)
        .values(
            status="failed" if errors else "success",
            finished_at=now,
            errors=json.dumps(errors) if errors else None,
            **counts,
        )
    )


async def count_notified(db: AsyncSession, run_id: int, people: int) -> None:
    await db.execute(
        update(MatchingRun)
        .where(MatchingRun.id == run_id)
        .values(participants_notified=MatchingRun.participants_notified + people)
    )


async def last_finished_run(db: AsyncSession) -> MatchingRun | None:
    query = select(MatchingRun).where(MatchingRun.finished_at.is_not(None))
    return await db.scalar(query.order_by(MatchingRun.id.desc()).limit(1))


# --- the pool --------------------------------------------------------------------------------------


async def claimed_items(db: AsyncSession) -> set[int]:
    """Items of proposed and active exchanges: out of the pool."""
    return set(await db.scalars(select(ItemClaim.item_id)))


async def open_exchanges_with(db: AsyncSession, item_ids: Sequence[int]) -> list[int]:
    """The proposed or active exchanges that hold any of these items."""
    query = select(ItemClaim.exchange_id).where(ItemClaim.item_id.in_(item_ids)).distinct()
    return sorted(await db.scalars(query))


# --- exchanges -------------------------------------------------------------------------------------


async def insert_exchange(db: AsyncSession, planned: Planned, run_id: int, now: datetime) -> Exchange | None:
    """The exchange, its legs and its claims on its items, or None when another run has claimed one of
    them first (the claims' primary key decides; the savepoint leaves the rest of the run's work).

    A swap's id names its two offers, so the same two offers meeting again name an exchange that may
    exist already: a dissolved one is reopened (see `reopen`); an open or completed one, or one a
    participant declined, is not proposed again (None)."""
    mutual = planned.kind is ExchangeKind.MUTUAL
    # A swap's ring of two reads either way: its lower user first, as in its id.
    legs = sorted(planned.legs, key=lambda leg: leg.user_id) if mutual else list(planned.legs)
    status = ExchangeStatus.ACTIVE if mutual else ExchangeStatus.PROPOSED
    try:
        async with db.begin_nested():
            row = await exchange_by_public_id(db, mutual_id(planned.legs)) if mutual else None
            if row is not None:
                if not await reopen(db, row.id, planned.score, run_id, now):
                    return None
                await db.refresh(row)
                details = "Exchange proposed again: its items met again after it was dissolved"
            else:
                row = Exchange(
                    public_id=mutual_id(planned.legs) if mutual else f"chain_pending_{run_id}_{planned.legs[0].gives_item_id}",
                    kind=planned.kind.value, status=status.value, score=planned.score, run_id=run_id,
                    created_at=now, updated_at=now, agreed_at=now if mutual else None,
                )  # fmt: skip
                db.add(row)
                await db.flush()
                if not mutual:
                    row.public_id = f"chain_{row.id}"
                details = "Exchange created via matching"
            db.add_all(
                ExchangeLeg(
                    exchange_id=row.id,
                    position=n,
                    user_id=leg.user_id,
                    gives_item_id=leg.gives_item_id,
                    receives_item_id=leg.receives_item_id,
                    fills_want_id=leg.fills_want_id,
                )
                for n, leg in enumerate(legs)
            )
            db.add_all(ItemClaim(item_id=item, exchange_id=row.id) for item in planned.claimed_items)
            db.add(ExchangeEvent(exchange_id=row.id, event_type="created", at=now, details=details))
            await db.flush()
    except IntegrityError:
        return None
    return row


async def reopen(db: AsyncSession, exchange_id: int, score: float, run_id: int, now: datetime) -> bool:
    """A dissolved swap whose two offers met again is agreed again, as found: its legs go (the caller
    writes them anew, without anyone's acceptance or confirmation, and with the wants they fill now)
    and its timeline goes on. False when it is not dissolved, or when a participant declined it: who
    said no is not asked again about the same two items (the contract has no way to decline a swap
    today, so this guards a future one)."""
    declined = exists().where(ExchangeLeg.exchange_id == exchange_id, ExchangeLeg.declined_at.is_not(None))
    done = await _changed(db, update(Exchange).where(
        Exchange.id == exchange_id, Exchange.status == ExchangeStatus.DISSOLVED.value, ~declined,
    ).values(
        status=ExchangeStatus.ACTIVE.value, score=score, run_id=run_id, updated_at=now, agreed_at=now,
        dissolved_at=None, completed_at=None,
    ))  # fmt: skip
    if done:
        await db.execute(delete(ExchangeLeg).where(ExchangeLeg.exchange_id == exchange_id))
    return done


async def exchange_by_public_id(db: AsyncSession, public_id: str) -> Exchange | None:
    return await db.scalar(
        select(Exchange).where(Exchange.public_id == public_id).execution_options(populate_existing=True)
    )


async def exchanges_by_id(db: AsyncSession, ids: Sequence[int]) -> list[Exchange]:
    query = select(Exchange).where(Exchange.id.in_(ids)).order_by(Exchange.id)
    return list(await db.scalars(query.execution_options(populate_existing=True)))


async def legs_of(db: AsyncSession, exchange_ids: Sequence[int]) -> dict[int, list[ExchangeLeg]]:
    query = select(ExchangeLeg).where(ExchangeLeg.exchange_id.in_(exchange_ids))
    legs: dict[int, list[ExchangeLeg]] = {exchange_id: [] for exchange_id in exchange_ids}
    for leg in await db.scalars(
        query.order_by(ExchangeLeg.exchange_id, ExchangeLeg.position).execution_options(
            populate_existing=True
        )
    ):
        legs[leg.exchange_id].append(leg)
    return legs


SORTS: dict[ExchangeSort, Any] = {
    ExchangeSort.CREATED: Exchange.created_at,
    ExchangeSort.SCORE: Exchange.score,
    ExchangeSort.PARTICIPANTS: (
        select(func.count())
        .where(ExchangeLeg.exchange_id == Exchange.id)
        .correlate(Exchange)
        .scalar_subquery()
    ),
}


async def exchange_page(
    db: AsyncSession,
    user_id: int | None,
    kind: ExchangeKind | None,
    statuses: Sequence[ExchangeStatus] | None,
    sort: ExchangeSort,
    descending: bool,
    offset: int,
    limit: int,
) -> tuple[list[Exchange], int]:
    where: list[ColumnElement[bool]] = []
    if user_id is not None:
        where.append(Exchange.id.in_(select(ExchangeLeg.exchange_id).where(ExchangeLeg.user_id == user_id)))
    if kind is not None:
        where.append(Exchange.kind == kind.value)
    if statuses:
        where.append(Exchange.status.in_([status.value for status in statuses]))
    total = await db.scalar(select(func.count()).select_from(Exchange).where(*where)) or 0
    key = SORTS[sort]
    order = (key.desc(), Exchange.id.desc()) if descending else (key.asc(), Exchange.id.asc())
    rows = await db.scalars(select(Exchange).where(*where).order_by(*order).offset(offset).limit(limit))
    return list(rows), total


# --- what participants say -------------------------------------------------------------------------


def _leg(exchange_id: int, user_id: int) -> tuple[ColumnElement[bool], ...]:
    return (ExchangeLeg.exchange_id == exchange_id, ExchangeLeg.user_id == user_id)


def _in_status(exchange_id: int, *statuses: str) -> ColumnElement[bool]:
    return exists().where(Exchange.id == exchange_id, Exchange.status.in_(statuses))


async def _changed(db: AsyncSession, statement: Any) -> bool:
    result = await db.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0) > 0


async def accept_leg(db: AsyncSession, exchange_id: int, user_id: int, now: datetime) -> bool:
    """The user's acceptance of a proposed chain; False when he had accepted already (or it is not
    proposed any more)."""
    return await _changed(db, update(ExchangeLeg).where(
        *_leg(exchange_id, user_id), ExchangeLeg.accepted_at.is_(None), ExchangeLeg.declined_at.is_(None),
        _in_status(exchange_id, ExchangeStatus.PROPOSED.value),
    ).values(accepted_at=now))  # fmt: skip


async def agree_if_all_accepted(db: AsyncSession, exchange_id: int, now: datetime) -> bool:
    """The chain becomes active when nobody has yet to accept; True for the one request that did it."""
    waiting = exists().where(ExchangeLeg.exchange_id == exchange_id, ExchangeLeg.accepted_at.is_(None))
    return await _changed(db, update(Exchange).where(
        Exchange.id == exchange_id, Exchange.status == ExchangeStatus.PROPOSED.value, ~waiting,
    ).values(status=ExchangeStatus.ACTIVE.value, agreed_at=now, updated_at=now))  # fmt: skip


async def decline_leg(db: AsyncSession, exchange_id: int, user_id: int, now: datetime) -> bool:
    return await _changed(db, update(ExchangeLeg).where(
        *_leg(exchange_id, user_id), ExchangeLeg.declined_at.is_(None),
        _in_status(exchange_id, ExchangeStatus.PROPOSED.value),
    ).values(declined_at=now))  # fmt: skip


async def dissolve(db: AsyncSession, exchange_id: int, now: datetime, statuses: Sequence[str] = OPEN) -> bool:
    """The exchange is dissolved and its items return to the pool; False if it was not in `statuses`."""
    done = await _changed(db, update(Exchange).where(
        Exchange.id == exchange_id, Exchange.status.in_(statuses),
    ).values(status=ExchangeStatus.DISSOLVED.value, dissolved_at=now, updated_at=now))  # fmt: skip
    if done:
        await db.execute(delete(ItemClaim).where(ItemClaim.exchange_id == exchange_id))
    return done


async def confirm_leg(db: AsyncSession, exchange_id: int, user_id: int, now: datetime) -> bool:
    return await _changed(db, update(ExchangeLeg).where(
        *_leg(exchange_id, user_id), ExchangeLeg.confirmed_at.is_(None),
        _in_status(exchange_id, ExchangeStatus.ACTIVE.value),
    ).values(confirmed_at=now))  # fmt: skip


async def unconfirm_leg(db: AsyncSession, exchange_id: int, user_id: int) -> None:
    await db.execute(update(ExchangeLeg).where(*_leg(exchange_id, user_id)).values(confirmed_at=None))


async def complete(db: AsyncSession, exchange_id: int, now: datetime) -> bool:
    """Active and confirmed by everyone, it is completed; True for the one request that did it."""
    waiting = exists().where(ExchangeLeg.exchange_id == exchange_id, ExchangeLeg.confirmed_at.is_(None))
    done = await _changed(db, update(Exchange).where(
        Exchange.id == exchange_id, Exchange.status == ExchangeStatus.ACTIVE.value, ~waiting,
    ).values(status=ExchangeStatus.COMPLETED.value, completed_at=now, updated_at=now))  # fmt: skip
    if done:  # its items are archived: they never come back to the pool
        await db.execute(delete(ItemClaim).where(ItemClaim.exchange_id == exchange_id))
    return done


async def confirmed_by_everyone(db: AsyncSession, limit: int) -> list[int]:
    """Active exchanges that every participant confirmed but that are not completed (their worker
    stopped between the market's archive and the completion): each is completed again."""
    waiting = exists().where(ExchangeLeg.exchange_id == Exchange.id, ExchangeLeg.confirmed_at.is_(None))
    query = select(Exchange.id).where(Exchange.status == ExchangeStatus.ACTIVE.value, ~waiting)
    return list(await db.scalars(query.order_by(Exchange.id).limit(limit)))


# --- the timeline and its outbox -------------------------------------------------------------------


async def add_event(
    db: AsyncSession, exchange_id: int, event_type: str, now: datetime, user_id: int | None = None,
    details: str | None = None,
) -> None:  # fmt: skip
    db.add(
        ExchangeEvent(
            exchange_id=exchange_id, event_type=event_type, user_id=user_id, at=now, details=details
        )
    )
    await db.flush()


async def untold_events(db: AsyncSession, limit: int) -> list[ExchangeEvent]:
    query = select(ExchangeEvent).where(ExchangeEvent.told_at.is_(None), ExchangeEvent.event_type.in_(TOLD))
    return list(await db.scalars(query.order_by(ExchangeEvent.id).limit(limit)))


async def mark_told(db: AsyncSession, event_ids: Sequence[int], now: datetime) -> None:
    if event_ids:
        await db.execute(update(ExchangeEvent).where(ExchangeEvent.id.in_(event_ids)).values(told_at=now))
