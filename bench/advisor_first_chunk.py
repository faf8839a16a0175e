"""The car advisor's answers under concurrent conversations: from posting a message to the first
streamed chunk, and to the whole answer. Prints figures, never asserts.

The bundled nats-server, a migrated SQLite database (or --database-url) in a temporary directory,
`souk worker identity chat notify catalog market` in one process, `souk worker advisor` in another (the
rule-based backend, the default) and one `souk edge`. --conversations users each create a chat over
HTTP (not measured), then all of them at once post --rounds messages each, one after another (a request, then
follow-ups that narrow it): each post is followed by opening its `stream_url` and reading it to the end.

With --think-s, each buyer starts at a random moment within it and waits it between messages (reading
the answer, typing the next); without, every buyer posts again as soon as the answer ended (a closed
loop: the most load 50 conversations can make). Figures, p50 / p95 over every message: the POST itself (the floor: a stream opens only after it), the
first `chunk` event, and the `done` event, each from the moment the POST was sent.

    .venv/bin/python bench/advisor_first_chunk.py [--conversations 50] [--rounds 3]
        [--think-s 0] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.processes import cpu_seconds, until_ready
from nodes.runtime.embedded_nats import EmbeddedNats, free_port
from storage.migrate import upgrade

PASSWORD = "securePassword123"
REQUESTS = (
    "Ищу кроссовер до 3 млн, 7 мест",
    "Семейный автомобиль до 2 млн, нужен большой багажник",
    "Looking for an automatic sedan under 1.5m",
    "Нужен полноприводный внедорожник, бюджет 4 млн",
    "Первая машина, до 1 млн, коробка автомат",
)
FOLLOW_UPS = ("а подешевле?", "только автомат", "а с полным приводом?")
ANSWER_TIMEOUT_S = 120.0
DOMAINS = (
    "identity",
    "chat",
    "notify",
    "catalog",
    "market",
    "advisor",
)  # the advisor in a process of its own


@dataclass
class Timings:
    post: list[float] = field(default_factory=list)
    first_chunk: list[float] = field(default_factory=list)
    done: list[float] = field(default_factory=list)
    failed: int = 0


async def spawn(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(*args, env=env, cwd=REPO)


async def events(response: aiohttp.ClientResponse) -> Any:
    """The JSON of each `data:` event, as EventSource dispatches them."""
    data: list[str] = []
    async for raw in response.content:
        line = raw.decode().rstrip("\r\n")
        if not line:
            if data:
                yield orjson.loads("\n".join(data))
            data = []
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())


@dataclass(frozen=True)
class Buyer:
    index: int
    headers: dict[str, str]
    chat_id: int


async def buyer(http: aiohttp.ClientSession, base: str, index: int) -> Buyer:
    """An account with a chat (not measured: a password hash is no part of an answer)."""
    name = f"bench{index}"
    async with http.post(
        f"{base}/api/v1/auth/register",
        json={"email": f"{name}@example.com", "password": PASSWORD, "name": name},
    ) as resp:
        headers = {"Authorization": f"Bearer {(await resp.json())['access_token']}"}
    async with http.post(f"{base}/api/v1/chats", json={}, headers=headers) as resp:
        return Buyer(index, headers, (await resp.json())["id"])


async def conversation(
    http: aiohttp.ClientSession, base: str, who: Buyer, rounds: int, out: Timings, think_s: float = 0.0
) -> None:
    messages = [REQUESTS[who.index % len(REQUESTS)], *FOLLOW_UPS][:rounds]
    if think_s:  # people do not all press "send" in the same millisecond
        await asyncio.sleep(random.uniform(0, think_s))
    for number, content in enumerate(messages):
        if number and think_s:
            await asyncio.sleep(think_s)  # reading the answer, writing the next message
        began = time.perf_counter()
        url = f"{base}/api/v1/chats/{who.chat_id}/messages"
        async with http.post(url, json={"content": content}, headers=who.headers) as resp:
            sent = await resp.json()
            if resp.status != 201:
                out.failed += 1
                continue
        out.post.append(time.perf_counter() - began)
        await read_answer(http, f"{base}/api/v1{sent['stream_url']}", who.headers, began, out)


async def read_answer(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str], began: float, out: Timings
) -> None:
    first = None
    try:
        async with asyncio.timeout(ANSWER_TIMEOUT_S):
            async with http.get(url, headers={**headers, "Accept": "text/event-stream"}) as resp:
                async for event in events(resp):
                    if event["type"] == "chunk" and first is None:
                        first = time.perf_counter() - began
                    if event["type"] in ("done", "error"):
                        break
    except TimeoutError:
        pass
    if first is None:
        out.failed += 1
        return
    out.first_chunk.append(first)
    out.done.append(time.perf_counter() - began)


def quantiles(values: list[float]) -> str:
    if len(values) < 2:
        return "n/a"
    cuts = statistics.quantiles(values, n=100)
    return f"p50 {cuts[49] * 1e3:7.1f} ms   p95 {cuts[94] * 1e3:7.1f} ms"


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        nats_server = EmbeddedNats(Path(tmp) / "nats")
        nats_url = await nats_server.start()
        database = args.database_url or f"sqlite+aiosqlite:///{tmp}/souk.db"
        await upgrade(database)
        port = free_port()
        env = {
            **os.environ, "SOUK_NATS_URL": nats_url, "SOUK_DATABASE_URL": database,
            "SOUK_LOG_LEVEL": "WARNING", "SOUK_PATHS_VAR_DIR": tmp, "SOUK_EDGE_PORT": str(port),
            "SOUK_LIMITS_REGISTER_PER_IP": "1000000000", "SOUK_EDGE_METRICS_PORT": "0",
            "SOUK_WORKERS_DOMAINS": ",".join(DOMAINS),  # the edge's /ready asks only for those that run
        }  # fmt: skip
        souk = str(Path(sys.executable).parent / "souk")
        processes = [
            await spawn(env, souk, "worker", *DOMAINS[:-1]),
            await spawn(env, souk, "worker", "advisor"),
            await spawn(env, souk, "edge"),
        ]
        base = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                await until_ready(http, base + "/ready")
                # The catalog loads on the advisor's first question: not measured.
                await conversation(http, base, await buyer(http, base, 10_000), 1, Timings())
                slots = asyncio.Semaphore(8)

                async def signed_up(index: int) -> Buyer:
                    async with slots:
                        return await buyer(http, base, index)

                buyers = await asyncio.gather(*(signed_up(i) for i in range(args.conversations)))
                cpu_before = {p.pid: cpu_seconds(p.pid) for p in processes}
                timings = Timings()
                began = time.perf_counter()
                await asyncio.gather(
                    *(conversation(http, base, who, args.rounds, timings, args.think_s) for who in buyers)
                )
                wall = time.perf_counter() - began
                cpu = {p.pid: cpu_seconds(p.pid) - cpu_before[p.pid] for p in processes}
        finally:
            for process in reversed(processes):
                process.terminate()
                await process.wait()
            await nats_server.stop()
    kind = database.split(":")[0]
    answered = len(timings.done)
    print(f"Car advisor, rule-based backend, {kind}: {args.conversations} concurrent conversations x "
          f"{args.rounds} messages, {args.think_s:g} s between them: {answered} answers in {wall:.1f} s, "
          f"{timings.failed} failed")  # fmt: skip
    print(f"  POST /messages (the floor)   {quantiles(timings.post)}")
    print(f"  first chunk, from the POST   {quantiles(timings.first_chunk)}")
    print(f"  whole answer (done)          {quantiles(timings.done)}")
    names = ("workers", "advisor", "edge")
    spent = [f"{n} {cpu[p.pid]:.1f} s" for n, p in zip(names, processes, strict=True)]
    print("  CPU: " + ", ".join(spent))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--think-s", type=float, default=0.0, help="seconds between a buyer's messages")
    parser.add_argument("--database-url")
    asyncio.run(main(parser.parse_args()))
