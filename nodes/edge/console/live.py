"""`GET /admin/live` (moderators and admins): the waiting work, ads pending review (the market's
queue) and reports open (moderation's), as an event stream (SSE) that the console's script shows on
the badges of the navigation and on the dashboard's figures. The stream sends the counts at once,
then again whenever they change: this edge listens to what changes them (`AdSubmitted` and
`ListingsChanged` from the market, `ReportsChanged` from moderation) while it holds such a stream,
and counts again once per burst of them (`COALESCE_S`), for all its streams together; each stream
sends only counts that differ from what it sent last. A count whose domain does not answer is null.

The stream is the project's SSE (`realtime/sse.py`: heartbeat, a revoked session ends it, shutdown
ends it); the staff session's cookies let it in, as any page of the console (a GET: no CSRF token).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from aiohttp import web
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import Error as NatsError

from nodes.edge.errors import none_where
from nodes.edge.realtime import sse
from nodes.edge.realtime.connection import Connection
from nodes.edge.realtime.frames import JsonObject, ServerFrame
from nodes.edge.state import BUS
from nodes.runtime.bus import Bus
from protocols.envelope import Actor, Command, DomainError, ErrorCode, Message
from protocols.market import AdStatus, AdSubmitted, ListAdsForReview, ListingsChanged
from protocols.moderation import OPEN_STATUSES, ListReportRecords, ReportsChanged

from .pages import page, see_other
from .sections import LIVE
from .session import Staff

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

R = TypeVar("R", bound=Message)
WAITING = "waiting"  # the delivery's type, and the event's
COALESCE_S = 0.2  # a burst of changes is counted once, this long after its first
COUNT_TIMEOUT_S = 2.0  # a figure whose domain does not answer within it shows "—"
CHANGES = (AdSubmitted.subject, ListingsChanged.subject, ReportsChanged.subject)


class Waiting(ServerFrame):
    type: Literal["waiting"] = "waiting"
    ads: int | None  # ads pending review; None: the market did not answer
    reports: int | None  # reports open (pending or reviewed); None: moderation did not answer


async def answered(bus: Bus, cmd: Command[R], actor: Actor) -> R | None:
    """A worker's answer, or None when its domain does not answer (within `COUNT_TIMEOUT_S`)."""
    return await none_where(ErrorCode.UNAVAILABLE, bus.request(cmd, actor=actor, timeout=COUNT_TIMEOUT_S))


async def count_waiting(bus: Bus, actor: Actor) -> Waiting:
    ads, reports = await asyncio.gather(
        answered(bus, ListAdsForReview(status=AdStatus.PENDING, limit=1), actor),
        answered(bus, ListReportRecords(statuses=list(OPEN_STATUSES), limit=1), actor),
    )
    return Waiting(ads=ads.total if ads else None, reports=reports.total if reports else None)


@dataclass(eq=False)
class WaitingWork:
    """This edge's streams of waiting work (an `sse.Room`), its interest in what changes it (from its
    first stream to its last), and the recount that a change sets off."""

    bus: Bus
    streams: dict[Connection, Actor] = field(default_factory=dict)
    subscriptions: list[Subscription] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    recount: asyncio.Task[None] | None = None
    dirty: bool = False

    async def join(self, connection: Connection, actor: Actor) -> None:
        async with self.lock:
            self.streams[connection] = actor
            if not self.subscriptions:
                try:
                    for subject in CHANGES:
                        self.subscriptions.append(await self.bus.subscribe(subject, self.heard))
                    await self.bus.synced()
                except NatsError:
                    raise DomainError(ErrorCode.UNAVAILABLE, "Service unavailable, try again") from None

    async def leave(self, connection: Connection) -> None:
        async with self.lock:
            self.streams.pop(connection, None)
            if self.streams:
                return
            if self.recount is not None:
                self.recount.cancel()
            subscriptions, self.subscriptions = self.subscriptions, []
            for subscription in subscriptions:
                with contextlib.suppress(NatsError):  # the connection went first: they went with it
                    await subscription.unsubscribe()

    async def heard(self, _msg: Msg) -> None:
        self.dirty = True
        if self.recount is None or self.recount.done():
            self.recount = asyncio.create_task(self.count_again(), name="console waiting work")

    async def count_again(self) -> None:
        while self.dirty:
            await asyncio.sleep(COALESCE_S)
            self.dirty = False
            # Any stream's staff member will do: moderators and admins all count the same.
            actors = list(self.streams.values())
            if not actors:  # the last stream left meanwhile
                return
            actor = actors[-1]
            try:
                counts = (await count_waiting(self.bus, actor)).model_dump()
            except DomainError as exc:
                log.warning("the waiting work could not be counted: %s", exc.message)
                continue
            for connection in tuple(self.streams):
                connection.offer(WAITING, counts)


WAITING_WORK = web.AppKey("console_waiting_work", WaitingWork)


@dataclass(eq=False)
class WaitingFeed:
    """A stream's feed: the counts at once, then those the edge's recounts offer it when they differ."""

    bus: Bus
    actor: Actor
    finished: bool = False
    shown: Waiting | None = None

    async def open(self) -> list[sse.SseEvent]:
        return self.show(await count_waiting(self.bus, self.actor))

    async def live(self, delivery_type: str, payload: JsonObject) -> list[sse.SseEvent]:
        if delivery_type != WAITING:  # what else reaches the staff member's own account
            return []
        return self.show(Waiting.model_validate(payload))

    def show(self, counts: Waiting) -> list[sse.SseEvent]:
        if counts == self.shown:
            return []
        self.shown = counts
        return [sse.SseEvent(data=counts)]


def setup_live(app: web.Application) -> None:
    app[WAITING_WORK] = WaitingWork(app[BUS])


@routes.get(LIVE.link)
@page(LIVE)
async def live(request: web.Request, staff: Staff) -> web.StreamResponse:
    if staff.renewed is not None:
        # A stream's headers are gone before its end, when `page` sets renewed cookies: they go on a
        # redirect to the stream instead, which EventSource follows (the rotated refresh token must
        # reach the browser, or its next request would reuse the old one).
        return see_other(LIVE.link)
    feed = WaitingFeed(request.app[BUS], staff.actor)
    return await sse.serve(request, staff.actor, feed, room=request.app[WAITING_WORK])
