"""Exchanges: one of the actor's, a page of them, and confirming that one took place.

Confirming. Each participant of an active exchange confirms; the last one's confirmation archives the
exchange's items at the market (all or nothing) and completes it. The confirmation is committed
first, then the market archives, then the exchange is completed: an exchange every participant
confirmed is the durable intent to archive. A worker that stops after its commit (before or after
the market's archive) leaves such an exchange active; the archive is idempotent per exchange id, so
the participant's repeated confirm, or the next scheduled run (`settle_confirmed`), archives again
(answered as the first time) and completes it. A listing change never dissolves such an exchange.

Choices where the contract is silent:

- An item the market will not archive (archived or hidden meanwhile) refuses the last confirmation
  with `conflict`: it is taken back and nothing else changes. When the scheduled run meets that, the
  exchange cannot take place any more: it is dissolved and its participants told.
- A repeated confirm changes nothing (`changed` false); so does a confirm of a completed exchange.
  A proposed chain (not yet accepted by everyone) and a dissolved exchange refuse it (`conflict`).
- The system may read any exchange (other domains ask for their users); anyone who is not a
  participant is answered `not_found`, as for a missing one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from protocols import matching as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.market_barter import ArchiveBarterItems
from storage.models.matching import Exchange, ExchangeLeg

from . import queries
from .deps import MatchingDeps
from .handlers import handlers
from .pipeline import tell_now
from .views import exchange_view

NOT_FOUND = "Exchange not found"
STAFF = (Role.ADMIN, Role.SYSTEM)


async def load(deps: MatchingDeps, public_id: str, actor: Actor) -> tuple[Exchange, list[ExchangeLeg]]:
    """The exchange and its legs, when the actor takes part in it (or is the system)."""
    async with deps.read_db() as db:
        row = await queries.exchange_by_public_id(db, public_id)
        legs = (await queries.legs_of(db, [row.id]))[row.id] if row is not None else []
    if row is None or (actor.role is not Role.SYSTEM and actor.user_id not in {leg.user_id for leg in legs}):
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return row, legs


async def current(deps: MatchingDeps, exchange_id: int) -> wire.Exchange:
    async with deps.read_db() as db:
        [row] = await queries.exchanges_by_id(db, [exchange_id])
        return exchange_view(row, (await queries.legs_of(db, [exchange_id]))[exchange_id])


@handlers.on(wire.GetExchange)
async def get_exchange(cmd: wire.GetExchange, actor: Actor, deps: MatchingDeps) -> wire.Exchange:
    if actor.role is not Role.SYSTEM:
        actor.require_user()
    row, legs = await load(deps, cmd.public_id, actor)
    return exchange_view(row, legs)


@handlers.on(wire.ListExchanges)
async def list_exchanges(cmd: wire.ListExchanges, actor: Actor, deps: MatchingDeps) -> wire.ExchangePage:
    user_id = cmd.user_id
    if actor.role not in STAFF:
        me = actor.require_user()
        if user_id is not None and user_id != me:
            raise DomainError(ErrorCode.FORBIDDEN, "One's own exchanges only")
        user_id = me
    async with deps.read_db() as db:
        rows, total = await queries.exchange_page(
            db, user_id, cmd.kind, cmd.statuses, cmd.sort, cmd.descending, cmd.offset, cmd.limit
        )
        legs = await queries.legs_of(db, [row.id for row in rows])
    return wire.ExchangePage(items=[exchange_view(row, legs[row.id]) for row in rows], total=total)


@handlers.on(wire.ConfirmExchange)
async def confirm_exchange(
    cmd: wire.ConfirmExchange, actor: Actor, deps: MatchingDeps
) -> wire.ExchangeAnswer:
    me = actor.require_user()
    row, legs = await load(deps, cmd.public_id, actor)
    mine = next(leg for leg in legs if leg.user_id == me)
    if row.status == wire.ExchangeStatus.COMPLETED.value:
        return wire.ExchangeAnswer(exchange=exchange_view(row, legs), changed=False)
    if row.status != wire.ExchangeStatus.ACTIVE.value:
        raise DomainError(ErrorCode.CONFLICT, _not_active(row))
    changed = False
    if mine.confirmed_at is None:
        now = datetime.now(UTC)
        async with deps.db() as db:
            changed = await queries.confirm_leg(db, row.id, me, now)
            if changed:
                await queries.add_event(
                    db, row.id, "confirmed", now, me, "Exchange confirmed by a participant"
                )
            await db.commit()
    archived: list[int] = []
    exchange = await current(deps, row.id)
    if exchange.status is wire.ExchangeStatus.ACTIVE and all(leg.confirmed_at for leg in exchange.legs):
        try:
            archived = await complete(deps, exchange)
        except DomainError as exc:
            if changed and exc.code is ErrorCode.CONFLICT:  # taken back: nothing changes
                async with deps.db() as db:
                    await queries.unconfirm_leg(db, row.id, me)
                    await db.commit()
            raise
        exchange = await current(deps, row.id)
    elif (
        exchange.status is not wire.ExchangeStatus.ACTIVE
        and exchange.status is not wire.ExchangeStatus.COMPLETED
    ):
        raise DomainError(ErrorCode.CONFLICT, _not_active(row))  # dissolved meanwhile
    return wire.ExchangeAnswer(exchange=exchange, changed=changed, items_archived=archived)


def _not_active(row: Exchange) -> str:
    if row.status == wire.ExchangeStatus.PROPOSED.value:
        return "Not every participant has accepted this chain yet"
    return "This exchange was cancelled"


async def complete(deps: MatchingDeps, exchange: wire.Exchange) -> list[int]:
    """Archives the items of an exchange every participant confirmed, then completes it; the items
    archived. The market's `conflict` (an item no longer active) is raised as it came."""
    items = [leg.gives_item_id for leg in exchange.legs]
    try:
        archived = await deps.bus.request(
            ArchiveBarterItems(item_ids=items, exchange_id=exchange.public_id), actor=Actor.system()
        )
    except DomainError as exc:
        if exc.code is ErrorCode.CONFLICT:
            raise DomainError(ErrorCode.CONFLICT, "An item of this exchange is no longer available") from None
        raise
    now = datetime.now(UTC)
    async with deps.db() as db:
        if await queries.complete(db, exchange.id, now):
            await queries.add_event(db, exchange.id, "completed", now, None, "Items exchanged successfully")
        await db.commit()
    await tell_now(deps)
    return archived.item_ids


async def settle_confirmed(deps: MatchingDeps, most: int) -> None:
    """Completes the exchanges every participant confirmed that a stopped worker left active; one
    whose items the market will not archive any more is dissolved."""
    async with deps.read_db() as db:
        ids = await queries.confirmed_by_everyone(db, most)
    for exchange_id in ids:
        exchange = await current(deps, exchange_id)
        try:
            await complete(deps, exchange)
        except DomainError as exc:
            if exc.code is not ErrorCode.CONFLICT:
                raise
            now = datetime.now(UTC)
            async with deps.db() as db:
                if await queries.dissolve(db, exchange_id, now):
                    await queries.add_event(
                        db, exchange_id, "dissolved", now, None, "an item is no longer available"
                    )
                await db.commit()
    await tell_now(deps)
