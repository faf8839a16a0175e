"""`make procfile`: honcho runs the Procfile's processes; on Ctrl-C it sends each SIGTERM at once.
Every one must exit 0 without a traceback: the nats-server among them may only go once the others
have drained through it. (honcho itself then exits 130, as it always does after a SIGINT.)"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
from contextlib import suppress
from pathlib import Path

import pytest

from nodes.runtime.embedded_nats import free_ports
from tests.nodes.souk_command import BIN, REPO, answers_ready, local_settings, processes_mentioning, souk_env
from tests.support.eventually import until

pytestmark = pytest.mark.xdist_group("processes")  # eight processes: not beside the chaos tests

PROCFILE = REPO / "Procfile"
PORT = re.compile(r"\b\d{4,5}\b")


def procfile_on_free_ports(target: Path) -> dict[str, int]:
    """A copy of the Procfile with each of its ports replaced by a free one; the replacements."""
    text = PROCFILE.read_text()
    numbers = sorted(set(PORT.findall(text)))
    ports = dict(zip(numbers, free_ports(len(numbers)), strict=True))
    target.write_text(PORT.sub(lambda m: str(ports[m.group()]), text))
    return ports


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_ctrl_c_stops_every_process_of_the_procfile_cleanly(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    ports = procfile_on_free_ports(procfile)
    (tmp_path / ".env").write_text(f"SOUK_NATS_URL=nats://127.0.0.1:{ports['4223']}\n")
    log = tmp_path / "honcho.log"
    with log.open("wb") as out:
        honcho = await asyncio.create_subprocess_exec(
            str(BIN / "honcho"), "-f", str(procfile), "-d", str(REPO), "-e", str(tmp_path / ".env"), "start",
            env=souk_env(**local_settings(tmp_path / "var")),
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        edges = [f"http://127.0.0.1:{ports[number]}" for number in ("8001", "8002")]

        async def both_ready() -> bool:
            assert honcho.returncode is None, log.read_text()
            return all([await answers_ready(url) for url in edges])

        await until(both_ready, within_s=90, what="both Procfile edges answering /ready")
        os.killpg(honcho.pid, signal.SIGINT)  # Ctrl-C in honcho's terminal
        await asyncio.wait_for(honcho.wait(), 60)
    finally:
        if honcho.returncode is None:
            with suppress(ProcessLookupError):
                os.killpg(honcho.pid, signal.SIGKILL)
            await honcho.wait()
    output = log.read_text(errors="replace")
    names = re.findall(r"^(\w+):", PROCFILE.read_text(), re.MULTILINE)
    stopped = dict(re.findall(r"\| (\w+)\.1 stopped \(rc=(-?\d+)\)", output))
    assert stopped == dict.fromkeys(names, "0"), output
    assert "Traceback" not in output and " ERROR " not in output, output
    stopping = output[output.index("SIGINT received") :]  # at start, processes wait for the nats-server
    assert "nats error" not in stopping and "disconnected" not in stopping, output
    started = [int(pid) for pid in re.findall(r"started \(pid=(\d+)\)", output)]
    assert started and not [pid for pid in started if _pid_alive(pid)]
    assert processes_mentioning(str(tmp_path)) == []  # the nats-server `souk nats` started too
