"""The `souk` command as an operator runs it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from nodes.runtime.embedded_nats import free_port

REPO = Path(__file__).resolve().parents[2]


def souk(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nodes.cli", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_create_admin_then_refuses_a_duplicate(database_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "SOUK_DATABASE_URL": database_url, "SOUK_ADMIN_PASSWORD": "correct horse battery"}
    first = souk("users", "create-admin", "--email", "Root@Example.com", env=env)
    assert first.returncode == 0, first.stderr
    assert "admin Root@Example.com created" in first.stdout
    again = souk("users", "create-admin", "--email", "root@example.com", env=env)
    assert again.returncode != 0
    assert "Email already exists" in again.stderr
    assert "correct horse" not in first.stderr + first.stdout + again.stderr  # no secrets in logs


def test_separate_processes_need_a_shared_nats(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SOUK_NATS_URL"}
    result = souk("edge", env=env)
    assert result.returncode != 0 and "SOUK_NATS_URL" in result.stderr


async def test_run_serves_health_and_docs_then_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SOUK_EDGE_PORT": str(port),
        "SOUK_EDGE_METRICS_PORT": str(free_port()),
        "SOUK_PATHS_VAR_DIR": str(tmp_path / "var"),
        "SOUK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'var' / 'souk.db'}",
    }
    env.pop("SOUK_NATS_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "nodes.cli", "run"], cwd=REPO, env=env)
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/ready") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            async with http.get(f"http://127.0.0.1:{port}/health") as resp:
                assert resp.status == 200 and (await resp.json())["status"] == "ok"
            async with http.get(f"http://127.0.0.1:{port}/docs") as resp:
                assert resp.status == 200 and "swagger" in (await resp.text()).lower()
        proc.send_signal(signal.SIGINT)
        assert await asyncio.to_thread(proc.wait, 30) == 0
        # The bundled nats-server went with it.
        leftover = subprocess.run(["pgrep", "-f", str(tmp_path / "var" / "nats")], capture_output=True)
        assert leftover.returncode == 1
    finally:
        if proc.poll() is None:
            proc.kill()
