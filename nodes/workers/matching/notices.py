"""Telling participants what became of their exchanges, through the notify domain.

The timeline's events that people are told of (created, agreed, completed, dissolved) are the
outbox: an event's state change and the event are one transaction, and the event is marked told
only once notify answered for every participant. Every run (and every answer that changed an
exchange) sends what is not told yet, so a worker that died between its commit and notify loses
nothing; notify's `dedupe_key` (the event and the user) tells each person once however often it is
sent.

What each is told: `bilateral_match` (the contract's payload: partner, partner_contact,
partner_item, your_item, score, message, with the exchange_id), `chain_proposal` in the same shape
(the partner is the one who gives to you; with the chain_id and every participant's username),
`chain_agreed`, `exchange_completed` and `exchange_dissolved`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nodes.runtime.bus import Bus
from nodes.runtime.notices import tell
from protocols.envelope import Actor, DomainError
from protocols.identity import GetUser, UserProfile
from protocols.market_barter import GetBarterItems
from protocols.notify import Notify
from storage.models.matching import Exchange, ExchangeEvent, ExchangeLeg

from . import queries
from .deps import MatchingDeps

log = logging.getLogger(__name__)

EVENTS_AT_ONCE = 200  # events one flush of the outbox sends


@dataclass(frozen=True)
class Person:
    username: str
    contact: str | None


async def people(bus: Bus, user_ids: Sequence[int]) -> dict[int, Person]:
    """Usernames and contacts, for notices and for the chains' listings; a user who is gone reads as
    `user_<id>`."""
    ids = list(dict.fromkeys(user_ids))
    found = await asyncio.gather(
        *(bus.request(GetUser(user_id=user_id), actor=Actor.system()) for user_id in ids),
        return_exceptions=True,
    )
    return {user_id: _person(user_id, profile) for user_id, profile in zip(ids, found, strict=True)}


def _person(user_id: int, profile: UserProfile | BaseException) -> Person:
    if isinstance(profile, DomainError):
        return Person(f"user_{user_id}", None)
    if isinstance(profile, BaseException):
        raise profile
    return Person(profile.username or profile.full_name or f"user_{user_id}", profile.telegram_contact)


async def item_names(bus: Bus, item_ids: Sequence[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    ids = list(dict.fromkeys(item_ids))
    for start in range(0, len(ids), 1000):
        page = await bus.request(GetBarterItems(item_ids=ids[start : start + 1000]), actor=Actor.system())
        names.update({item.id: item.item_name for item in page.items})
    return names


async def tell_pending(deps: MatchingDeps) -> int:
    """Sends the outbox's events, a batch at a time, until it is empty or notify leaves some untold
    (a later run sends them); how many people were told now."""
    sent = 0
    while True:
        told, complete, batch = await _tell_batch(deps)
        sent += told
        if batch < EVENTS_AT_ONCE or complete < batch:
            return sent


async def _tell_batch(deps: MatchingDeps) -> tuple[int, int, int]:
    """People told, events done, events in the batch."""
    async with deps.read_db() as db:
        events = await queries.untold_events(db, EVENTS_AT_ONCE)
        if not events:
            return 0, 0, 0
        exchange_ids = list({event.exchange_id for event in events})
        exchanges = {row.id: row for row in await queries.exchanges_by_id(db, exchange_ids)}
        legs = await queries.legs_of(db, exchange_ids)
    every_leg = [leg for ring in legs.values() for leg in ring]
    who = await people(deps.bus, [leg.user_id for leg in every_leg])
    names = await item_names(deps.bus, [leg.gives_item_id for leg in every_leg])
    pending = [
        ((event.id, leg.user_id), notice)
        for event in events
        for leg, notice in notices_of(
            event, exchanges[event.exchange_id], legs[event.exchange_id], who, names
        )
    ]
    told = await tell(
        deps.bus, [(key, notice) for key, notice in pending], lambda key: f"exchange event {key}"
    )
    done = set(told.done)
    complete = [event.id for event in events if all(key in done for key, _ in pending if key[0] == event.id)]
    async with deps.db() as db:
        await queries.mark_told(db, complete, datetime.now(UTC))
        await db.commit()
    return told.sent, len(complete), len(events)


def notices_of(
    event: ExchangeEvent,
    exchange: Exchange,
    legs: list[ExchangeLeg],
    who: dict[int, Person],
    names: dict[int, str],
) -> list[tuple[ExchangeLeg, Notify]]:
    key = f"matching:{event.id}"
    usernames = [who[leg.user_id].username for leg in legs]
    base: dict[str, Any] = {"exchange_id": exchange.public_id}
    if exchange.kind == "chain":
        base |= {"chain_id": exchange.id, "participants": usernames}
    out = []
    for n, leg in enumerate(legs):
        giver = legs[n - 1]  # the previous leg gives to this one
        partner = who[giver.user_id]
        payload = dict(base)
        if event.event_type == "created":
            payload |= {
                "partner": partner.username, "partner_contact": partner.contact,
                "partner_item": names.get(leg.receives_item_id, ""), "your_item": names.get(leg.gives_item_id, ""),
                "score": round(exchange.score, 2),
            }  # fmt: skip
        type_, title, message = _wording(event, exchange, partner, len(legs))
        payload["message"] = message
        notice = Notify(
            user_ids=[leg.user_id], type=type_, title=title, message=message, payload=payload,
            dedupe_key=f"{key}:{leg.user_id}",
        )  # fmt: skip
        out.append((leg, notice))
    return out


def _wording(event: ExchangeEvent, exchange: Exchange, partner: Person, size: int) -> tuple[str, str, str]:
    chain = exchange.kind == "chain"
    match event.event_type:
        case "created" if chain:
            return (
                "chain_proposal",
                "New exchange chain found!",
                f"Найдена цепочка обмена из {size} участников!",
            )
        case "created":
            return "bilateral_match", "New match found!", f"Найдено совпадение с {partner.username}!"
        case "agreed":
            return "chain_agreed", "Exchange chain agreed", "Все участники приняли цепочку обмена."
        case "completed":
            return "exchange_completed", "Exchange completed", "Обмен подтверждён всеми участниками."
        case _:
            reason = f": {event.details}" if event.details else ""
            return "exchange_dissolved", "Exchange cancelled", f"Обмен отменён{reason}"
