"""The worker side: a domain declares handlers against message types; the runtime serves them.

Each handler runs in its own task (bounded by `max_inflight`), so one slow request never holds up
the subscription. Any exception becomes an error reply: a caller never waits out its timeout
because a handler failed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from protocols import subjects
from protocols.envelope import (
    Actor,
    Command,
    DomainError,
    ErrorCode,
    Event,
    Message,
    decode_data,
    decode_request,
    encode_error,
    encode_reply,
)
from protocols.system import Pong

from . import metrics
from .bus import Bus
from .context import current_request_id
from .settings import Settings

log = logging.getLogger(__name__)

DepsT = TypeVar("DepsT")
CmdT = TypeVar("CmdT", bound=Message)
Handler = Callable[[Any, Actor, DepsT], Awaitable[Message | None]]
# What `Handlers.on` decorates; the function keeps its own precise type for direct callers.
H = TypeVar("H", bound=Callable[..., Awaitable[Message | None]])


@dataclass(frozen=True)
class Route(Generic[DepsT]):
    message_type: type[Message]
    handler: Handler[DepsT]
    answers: bool  # commands are answered; events are not
    metrics: metrics.SubjectMetrics


class Handlers(Generic[DepsT]):
    """The handlers of one domain, keyed by the subject their message type carries."""

    def __init__(self, domain: str) -> None:
        self.domain = domain
        self.routes: dict[str, Route[DepsT]] = {}

    def on(self, message_type: type[CmdT]) -> Callable[[H], H]:
        subject = message_type.subject
        is_command = issubclass(message_type, Command)
        if is_command and subjects.domain_of(subject) != self.domain:
            raise ValueError(f"{message_type.__name__} belongs to {subjects.domain_of(subject)}")
        if not is_command and not issubclass(message_type, Event):
            raise TypeError(f"{message_type.__name__} is neither a Command nor an Event")

        def register(fn: H) -> H:
            if subject in self.routes:
                raise ValueError(f"two handlers for {subject}")
            self.routes[subject] = Route(message_type, fn, is_command, metrics.worker_metrics(subject))
            return fn

        return register


@dataclass(frozen=True)
class Domain(Generic[DepsT]):
    """What a worker package exports: its handlers and how to open (and close) its dependencies."""

    handlers: Handlers[DepsT]
    # The bus is None when a command-line tool runs a handler without a cluster.
    open_deps: Callable[[Settings, Bus | None], AbstractAsyncContextManager[DepsT]]
    # Run in the background once the process's domains serve (work missed while none ran); it logs its
    # own failures, and a stop cancels it.
    started: Callable[[DepsT], Coroutine[Any, Any, None]] | None = None

    @property
    def name(self) -> str:
        return self.handlers.domain


def instance_name(domain: str) -> str:
    return f"{domain}@{socket.gethostname()}:{os.getpid()}:{id(object()) & 0xFFFF:x}"


class WorkerRuntime(Generic[DepsT]):
    """Serves one domain's handlers on the bus in the domain's queue group."""

    def __init__(self, bus: Bus, handlers: Handlers[DepsT], deps: DepsT, *, max_inflight: int = 256):
        self.bus = bus
        self.handlers = handlers
        self.deps = deps
        self.domain = handlers.domain
        self.instance = instance_name(self.domain)
        self._slots = asyncio.Semaphore(max_inflight)
        self._inflight: set[asyncio.Task[None]] = set()
        self._subs: list[Subscription] = []
        self._started = time.monotonic()

    async def start(self) -> None:
        queue = subjects.queue_group(self.domain)
        for subject, route in self.handlers.routes.items():
            self._subs.append(await self.bus.subscribe(subject, self._dispatcher(route), queue=queue))
        self._subs.append(await self.bus.subscribe(subjects.ping(self.domain), self._pong, queue=queue))
        log.info("%s serving %d subjects", self.instance, len(self.handlers.routes))

    async def stop(self) -> None:
        """Take no new messages, then finish every one already taken.

        Draining (not unsubscribing) matters: messages the server sent before it saw the UNSUB are
        still delivered and handled, so nothing accepted is dropped.
        """
        drains = (self.bus.drain_subscription(sub) for sub in self._subs)
        results = await asyncio.gather(*drains, return_exceptions=True)
        for failure in (r for r in results if isinstance(r, BaseException)):
            log.warning("could not drain a subscription: %r", failure)  # connection already gone
        self._subs.clear()
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)

    def _dispatcher(self, route: Route[DepsT]) -> Callable[[Msg], Awaitable[None]]:
        async def dispatch(msg: Msg) -> None:
            await self._slots.acquire()
            task = asyncio.create_task(self._handle(route, msg))
            self._inflight.add(task)
            task.add_done_callback(self._finished)

        return dispatch

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._slots.release()

    async def _handle(self, route: Route[DepsT], msg: Msg) -> None:
        subject = msg.subject
        started = time.perf_counter()
        reply: bytes | None = None
        try:
            envelope = decode_request(msg.data)
            current_request_id.set(envelope.rid)
            payload = decode_data(route.message_type, envelope.data, raw=msg.data)
            # No actor means nobody vouched for the caller: never the system's rights.
            actor = envelope.actor or Actor.anonymous()
            result = await route.handler(payload, actor, self.deps)
            if route.answers:
                if result is None:
                    raise TypeError(f"handler for {subject} returned no reply")
                reply = encode_reply(result)
            route.metrics.ok.inc()
        except DomainError as exc:
            route.metrics.failed(exc.code.value)
            reply = encode_error(exc)
        except Exception:
            route.metrics.failed(ErrorCode.INTERNAL.value)
            log.exception("handler for %s failed", subject)
            reply = encode_error(DomainError(ErrorCode.INTERNAL, "internal error"))
        finally:
            route.metrics.seconds.observe(time.perf_counter() - started)
        if reply is not None and msg.reply:
            try:
                await msg.respond(reply)
            except Exception:  # noqa: BLE001 - the caller's connection is gone; nobody is left to answer
                log.warning("could not answer %s", subject)

    async def _pong(self, msg: Msg) -> None:
        pong = Pong(domain=self.domain, instance=self.instance, uptime_s=time.monotonic() - self._started)
        await msg.respond(encode_reply(pong))
