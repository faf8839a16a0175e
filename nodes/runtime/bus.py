"""The bus: typed request/reply, publish, queue subscriptions, JetStream and KV over nats-py."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, TypeVar

import nats
from nats.aio.client import NO_RESPONDERS_STATUS
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import ConnectionClosedError, NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import Header
from nats.js.kv import KeyValue

from protocols.envelope import (
    Actor,
    Command,
    DomainError,
    ErrorCode,
    Event,
    Message,
    decode_reply,
    decode_reply_json,
    encode_request,
)
from protocols.subjects import BucketConfig, StreamDeclaration

from . import metrics
from .buckets import Bucket
from .context import current_request_id, new_request_id
from .streams import Stream

log = logging.getLogger(__name__)

R = TypeVar("R", bound=Message)
MsgHandler = Callable[[Msg], Awaitable[None]]
OnReconnect = Callable[[], Coroutine[Any, Any, None]]

# While no worker of a domain is subscribed (a restart, a deploy), wait and try again this long.
NO_RESPONDERS_BACKOFF = (0.05, 0.1, 0.2, 0.4, 0.8)
# A patient request goes on trying this often until its deadline.
PATIENT_RETRY_S = 1.0
# What a client is told when no worker answered in time; the subject goes to the log only.
UNAVAILABLE_SAYS = "Service unavailable, try again"
STARTUP_WAIT_S = 30.0


class Replies:
    """Replies to one connection's requests: one wildcard inbox subscription, and a future per
    request settled by its reply or by a timer. nats-py's `request` waits on each reply through
    `asyncio.wait_for` and two more coroutine layers; under chat load that was a tenth of an edge."""

    def __init__(self, nc: NATS) -> None:
        self._nc = nc
        self._prefix = ""
        self._waiting: dict[str, asyncio.Future[Msg]] = {}
        self._tokens = itertools.count()
        self._started = asyncio.Lock()
        self._resending: set[asyncio.Task[None]] = set()
        # Requests to send again if the connection is lost while they wait: inbox token -> request.
        self._repeatable: dict[str, tuple[str, bytes]] = {}

    async def ask(
        self,
        subject: str,
        payload: bytes,
        timeout: float,
        *,
        again_after: float | None = None,
        again_on_reconnect: bool = False,
    ) -> bytes:
        """The reply's payload. Raises NoRespondersError, NatsTimeout, or nats-py's publish errors.

        `again_after`: unanswered by then, the request goes out once more to the same inbox, so
        whichever copy is answered first (the late first one included) settles it.
        `again_on_reconnect`: unanswered when the connection comes back (see `reconnected`), likewise.
        """
        if not self._prefix:
            await self._start()
        token = str(next(self._tokens))
        inbox = self._prefix + token
        loop = asyncio.get_running_loop()
        reply: asyncio.Future[Msg] = loop.create_future()
        self._waiting[token] = reply
        timer = loop.call_later(timeout, _expire, reply)
        again = (
            loop.call_later(again_after, self._again, subject, payload, inbox, reply) if again_after else None
        )
        # Published while disconnected, a request waits in nats-py's buffer and goes out on reconnection
        # anyway: only one that went out on a connection since lost needs sending again.
        if again_on_reconnect and self._nc.is_connected:
            self._repeatable[token] = (subject, payload)
        try:
            await self._nc.publish(subject, payload, reply=inbox)
            msg = await reply
        finally:
            timer.cancel()
            if again is not None:
                again.cancel()
            del self._waiting[token]
            self._repeatable.pop(token, None)
        if msg.headers and msg.headers.get(Header.STATUS) == NO_RESPONDERS_STATUS:
            raise NoRespondersError
        return msg.data

    async def _start(self) -> None:
        async with self._started:
            if not self._prefix:
                prefix = f"{self._nc.new_inbox()}."
                await self._nc.subscribe(prefix + "*", cb=self._arrived)
                self._prefix = prefix

    def reconnected(self) -> None:
        """The connection is back: a request that went out on the lost one, or its reply, may have
        been lost with that NATS node; the repeatable ones still waiting go out again."""
        for token, (subject, payload) in self._repeatable.items():
            self._again(subject, payload, self._prefix + token, self._waiting[token])

    def _again(self, subject: str, payload: bytes, inbox: str, reply: asyncio.Future[Msg]) -> None:
        if not reply.done():
            task = asyncio.get_running_loop().create_task(self._publish_again(subject, payload, inbox))
            self._resending.add(task)
            task.add_done_callback(self._resending.discard)

    async def _publish_again(self, subject: str, payload: bytes, inbox: str) -> None:
        try:
            await self._nc.publish(subject, payload, reply=inbox)
        except nats.errors.Error as exc:  # the first copy's timer still settles the request
            log.debug("could not send %s again: %s", subject, exc)

    async def _arrived(self, msg: Msg) -> None:
        reply = self._waiting.get(msg.subject[len(self._prefix) :])
        if reply is not None and not reply.done():
            reply.set_result(msg)


async def _after_reconnect(callback: OnReconnect) -> None:
    try:
        await callback()
    except Exception as exc:  # noqa: BLE001 - whatever it meets, the next reconnection tries again
        log.warning("restoring state after a reconnection failed: %r", exc)


class NoAnswer(Exception):
    """No worker answered in time. Its text is for operators (the log, /ready), never for clients."""


def _expire(reply: asyncio.Future[Msg]) -> None:
    if not reply.done():
        reply.set_exception(NatsTimeout())


class Bus:
    def __init__(self, nc: NATS, *, request_timeout: float = 5.0, replicas: int = 1) -> None:
        self.nc = nc
        self.request_timeout = request_timeout
        self.replicas = replicas  # of every bucket this bus opens: a deployment fact, not a declaration
        self._replies = Replies(nc)
        self._js: JetStreamContext | None = None
        self._metrics: dict[str, metrics.SubjectMetrics] = {}
        self._buckets: dict[BucketConfig, Bucket] = {}
        self._streams: dict[StreamDeclaration, Stream] = {}
        self._on_reconnect: list[OnReconnect] = []
        self._reconnect_tasks: set[asyncio.Task[None]] = set()
        self.closing = False

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        name: str,
        request_timeout: float = 5.0,
        connect_timeout: float = 5.0,
        drain_timeout: float = 30.0,
        echo: bool = True,
        replicas: int = 1,
    ) -> Bus:
        """`echo=False`: this connection's subscriptions never receive its own publishes (an edge
        shares the sender's copy of a message with its other edges that way; see `DeliveryHub.share`).
        `replicas`: how many NATS nodes keep each KV bucket this bus opens (`[nats] replicas`)."""

        async def on_error(exc: Exception) -> None:
            log.warning("nats error: %s", exc)

        closing: list[Bus] = []  # filled once the bus exists: a deliberate close is not a warning

        async def on_disconnect() -> None:
            if not (closing and closing[0].closing):
                log.warning("nats disconnected; reconnecting")

        async def on_reconnect() -> None:
            log.info("nats reconnected")
            if closing:
                closing[0].reconnected()

        # Processes of a Procfile start together: wait a while for NATS rather than fail at once.
        deadline = time.monotonic() + STARTUP_WAIT_S
        while True:
            try:
                nc = await nats.connect(
                    [seed.strip() for seed in url.split(",") if seed.strip()],
                    name=name,
                    connect_timeout=connect_timeout,
                    drain_timeout=drain_timeout,
                    no_echo=not echo,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    allow_reconnect=True,
                    error_cb=on_error,
                    disconnected_cb=on_disconnect,
                    reconnected_cb=on_reconnect,
                )
                bus = cls(nc, request_timeout=request_timeout, replicas=replicas)
                closing.append(bus)
                return bus
            except (TimeoutError, OSError, nats.errors.NoServersError):
                if time.monotonic() > deadline:
                    raise
                log.info("waiting for NATS at %s", url)
                await asyncio.sleep(0.5)

    async def request(
        self,
        cmd: Command[R],
        *,
        actor: Actor | None = None,
        request_id: str | None = None,
        timeout: float | None = None,
        patient: bool = False,
    ) -> R:
        """Send a command to its domain and return the typed reply.

        `patient`: while no worker of the domain is there (a restart), wait for one until the deadline,
        not only for NO_RESPONDERS_BACKOFF's 1.55 s; for what a worker's restart must not lose.
        Raises DomainError: the worker's typed error, or `unavailable` when no worker answered.
        """
        raw = await self._exchange(cmd, actor, request_id, timeout, patient)
        return decode_reply(raw, cmd.reply_type)  # type: ignore[return-value]

    async def request_json(
        self, cmd: Command[R], *, actor: Actor | None = None, timeout: float | None = None
    ) -> dict[str, Any]:
        """Like `request`, but the reply as decoded JSON: for relaying it to a client unchanged, without
        building and dumping the model on the hot path (the worker already validated it)."""
        return decode_reply_json(await self._exchange(cmd, actor, None, timeout))

    async def _exchange(
        self,
        cmd: Command[Any],
        actor: Actor | None,
        request_id: str | None,
        timeout: float | None,
        patient: bool = False,
    ) -> bytes:
        subject = cmd.subject
        rid = request_id or current_request_id.get()
        payload = encode_request(cmd, actor, rid if rid != "-" else new_request_id())
        deadline = timeout or self.request_timeout
        observed = self._metrics.get(subject) or self._metrics.setdefault(
            subject, metrics.bus_metrics(subject)
        )
        started = time.perf_counter()
        try:
            try:
                backoff = (
                    itertools.chain(NO_RESPONDERS_BACKOFF, itertools.repeat(PATIENT_RETRY_S))
                    if patient
                    else NO_RESPONDERS_BACKOFF
                )
                raw = await self._request_with_retries(
                    subject, payload, deadline, cmd.idempotent, backoff,
                    repeatable=cmd.idempotent or cmd.repeatable,
                )  # fmt: skip
            except NoAnswer as exc:
                log.warning("request on %s failed: %s", subject, exc)
                raise DomainError(ErrorCode.UNAVAILABLE, UNAVAILABLE_SAYS) from None
            if raw.startswith(b'{"error"'):
                decode_reply_json(raw)  # raises the DomainError it carries
        except DomainError as exc:
            observed.failed(exc.code.value)
            raise
        finally:
            observed.seconds.observe(time.perf_counter() - started)
        observed.ok.inc()
        return raw

    async def _request_with_retries(
        self, subject: str, payload: bytes, timeout: float, idempotent: bool,
        no_responders_backoff: Iterable[float] = NO_RESPONDERS_BACKOFF, *, repeatable: bool = False,
    ) -> bytes:  # fmt: skip
        """Every attempt shares one deadline, `timeout` from now: each gets what is left of it.
        Raises NoAnswer when none came."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        backoff = iter(no_responders_backoff)
        while (left := deadline - loop.time()) > 0:
            # A worker may take an idempotent command and die: halfway, it goes out once more.
            again_after = left / 2 if idempotent else None
            try:
                return await self._replies.ask(
                    subject, payload, left, again_after=again_after, again_on_reconnect=repeatable
                )
            except NoRespondersError:
                # Nobody received it, so trying again can never run it twice.
                delay = next(backoff, None)
                if delay is None or loop.time() + delay >= deadline:
                    raise NoAnswer("no worker serves it") from None
                await asyncio.sleep(delay)
            except NatsTimeout:
                break
            except ConnectionClosedError:
                raise NoAnswer("the bus connection is closed") from None
        raise NoAnswer(f"no answer within {timeout:g}s")

    async def request_raw(
        self, subject: str, payload: bytes, timeout: float | None = None, *, wait_for_worker: bool = True
    ) -> bytes:
        """A request whose subject is not a message type's own (the per-domain ping).

        Like a typed request it asks again while nobody serves the subject (a worker that has just
        subscribed can still meet "no responders" for a moment on a loaded machine); a readiness
        check that must answer at once passes `wait_for_worker=False`. Its caller reports a failure
        (`unavailable`, saying why), so it is not logged here: a probe every second would flood the log.
        """
        backoff = NO_RESPONDERS_BACKOFF if wait_for_worker else ()
        try:
            return await self._request_with_retries(
                subject, payload, timeout or self.request_timeout, False, backoff
            )
        except NoAnswer as exc:
            raise DomainError(ErrorCode.UNAVAILABLE, str(exc)) from None

    async def tell(self, cmd: Command[Any], *, actor: Actor | None = None) -> None:
        """A command nobody waits for: a worker of its domain handles it and answers no one. For
        reports whose reply the sender has no use for and whose loss something else repairs; unlike
        `request`, nothing notices that no worker was there."""
        await self._post(cmd, actor)

    async def publish(self, event: Event, *, actor: Actor | None = None) -> None:
        await self._post(event, actor)

    async def _post(self, message: Command[Any] | Event, actor: Actor | None) -> None:
        await self.nc.publish(message.subject, encode_request(message, actor, current_request_id.get()))

    async def publish_raw(self, subject: str, payload: bytes) -> None:
        await self.nc.publish(subject, payload)

    async def synced(self, timeout: int = 5) -> None:
        """Return once the server has every command sent before (a SUB, say).

        nats-py writes a flush's PING ahead of commands still pending, so one round trip proves
        nothing; the second one follows the pending commands out.
        """
        for _ in range(2):
            await self.nc.flush(timeout=timeout)

    async def drain_subscription(self, subscription: Subscription) -> None:
        """Stop a subscription without dropping what the server already sent it.

        nats-py's `Subscription.drain` sends UNSUB, flushes once, then waits for its queue; since that
        one flush can overtake the UNSUB (see `synced`), a message the server sends meanwhile arrives
        after the queue was emptied and is dropped, unanswered. So the UNSUB goes first, and the
        drain only once the server certainly has it.
        """
        await self.nc._send_unsubscribe(subscription._id)
        await self.synced()
        await subscription.drain()  # type: ignore[no-untyped-call]

    async def subscribe(self, subject: str, handler: MsgHandler, *, queue: str = "") -> Subscription:
        return await self.nc.subscribe(subject, queue=queue, cb=handler)

    @property
    def jetstream(self) -> JetStreamContext:
        if self._js is None:
            self._js = self.nc.jetstream()
        return self._js

    def bucket(self, config: BucketConfig) -> Bucket:
        """The KV bucket `config` declares, re-created by whichever operation finds it missing."""
        bucket = self._buckets.get(config)
        if bucket is None:
            bucket = self._buckets[config] = Bucket(self.jetstream, config, replicas=self.replicas)
        return bucket

    def stream(self, declaration: StreamDeclaration) -> Stream:
        """The JetStream stream `declaration` makes, re-created by a publish that finds it missing."""
        stream = self._streams.get(declaration)
        if stream is None:
            stream = self._streams[declaration] = Stream(self.jetstream, declaration, replicas=self.replicas)
        return stream

    async def kv(
        self, bucket: str, *, ttl: float | None = None, history: int = 1, in_memory: bool = False
    ) -> KeyValue:
        """nats-py's handle on a bucket, created on first use with the given TTL for its entries.
        Nothing re-creates it if it goes: use `bucket` for that."""
        config = BucketConfig(bucket, ttl_s=ttl, history=history, in_memory=in_memory)
        return await self.bucket(config).handle()

    def on_reconnect(self, callback: OnReconnect) -> None:
        """Run `callback` after each reconnection: the server may be a restarted one that lost
        state (buckets, consumers) this process keeps there."""
        self._on_reconnect.append(callback)

    def reconnected(self) -> None:
        self._replies.reconnected()
        for callback in self._on_reconnect:
            task = asyncio.get_running_loop().create_task(_after_reconnect(callback))
            self._reconnect_tasks.add(task)
            task.add_done_callback(self._reconnect_tasks.discard)

    @property
    def hears_itself(self) -> bool:
        return not self.nc.options.get("no_echo", False)

    @property
    def is_connected(self) -> bool:
        return bool(self.nc.is_connected)

    async def drain(self) -> None:
        """Stop taking messages, finish the ones taken, flush, close."""
        self.closing = True
        if not self.nc.is_closed:
            try:
                await self.nc.drain()
            except (ConnectionClosedError, nats.errors.ConnectionReconnectingError):
                await self._close_quietly()

    async def _close_quietly(self) -> None:
        """Close a connection that lost its server mid-drain: uvloop's transport, closed while a
        reconnection was under way, refuses the write of the final flush; nothing is left to send."""
        try:
            await self.nc.close()
        except RuntimeError as exc:
            log.info("nats connection closed while reconnecting: %s", exc)

    async def close(self) -> None:
        self.closing = True
        if not self.nc.is_closed:
            await self.nc.close()
