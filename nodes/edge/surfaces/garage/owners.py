"""Which member owns a vehicle, remembered by an edge for a minute, for the dongles' uploads.

A dongle uploads a batch every few seconds; asking the garage whose vehicle it is each time made every
upload queue behind the garage worker. So an edge remembers each vehicle's owner, and asks for those it
does not know together: the uploads that miss within a few milliseconds (a thousand dongles after an
edge's start) make one question of up to 100 vehicles, not one each.

A vehicle never changes owner, so what is remembered can only go stale by the vehicle's deletion: the
garage announces that (`VehicleDeleted`) and every edge forgets it at once. What an edge could have
missed (a deletion while it was away from NATS) is forgotten when it reconnects, and anything else
within `KEPT_S`; a batch that slips through meanwhile is dropped by the telemetry worker, which finds
no vehicle to store it under.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress

from aiohttp import web
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import Error as NatsError

from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from nodes.runtime.bus import Bus
from protocols.envelope import Actor, DomainError, ErrorCode, decode_data, decode_request
from protocols.fields import VEHICLES_MAX
from protocols.garage import OwnersOfVehicles, VehicleDeleted

from .vehicles import NOT_FOUND, vehicle_id_of

log = logging.getLogger(__name__)

KEPT_S = 60.0
KEPT_MAX = 100_000  # vehicles remembered; past that the memory starts afresh
GATHER_S = 0.002  # how long a miss waits for others to ask together


class VehicleOwners:
    def __init__(self, bus: Bus, kept_s: float = KEPT_S) -> None:
        self._bus = bus
        self._kept_s = kept_s
        self._known: dict[str, tuple[int, float]] = {}  # vehicle id -> (owner id, until)
        # Counts what was forgotten: an answer asked before a deletion is not kept after it.
        self._forgotten = 0
        self._waiting: dict[str, asyncio.Future[int | None]] = {}
        self._gathering: asyncio.TimerHandle | None = None
        self._asking: set[asyncio.Task[None]] = set()
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._subscription = await self._bus.subscribe(VehicleDeleted.subject, self._deleted)
        self._bus.on_reconnect(self._reconnected)

    async def close(self) -> None:
        if self._gathering is not None:
            self._gathering.cancel()
        for waiting in self._waiting.values():
            waiting.cancel()
        if self._asking:
            await asyncio.gather(*self._asking, return_exceptions=True)
        if self._subscription is not None:
            with suppress(NatsError):  # the connection went first: the subscription went with it
                await self._subscription.unsubscribe()

    async def owned(self, request: web.Request) -> tuple[str, int]:
        """The path's vehicle and its owner, the actor; 404 when it is not the actor's (or not there)."""
        user_id = require_actor(request).require_user()
        vehicle_id = vehicle_id_of(request)
        known = self._known.get(vehicle_id)
        if known is None or known[1] <= time.monotonic():
            owner = await self._ask(vehicle_id)
        else:
            owner = known[0]
        if owner != user_id:  # someone else's answers as a missing one
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        return vehicle_id, user_id

    def forget(self, vehicle_id: str) -> None:
        self._forgotten += 1
        self._known.pop(vehicle_id, None)

    async def _ask(self, vehicle_id: str) -> int | None:
        waiting = self._waiting.get(vehicle_id)
        if waiting is None:
            waiting = self._waiting[vehicle_id] = asyncio.get_running_loop().create_future()
            waiting.add_done_callback(_retrieved)
            if self._gathering is None:
                self._gathering = asyncio.get_running_loop().call_later(GATHER_S, self._send)
        # Shielded: one upload that goes away does not fail the others waiting on the same answer.
        return await asyncio.shield(waiting)

    def _send(self) -> None:
        self._gathering = None
        waiting, self._waiting = self._waiting, {}
        ids = list(waiting)
        for start in range(0, len(ids), VEHICLES_MAX):
            asked = {vehicle_id: waiting[vehicle_id] for vehicle_id in ids[start : start + VEHICLES_MAX]}
            task = asyncio.create_task(self._lookup(asked))
            self._asking.add(task)
            task.add_done_callback(self._asking.discard)

    async def _lookup(self, asked: dict[str, asyncio.Future[int | None]]) -> None:
        forgotten = self._forgotten
        try:
            found = await self._bus.request(OwnersOfVehicles(vehicle_ids=list(asked)), actor=Actor.system())
        except DomainError as exc:  # the garage did not answer: each upload says so (503)
            for waiting in asked.values():
                if not waiting.done():
                    waiting.set_exception(exc)
            return
        owners = {owner.vehicle_id: owner.owner_id for owner in found.items}
        if forgotten == self._forgotten:  # no deletion came meanwhile that the answer may predate
            if len(self._known) + len(owners) > KEPT_MAX:
                self._known.clear()
            until = time.monotonic() + self._kept_s
            self._known.update((vehicle_id, (owner, until)) for vehicle_id, owner in owners.items())
        for vehicle_id, waiting in asked.items():
            if not waiting.done():
                waiting.set_result(owners.get(vehicle_id))

    async def _deleted(self, msg: Msg) -> None:
        try:
            deleted = decode_data(VehicleDeleted, decode_request(msg.data).data)
        except DomainError:
            log.warning("a malformed vehicle deletion announcement was dropped")
            return
        self.forget(deleted.vehicle_id)

    async def _reconnected(self) -> None:
        self._forgotten += 1
        self._known.clear()


def _retrieved(answer: asyncio.Future[int | None]) -> None:
    """Marks a failure seen: every upload that waited for it may have gone."""
    if not answer.cancelled():
        answer.exception()


OWNERS = web.AppKey("vehicle_owners", VehicleOwners)


def setup_vehicle_owners(app: web.Application) -> None:
    app[OWNERS] = owners = VehicleOwners(app[BUS])

    async def listen(_app: web.Application) -> None:
        await owners.start()

    async def stop(_app: web.Application) -> None:
        await owners.close()

    app.on_startup.append(listen)
    app.on_cleanup.append(stop)
