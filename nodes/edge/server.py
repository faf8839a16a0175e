"""Serving one edge: load the verification keys, build the app, listen."""

from __future__ import annotations

import socket

from aiohttp import web

from nodes.runtime.bus import Bus
from nodes.runtime.settings import Settings

from .app import create_app
from .auth import KeyRing


class RunningEdge:
    def __init__(self) -> None:
        self.keyring: KeyRing | None = None
        self.runner: web.AppRunner | None = None

    async def start(self, bus: Bus, settings: Settings, *, host: str, port: int) -> None:
        self.keyring = KeyRing(settings.auth)
        await self.keyring.watch(bus)
        app = create_app(settings, bus, self.keyring, node_name=f"edge@{socket.gethostname()}:{port}")
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=10)
        await self.runner.setup()
        await web.TCPSite(self.runner, host, port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
        if self.keyring is not None:
            await self.keyring.close()
