"""This edge's part of presence: one key per (user, edge) in the `presence` KV bucket while the edge
holds a connection of that user, renewed every third of the bucket's TTL.

The key appears on the user's first connection here and goes with the last one, and each time the
presence worker is told so it can decide whether the user as a whole came online or went offline.
If this edge dies, its keys simply expire and the worker's sweep notices: nobody has to clean up
after a killed edge. If NATS loses the bucket (a nats-server restart loses in-memory buckets), the
edge's next acknowledged write re-creates it and its renewals put its users' keys back.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid

import nats.errors

from nodes.runtime.bus import Bus
from nodes.runtime.kv import kv_stream, kv_subject, presence_bucket, remove_key
from nodes.runtime.settings import PresenceSettings
from protocols import subjects
from protocols.envelope import Actor
from protocols.presence import PresenceChanged, presence_key

log = logging.getLogger(__name__)

# How long a clean shutdown may spend removing its users' keys.
GOODBYE_S = 5.0
RENEW_SLICES = 20  # each period's renewals go out in this many slices, evenly spaced
RESTORE_RETRY_S = 0.25  # between tries to put a key back after a reconnection


def edge_id(node_name: str) -> str:
    """A KV-safe id, unique to this process (a restarted edge must not renew a dead one's keys)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", node_name)[:80] + "-" + uuid.uuid4().hex[:8]


class PresenceBeacon:
    def __init__(self, bus: Bus, node_name: str, settings: PresenceSettings) -> None:
        self._bus = bus
        self._settings = settings
        self.edge_id = edge_id(node_name)
        self._users: set[int] = set()
        self._bucket = presence_bucket(bus, settings)
        self._renewer: asyncio.Task[None] | None = None
        self._closing = False
        bus.on_reconnect(self._restore)

    def _start_renewing(self) -> None:
        # One renewer per edge, started by the first user (not per user: that renewed every key
        # hundreds of times per period).
        if self._renewer is None and not self._closing:
            self._renewer = asyncio.create_task(self._renew(), name="presence-renew")

    async def arrived(self, user_id: int) -> None:
        """The user's first connection on this edge."""
        self._users.add(user_id)
        self._start_renewing()
        await self._report(user_id, online=True)

    async def left(self, user_id: int) -> None:
        """The user's last connection on this edge is gone."""
        if self._closing:
            return  # the edge is going down: `close` says goodbye for all of its users at once
        self._users.discard(user_id)
        await self._report(user_id, online=False)

    async def _report(self, user_id: int, *, online: bool) -> None:
        key = presence_key(user_id, self.edge_id)
        try:
            if online:
                await self._bucket.put(key, b"1")
            else:
                await self._bucket.run(
                    lambda _kv: remove_key(self._bus.jetstream, subjects.PRESENCE_BUCKET, key)
                )
            # Told, not asked: a connection must not wait for the worker to announce it (and with
            # thousands of users arriving or leaving at once, the reports queue at the worker).
            changed = PresenceChanged(user_id=user_id, edge_id=self.edge_id, online=online)
            await self._bus.tell(changed, actor=Actor.system())
        except (nats.errors.Error, TimeoutError) as exc:
            # Presence is advisory: the sweep repairs what a failed report leaves behind.
            log.warning("presence report for user %s failed: %s", user_id, exc)

    async def _renew(self) -> None:
        # Ends on the flag, not on cancellation alone: a cancellation that lands inside a KV write
        # can come out of nats-py as an error of its own (or be lost by 3.11's wait_for), and a
        # loop that only stopped on CancelledError would then run on and hang the edge's shutdown.
        period = self._settings.renew_every_s
        while not self._closing:
            users = tuple(self._users)
            if not users:
                await asyncio.sleep(period)
                continue
            # Spread over the period: a thousand renewals at once held up every message behind them,
            # here and in nats-server, for a moment (most of the chat benchmark's p99).
            size = -(-len(users) // RENEW_SLICES)
            for start in range(0, len(users), size):
                await asyncio.sleep(period * size / len(users))
                renewed = await self._renew_slice(users[start : start + size], check_bucket=start == 0)
                if self._closing or not renewed:
                    break

    async def _renew_slice(self, users: tuple[int, ...], *, check_bucket: bool = False) -> bool:
        for user_id in users:
            if user_id not in self._users:
                continue  # gone since the round began: its key must stay deleted
            if check_bucket:
                check_bucket = False
                await self._renew_acknowledged(user_id)
                continue
            # A plain publish into the bucket's stream, not a KV put awaiting its acknowledgement:
            # that round trip per user was a seventh of a busy edge's CPU, and a renewal that is
            # lost is covered by the next one, well within the TTL.
            try:
                await self._bus.publish_raw(self._subject_of(user_id), b"1")
            except nats.errors.Error as exc:
                log.warning("presence renewal failed: %s", exc)
                return False
        return True

    async def _renew_acknowledged(self, user_id: int) -> None:
        """A round's first renewal waits for JetStream's acknowledgement. The others are plain
        publishes, which simply vanish when the bucket's stream is gone; this one notices, and
        re-creates the bucket, so the round's publishes then put every key of this edge back."""
        try:
            await self._put_acknowledged(user_id)
        except (nats.errors.Error, TimeoutError) as exc:
            log.warning("presence renewal failed: %s", exc)

    async def _put_acknowledged(self, user_id: int) -> None:
        await self._bucket.put(presence_key(user_id, self.edge_id), b"1")

    async def _restore(self) -> None:
        """After a reconnection, every key at once rather than over a renewal period: the server may
        be a restarted one that lost the bucket with every key this edge holds.

        The plain publishes that put the keys back vanish unless the bucket's stream takes writes,
        which a server just restarted (or, in a cluster, a stream electing a new leader) may not do
        yet: so one acknowledged put first, tried again until it is taken. After a renewal period
        the renewer's rounds have covered every key anyway.
        """
        deadline = asyncio.get_running_loop().time() + self._settings.renew_every_s
        while self._users and not self._closing:
            try:
                await self._put_acknowledged(next(iter(self._users)))
                break
            except (nats.errors.Error, TimeoutError) as exc:
                if asyncio.get_running_loop().time() > deadline:
                    log.warning("presence keys not restored after a reconnection: %s", exc)
                    return
            await asyncio.sleep(RESTORE_RETRY_S)
        if not self._closing:
            await self._renew_slice(tuple(self._users))

    def _subject_of(self, user_id: int) -> str:
        return kv_subject(subjects.PRESENCE_BUCKET, presence_key(user_id, self.edge_id))

    def shutting_down(self) -> None:
        """The edge is going down: stop renewing, and stop reporting users one at a time.

        An edge closing thousands of connections would otherwise make one presence round trip per
        user, in turn; with NATS unreachable each waits out its timeout and the edge never exits.
        """
        self._closing = True

    async def close(self) -> None:
        """A clean shutdown: this edge's keys go at once. Its users usually reconnect to another edge
        within moments; the worker's next sweep announces only those who did not, so a rolling
        restart shows nobody going offline and online again."""
        self._closing = True
        if self._renewer is not None:
            self._renewer.cancel()
            await asyncio.gather(self._renewer, return_exceptions=True)
        users, self._users = tuple(self._users), set()
        if users:
            # All of this edge's keys in one purge (no markers: the sweep lists keys by subject).
            everyone_here = kv_subject(subjects.PRESENCE_BUCKET, presence_key("*", self.edge_id))
            purge = self._bus.jetstream.purge_stream(
                kv_stream(subjects.PRESENCE_BUCKET), subject=everyone_here
            )
            try:
                await asyncio.wait_for(purge, GOODBYE_S)
            except (
                nats.errors.Error,
                TimeoutError,
            ) as exc:  # NATS is unreachable: the keys expire by themselves
                log.warning("presence goodbye failed: %s", exc)
