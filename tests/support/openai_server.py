"""A real OpenAI-compatible chat-completions server for tests: an aiohttp server on a free port that
streams `POST /v1/chat/completions` as the protocol does (`data: {chunk}` lines with
`choices[0].delta.content`, then `data: [DONE]`), and records what it was asked.

Scriptable per answer: the tokens it streams, a `gate` it waits on after `pause_after` tokens (a test
holds an answer mid-way, deterministically), a broken connection after `break_after` tokens, an HTTP
status to fail with, and `down()` (connections refused) / `up()`.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
import pytest
from aiohttp import web

from nodes.runtime.settings import Settings

API_KEY_ENV = "SOUK_TEST_OPENAI_KEY"  # read by the backend from the environment (never a setting)
API_KEY = "sk-test-key"


@dataclass
class OpenAIServer:
    tokens: list[str] = field(
        default_factory=lambda: ["Посмотрите ", "Kia ", "Sportage", ". ", "Он ", "надёжен."]
    )
    pause_after: int | None = None  # tokens sent before waiting for `gate`
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    break_after: int | None = None  # tokens sent before the connection is dropped
    fail_with: int | None = None  # answer every request with this status
    requests: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)
    paused: asyncio.Event = field(default_factory=asyncio.Event)  # set once an answer waits at the gate
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def settings(self, settings: Settings, **advisor: Any) -> Settings:
        """The cluster's settings with the openai backend on this server."""
        values: dict[str, Any] = {
            "backend": "openai", "base_url": self.base_url, "model": "test-model", "api_key_env": API_KEY_ENV,
            "chunk_flush_s": 0.0, "down_cool_off_s": 60.0, "read_timeout_s": 3.0, "stop_grace_s": 0.0,
        } | advisor  # fmt: skip
        return replace(settings, advisor=replace(settings.advisor, **values))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(await request.json())
        self.authorizations.append(request.headers.get("Authorization"))
        if self.fail_with is not None:
            return web.json_response({"error": {"message": "overloaded"}}, status=self.fail_with)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        try:
            await self._stream(request, response)
        except ConnectionError:  # the client left (a worker stopped mid-answer)
            pass
        return response

    async def _stream(self, request: web.Request, response: web.StreamResponse) -> None:
        await response.write(event({"role": "assistant"}))
        n = 0
        while n < len(self.tokens) or n == self.pause_after:  # the tokens as they are after the gate
            if n == self.pause_after:
                self.paused.set()
                await self.gate.wait()
            if n == self.break_after:
                assert request.transport is not None
                request.transport.abort()  # mid-answer, no [DONE]
                return
            if n < len(self.tokens):
                await response.write(event({"content": self.tokens[n]}))
            n += 1
        await response.write(event({}, finish="stop"))
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self.handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port or free_port())
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def down(self) -> None:
        """Stops listening: connections are refused."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def up(self) -> None:
        """Listens again on the same port."""
        await self.start()


def event(delta: dict[str, Any], finish: str | None = None) -> bytes:
    chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "test-model",
             "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}  # fmt: skip
    return b"data: " + orjson.dumps(chunk) + b"\n\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def openai_server() -> AsyncIterator[OpenAIServer]:
    server = OpenAIServer()
    await server.start()
    try:
        yield server
    finally:
        server.gate.set()
        await server.down()


# Fixtures for a module (or a conftest) to import: the cluster answers through `llm`.


@pytest.fixture
async def llm(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[OpenAIServer]:
    monkeypatch.setenv(API_KEY_ENV, API_KEY)
    async with openai_server() as server:
        yield server


@pytest.fixture
def settings_override(llm: OpenAIServer) -> Callable[[Settings], Settings]:
    return llm.settings
