"""A real HTTP SMS provider for tests: an aiohttp server on a free port that records what it is sent.

It checks the bearer token like a real provider would, and can be told to fail.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

CODE = re.compile(r"\b(\d{6})\b")


@dataclass
class SmsProvider:
    token: str
    url: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    rejected: int = 0  # requests refused for a bad token
    fail_with: int | None = None  # answer every request with this status
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def handle(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            self.rejected += 1
            return web.json_response({"error": "unauthorized"}, status=401)
        if self.fail_with is not None:
            return web.json_response({"error": "provider down"}, status=self.fail_with)
        body = await request.json()
        async with self._arrived:
            self.messages.append(body)
            self._arrived.notify_all()
        return web.json_response({"id": len(self.messages), "status": "queued"})

    def to(self, phone: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("to") == phone]

    async def wait_for(self, phone: str, count: int = 1, timeout: float = 5.0) -> dict[str, Any]:
        """The `count`-th message sent to `phone`, waiting for it if need be."""
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.to(phone)) >= count), timeout)
        return self.to(phone)[count - 1]

    async def code_for(self, phone: str, count: int = 1) -> str:
        match = CODE.search(str((await self.wait_for(phone, count))["text"]))
        assert match is not None, "no 6-digit code in the SMS"
        return match.group(1)


@asynccontextmanager
async def sms_provider(token: str = "test-sms-token") -> AsyncIterator[SmsProvider]:
    provider = SmsProvider(token=token)
    app = web.Application()
    app.router.add_post("/send", provider.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    provider.url = f"http://{host}:{port}/send"
    try:
        yield provider
    finally:
        await runner.cleanup()
