"""A real SMTP server for tests: aiosmtpd on a free local port, keeping every message it receives.

aiosmtpd runs its own event loop in a thread; messages are handed to the test's loop, where
`wait_for` awaits them.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from nodes.runtime.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class SmtpSink:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self._loop = loop
        self._arrived = asyncio.Condition()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        # Recorded before the sender hears 250: once a send returns, its message is here.
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._add(message), self._loop))
        return "250 Message accepted for delivery"

    async def _add(self, message: EmailMessage) -> None:
        async with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()

    async def wait_for(
        self, match: Callable[[EmailMessage], bool] = lambda _m: True, timeout: float = 5.0
    ) -> EmailMessage:
        """The first received message that `match` accepts, waiting for it to arrive if need be."""

        def found() -> EmailMessage | None:
            return next((m for m in self.messages if match(m)), None)

        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: found() is not None), timeout)
        message = found()
        assert message is not None
        return message

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


@asynccontextmanager
async def smtp_sink() -> AsyncIterator[SmtpSink]:
    sink = SmtpSink(asyncio.get_running_loop())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    await asyncio.to_thread(controller.start)  # blocks until the server answers
    try:
        yield sink
    finally:
        await asyncio.to_thread(controller.stop)


def mail_through(settings: Settings, sink: SmtpSink) -> Settings:
    """`settings` sending mail over SMTP to `sink`."""
    return replace(
        settings, mail=replace(settings.mail, backend="smtp", smtp_host=sink.host, smtp_port=sink.port)
    )
