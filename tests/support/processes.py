"""The platform as separate processes, started the way an operator starts them (`souk ...` and a
nats-server), for tests that kill and restart them: each run of a process logs to a file of its own,
every one still running is stopped at the end, and the logs can be scanned for tracebacks."""

from __future__ import annotations

import asyncio
import ctypes
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nodes.runtime.embedded_nats import nats_server_binary

REPO = Path(__file__).resolve().parents[2]
PR_SET_PDEATHSIG = 1
# Signs of a failure that a chaos run must not produce: an uncaught or logged traceback, or an
# ERROR record (the log format puts the level right after the time).
FAILURE_MARKS = ("Traceback", " ERROR ", " CRITICAL ")


def _die_with_parent() -> None:
    """In the child: a test runner that dies hard takes the process with it."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def why(log: str, before: int = 3, after: int = 25, tail: int = 15) -> str:
    """The first failure-marked line of a log with the lines around it; else the log's last lines
    (a process killed for not stopping in time says why only by what it did last)."""
    lines = log.splitlines()
    for at, line in enumerate(lines):
        if any(mark in line for mark in FAILURE_MARKS):
            return "\n".join(lines[max(0, at - before) : at + after])
    return "\n".join(lines[-tail:])


@dataclass
class Proc:
    """One run of a process; a restart is a new `Proc` with a log of its own."""

    name: str
    proc: asyncio.subprocess.Process
    log: Path
    broker: bool = False  # the nats-server: a log format of its own, and stopped last
    killed: bool = False  # by the test: its exit status says nothing

    @property
    def running(self) -> bool:
        return self.proc.returncode is None

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would."""
        if self.running:
            self.proc.kill()
            self.killed = True

    async def stop(self, grace_s: float = 15.0) -> int:
        """SIGTERM, then SIGKILL if it has not exited within `grace_s`; the exit status. The grace is
        past the edge's own 10 s for requests in flight (`EdgeRunner`'s shutdown timeout)."""
        if self.running:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), grace_s)
            except TimeoutError:
                self.proc.kill()
        return await self.proc.wait()

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Processes:
    log_dir: Path
    env: Mapping[str, str]
    runs: list[Proc] = field(default_factory=list)

    async def start(self, name: str, argv: Sequence[str], *, broker: bool = False) -> Proc:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        count = sum(1 for p in self.runs if p.name == name)
        log = self.log_dir / (f"{name}.log" if count == 0 else f"{name}.{count + 1}.log")
        with log.open("ab") as out:
            proc = await asyncio.create_subprocess_exec(
                *argv, cwd=REPO, env=dict(self.env), stdin=asyncio.subprocess.DEVNULL,
                stdout=out, stderr=asyncio.subprocess.STDOUT, preexec_fn=_die_with_parent,
            )  # fmt: skip
        run = Proc(name, proc, log, broker)
        self.runs.append(run)
        return run

    async def souk(self, name: str, *args: str) -> Proc:
        return await self.start(name, [sys.executable, "-m", "nodes.cli", *args])

    async def nats_server(self, name: str, port: int, store_dir: Path) -> Proc:
        argv = [nats_server_binary(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store_dir)]
        return await self.start(name, argv, broker=True)

    async def run_souk(self, name: str, *args: str, timeout_s: float = 60.0) -> None:
        """Run a `souk` command to its end (a migration); fails with its log if it does not succeed."""
        run = await self.souk(name, *args)
        try:
            status = await asyncio.wait_for(run.proc.wait(), timeout_s)
        finally:
            run.kill()
        assert status == 0, f"souk {' '.join(args)} exited with {status}:\n{run.text()}"

    def latest(self, name: str) -> Proc:
        return [p for p in self.runs if p.name == name][-1]

    def failures(self) -> dict[str, str]:
        """By log file name, every run that logged a traceback or an error, or that exited with a
        failure status on its own or when asked to stop: its exit status and the lines that tell why
        (a CI log keeps only so much of a failure's output)."""
        return {
            p.log.name: f"(exit {p.proc.returncode})\n{why(p.text())}"
            for p in self.runs
            if (not p.broker and any(mark in p.text() for mark in FAILURE_MARKS))
            or (not p.running and not p.killed and p.proc.returncode != 0)
        }

    async def close(self) -> None:
        """Stop whatever still runs, even if some refuse to go: the platform's processes first, so
        that they can still drain through NATS, then the nats-server."""
        for brokers in (False, True):
            runs = [p for p in self.runs if p.running and p.broker is brokers]
            await asyncio.gather(*(p.stop() for p in runs), return_exceptions=True)
