"""Telling people of matches, through the notify domain. The matches table is the outbox: a match is
stored with the side to tell (`buyer_told_at` / `owner_told_at` empty), and marked told once notify
answered, so a worker that died between its commit and notify loses nothing: every later match sends
what is still untold. notify's `dedupe_key` tells each person once however often a notice is sent.

- `realty_match`, to a buyer: a property matches his request (one notice per request and property);
- `realty_buyer`, to a property's owner: a buyer's request matches his properties (one notice per
  request and owner, naming his properties it matched).

Each side's `users/update/` setting is obeyed: a buyer whose `notifications_new_matches` is off is not
told of matches, an owner whose `notifications_responses` is off not of buyers (the match is listed
with the request all the same); a property no longer active is not told of. What is left untold is sent with the next match,
or by the scheduler's `TellMatches`, whichever comes first.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from nodes.runtime.notices import tell
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.identity import GetUser
from protocols.market_realty import Property
from protocols.notify import Notify
from protocols.realty import BUYER_NOTICE, MATCH_NOTICE, MatchesTold, TellMatches
from storage.models.realty import RequestMatch

from . import queries
from .deps import RealtyDeps
from .handlers import handlers
from .properties import properties

log = logging.getLogger(__name__)

BATCH = 100  # matches one round reads from the outbox (their properties are one GetProperties)
BUYER_SETTING = "notifications_new_matches"
OWNER_SETTING = "notifications_responses"  # a buyer's request is a response to what the owner lists

Key = tuple[str, tuple[tuple[int, int], ...]]  # the side told, and the (request, property) matches


@handlers.on(TellMatches)
async def tell_matches(_cmd: TellMatches, actor: Actor, deps: RealtyDeps) -> MatchesTold:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "workers only")
    return MatchesTold(sent=await tell_pending(deps))


async def tell_pending(deps: RealtyDeps) -> int:
    """Sends the outbox a batch at a time until it is empty or some are left untold: a domain that did
    not answer (notify, identity, the market) leaves them for later, never fails the write that was
    committed before. How many notices were given."""
    sent: list[int] = []
    try:
        await _tell_batches(deps, sent)
    except DomainError as exc:
        log.warning("match notices wait for later: %s", exc.message)
    return sum(sent)


async def _tell_batches(deps: RealtyDeps, sent: list[int]) -> None:
    while True:
        async with deps.read_db() as db:
            rows = await queries.untold(db, BATCH)
        if not rows:
            return
        shown = {item.id: item for item in await properties(deps, [row.property_id for row in rows])}
        settings = await _settings(deps, {row.buyer_id for row in rows} | {row.owner_id for row in rows})
        notices, silent = _notices(rows, shown, settings)
        told = await tell(deps.bus, notices, lambda key: f"{key[0]} notice of {key[1][0]}")
        sent.append(told.sent)
        done = [*silent, *told.done]
        now = datetime.now(UTC)
        async with deps.db() as db:
            for side, keys in done:
                await queries.mark_told(db, side, keys, now)
            await db.commit()
        if len(told.done) < len(notices) or len(rows) < BATCH:
            return


Settings = dict[int, dict[str, Any]]


def _wants(settings: Settings, user_id: int, setting: str) -> bool:
    """A setting never made is on; a user who is gone wants nothing."""
    return user_id in settings and settings[user_id].get(setting) is not False


async def _settings(deps: RealtyDeps, user_ids: set[int]) -> Settings:
    """The profile settings of these users, of those still there."""
    ids = sorted(user_ids)
    found = await asyncio.gather(
        *(deps.bus.request(GetUser(user_id=user_id), actor=Actor.system()) for user_id in ids),
        return_exceptions=True,
    )
    settings: Settings = {}
    for user_id, profile in zip(ids, found, strict=True):
        if isinstance(profile, DomainError):
            continue
        if isinstance(profile, BaseException):
            raise profile
        settings[user_id] = profile.attributes
    return settings


def _notices(
    rows: Sequence[RequestMatch], shown: dict[int, Property], settings: Settings
) -> tuple[list[tuple[Key, Notify]], list[Key]]:
    """The notices to send, and the matches nobody is to be told of."""
    notices: list[tuple[Key, Notify]] = []
    silent: list[Key] = []
    by_owner: dict[tuple[int, int], list[RequestMatch]] = defaultdict(list)
    for row in rows:
        key = (row.request_id, row.property_id)
        if row.buyer_told_at is None:
            item = shown.get(row.property_id)
            if item is None or not _wants(settings, row.buyer_id, BUYER_SETTING):
                silent.append(("buyer", (key,)))
            else:
                notices.append((("buyer", (key,)), _to_buyer(row, item)))
        if row.owner_told_at is None:
            by_owner[(row.request_id, row.owner_id)].append(row)
    for (request_id, owner_id), group in by_owner.items():
        keys = tuple((row.request_id, row.property_id) for row in group)
        items = [shown[row.property_id] for row in group if row.property_id in shown]
        if not items or not _wants(settings, owner_id, OWNER_SETTING):
            silent.append(("owner", keys))
        else:
            notices.append((("owner", keys), _to_owner(request_id, group[0].buyer_id, owner_id, items)))
    return notices, silent


def _to_buyer(row: RequestMatch, item: Property) -> Notify:
    return Notify(
        user_ids=[row.buyer_id], type=MATCH_NOTICE, title="A property matches your request",
        message=f"{item.title}: {item.price:g} {item.currency.value}, {item.location}",
        payload={"request_id": row.request_id, "property_id": item.id, "title": item.title,
                 "price": item.price, "currency": item.currency.value, "city": item.city,
                 "district": item.district, "seller_id": item.owner_id},
        dedupe_key=f"{MATCH_NOTICE}:{row.request_id}:{item.id}",
    )  # fmt: skip


def _to_owner(request_id: int, buyer_id: int, owner_id: int, items: list[Property]) -> Notify:
    titles = ", ".join(item.title for item in items[:3]) + (" …" if len(items) > 3 else "")
    return Notify(
        user_ids=[owner_id], type=BUYER_NOTICE, title="A buyer is looking for a property like yours",
        message=titles,
        payload={"request_id": request_id, "buyer_id": buyer_id, "property_ids": [item.id for item in items]},
        dedupe_key=f"{BUYER_NOTICE}:{request_id}:{owner_id}",
    )  # fmt: skip
