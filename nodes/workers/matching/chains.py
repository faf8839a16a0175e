"""A chain's participants accept or decline it.

A chain is proposed; when every participant accepted, it is active (its participants are told and
its chat is opened, with all of them); one decline dissolves it, and its items return to the pool at
once (the claims go with it), for the next run to match otherwise. Both are conditional UPDATEs, so
two participants answering at once agree the chain once.

Choices where the contract is silent:

- Accepting or declining again changes nothing and says so (`changed` false). Declining a chain
  that is already agreed, or answering one dissolved by someone else's decline, is a `conflict`.
- Only a participant may answer; anyone else is `not_found`, as for a missing chain. A bilateral
  swap is agreed as found: it is not a chain, and has nothing to accept.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from protocols import matching as wire
from protocols.chat import ConversationKind, OpenConversation
from protocols.envelope import Actor, DomainError, ErrorCode

from . import queries
from .deps import MatchingDeps
from .exchanges import current, load
from .handlers import handlers
from .pipeline import tell_now

log = logging.getLogger(__name__)

NOT_FOUND = "Chain not found"
DISSOLVED = "This chain was dissolved"


@handlers.on(wire.RespondToChain)
async def respond_to_chain(cmd: wire.RespondToChain, actor: Actor, deps: MatchingDeps) -> wire.ExchangeAnswer:
    me = actor.require_user()
    try:
        row, legs = await load(deps, f"chain_{cmd.exchange_id}", actor)
    except DomainError:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND) from None
    mine = next(leg for leg in legs if leg.user_id == me)
    now = datetime.now(UTC)
    agreed = changed = False
    async with deps.db() as db:
        if cmd.accept:
            changed = await queries.accept_leg(db, row.id, me, now)
            if changed:
                await queries.add_event(db, row.id, "accepted", now, me, "Chain accepted")
                agreed = await queries.agree_if_all_accepted(db, row.id, now)
                if agreed:
                    await queries.add_event(db, row.id, "agreed", now, None, "Every participant accepted")
        else:
            changed = await queries.decline_leg(db, row.id, me, now)
            if changed:
                reason = (cmd.reason or "").strip() or None
                await queries.add_event(db, row.id, "declined", now, me, reason)
                await queries.dissolve(db, row.id, now, [wire.ExchangeStatus.PROPOSED.value])
                await queries.add_event(db, row.id, "dissolved", now, me, reason or "A participant declined")
        await db.commit()
    exchange = await current(deps, row.id)
    if not changed:
        _refuse_unless_said(cmd.accept, mine.accepted_at is not None, mine.declined_at is not None, exchange)
    if agreed:
        others = [user for user in exchange.participant_ids if user != me]
        open_chat = OpenConversation(
            kind=ConversationKind.EXCHANGE, topic_id=exchange.public_id, with_users=others
        )
        try:
            await deps.bus.request(open_chat, actor=actor)
        except DomainError as exc:  # opened on first use instead (the exchange chat does so)
            log.warning("chat of %s not opened: %s", exchange.public_id, exc.message)
    if changed:
        await tell_now(deps)
    return wire.ExchangeAnswer(exchange=exchange, changed=changed)


def _refuse_unless_said(accept: bool, accepted: bool, declined: bool, exchange: wire.Exchange) -> None:
    """Nothing changed: fine when the participant had said this already, else a conflict."""
    if accept and accepted and exchange.status is not wire.ExchangeStatus.DISSOLVED:
        return
    if not accept and declined:
        return
    if exchange.status is wire.ExchangeStatus.DISSOLVED:
        raise DomainError(ErrorCode.CONFLICT, DISSOLVED)
    raise DomainError(ErrorCode.CONFLICT, "This chain was agreed by every participant already")
