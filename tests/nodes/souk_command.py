"""The `souk` command as an operator runs it: the installed script, with an environment of the test's
own (none of the caller's SOUK_* settings), and `souk run` started as a terminal starts a job: in a
process group of its own, interrupted with SIGINT to the whole group."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from nodes.runtime.embedded_nats import free_port
from tests.support.eventually import until

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SOUK = str(BIN / "souk")


def souk_env(**settings: str) -> dict[str, str]:
    """The caller's environment without its SOUK_* settings (the test suite's own SOUK_TEST_* stay),
    plus `settings`."""
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith("SOUK_") or k.startswith("SOUK_TEST_")
    }
    return {**inherited, **settings}


def souk(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `souk ARGS` to its end."""
    return subprocess.run(
        [SOUK, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def local_settings(var_dir: Path) -> dict[str, str]:
    """A SQLite file and a var dir under `var_dir`, no metrics listener: nothing shared with others."""
    return {
        "SOUK_PATHS_VAR_DIR": str(var_dir),
        "SOUK_DATABASE_URL": f"sqlite+aiosqlite:///{var_dir / 'souk.db'}",
        "SOUK_EDGE_METRICS_PORT": "0",
    }


async def answers_ready(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{url}/ready") as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


@dataclass
class RunningSouk:
    proc: asyncio.subprocess.Process
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    async def interrupt(self) -> int:
        """Ctrl-C in its terminal: SIGINT to its whole process group; its exit status."""
        os.killpg(self.proc.pid, signal.SIGINT)
        return await asyncio.wait_for(self.proc.wait(), 60)


@asynccontextmanager
async def souk_run(var_dir: Path, **settings: str) -> AsyncIterator[RunningSouk]:
    """`souk run --port N` on a free port, answering /ready; killed at the end if still running."""
    var_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = var_dir / "souk-run.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            SOUK, "run", "--port", str(port), cwd=REPO, env=souk_env(**local_settings(var_dir), **settings),
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    running = RunningSouk(proc, f"http://127.0.0.1:{port}", log)

    async def ready() -> bool:
        assert proc.returncode is None, f"souk run exited with {proc.returncode}:\n{running.output()}"
        return await answers_ready(running.url)

    try:
        await until(ready, within_s=60, what=f"souk run on port {port} answering /ready")
        yield running
    finally:
        if proc.returncode is None:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()


def processes_mentioning(text: str) -> list[str]:
    """Command lines of the running processes that contain `text` (a test's temporary path)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with suppress(OSError):
            argv = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if text in argv:
                found.append(argv)
    return found
