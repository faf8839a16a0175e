"""Login and refresh throughput through the edge, with the edge and the identity worker deployed as
separate processes (`souk edge`, `souk worker identity`) on the bundled nats-server and a migrated
SQLite (or --database-url) database.

Registers a user, then drives `POST /api/v1/auth/login` and `POST /api/v1/auth/refresh` over HTTP
with N concurrent clients. Prints requests/s, p50 and p99. Rate limits are lifted for the run: one
client address sends everything, and the limits would measure themselves rather than the path.

    .venv/bin/python bench/auth_throughput.py [--requests 400] [--concurrency 16] [--database-url URL]

Login is bounded on purpose: each is one argon2id hash (~20 ms of a core), two at once per worker.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.processes import until_ready
from nodes.runtime.embedded_nats import EmbeddedNats, free_port
from storage.migrate import upgrade

EMAIL, PASSWORD = "bench@example.com", "bench-password-123"


async def drive(
    call: Callable[[], Awaitable[int]], total: int, concurrency: int
) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    failures = 0
    queue = iter(range(total))

    async def client() -> None:
        nonlocal failures
        for _ in queue:
            started = time.perf_counter()
            status = await call()
            latencies.append(time.perf_counter() - started)
            failures += status >= 400

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, time.perf_counter() - began, failures


def report(name: str, latencies: list[float], elapsed: float, failures: int) -> None:
    q = statistics.quantiles(latencies, n=100)
    print(
        f"  {name:<8} {len(latencies) / elapsed:8.0f} req/s   p50 {q[49] * 1e3:7.1f} ms   "
        f"p99 {q[98] * 1e3:7.1f} ms   failures {failures}"
    )


async def start(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    souk = Path(sys.executable).parent / "souk"
    return await asyncio.create_subprocess_exec(str(souk), *args, env=env, cwd=REPO)


async def main(total: int, concurrency: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        nats_server = EmbeddedNats(Path(tmp) / "nats")
        url = await nats_server.start()
        database = database_url or f"sqlite+aiosqlite:///{tmp}/souk.db"
        await upgrade(database)
        port = free_port()
        env = {
            **os.environ, "SOUK_NATS_URL": url, "SOUK_DATABASE_URL": database, "SOUK_EDGE_PORT": str(port), "SOUK_EDGE_METRICS_PORT": "0",
            "SOUK_LOG_LEVEL": "WARNING", "SOUK_PATHS_VAR_DIR": tmp, "SOUK_LIMITS_LOGIN_PER_ACCOUNT": "1000000000",
            "SOUK_LIMITS_LOGIN_PER_IP": "1000000000", "SOUK_LIMITS_REFRESH_PER_IP": "1000000000",
        }  # fmt: skip
        processes = [await start(env, "worker", "identity"), await start(env, "edge")]
        root = f"http://127.0.0.1:{port}/api/v1/auth"
        connector = aiohttp.TCPConnector(limit=concurrency)
        try:
            async with aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar()
            ) as http:
                await until_ready(http, f"http://127.0.0.1:{port}/ready")
                body = {"email": EMAIL, "password": PASSWORD, "full_name": "B"}
                async with http.post(f"{root}/register", json=body) as r:
                    assert r.status in (200, 201), await r.text()

                async def login() -> int:
                    async with http.post(
                        f"{root}/login", json={"email": EMAIL, "password": PASSWORD}
                    ) as resp:
                        await resp.read()
                        return resp.status

                tokens: list[str] = []
                for _ in range(concurrency):  # one session per client, each refreshed in turn
                    async with http.post(
                        f"{root}/login", json={"email": EMAIL, "password": PASSWORD}
                    ) as resp:
                        tokens.append((await resp.json())["refresh_token"])

                async def refresh() -> int:
                    token = tokens.pop()
                    async with http.post(f"{root}/refresh", json={"refresh_token": token}) as resp:
                        answer = await resp.json()
                        tokens.append(answer.get("refresh_token", token))
                        return resp.status

                kind = database.split(":")[0]
                print(f"edge and identity worker as separate processes, {kind}, {concurrency} clients")
                report("login", *await drive(login, total, concurrency))
                report("refresh", *await drive(refresh, total * 5, concurrency))
        finally:
            for process in processes:
                process.terminate()
            await asyncio.gather(*(process.wait() for process in processes))
            await nats_server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(main(args.requests, args.concurrency, args.database_url))
