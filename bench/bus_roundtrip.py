"""NATS request/reply round trip: Souk's runtime (typed bus + worker) against bare nats-py.

Both run in the same process against the same bundled nats-server, with the same payload size and
the same concurrency, so the ratio is the runtime's own overhead. Prints p50/p99 and requests/s.

    .venv/bin/python bench/bus_roundtrip.py [--requests 20000] [--concurrency 1,32]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nats
from nats.aio.msg import Msg

from nodes.runtime.bus import Bus
from nodes.runtime.embedded_nats import EmbeddedNats
from nodes.runtime.worker import Handlers, WorkerRuntime
from protocols import subjects
from protocols.envelope import Actor, Command, Message, Role


class Echoed(Message):
    text: str


class Echo(Command[Echoed]):
    subject: ClassVar[str] = subjects.svc("bench", "echo")
    text: str


handlers: Handlers[None] = Handlers("bench")


@handlers.on(Echo)
async def echo(cmd: Echo, _actor: Actor, _deps: None) -> Echoed:
    return Echoed(text=cmd.text)


async def measure(
    call: Callable[[], Awaitable[object]], total: int, concurrency: int
) -> tuple[list[float], float]:
    latencies: list[float] = []
    per_worker = total // concurrency

    async def loop() -> None:
        for _ in range(per_worker):
            started = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - started)

    for _ in range(min(500, per_worker)):  # warm up
        await call()
    began = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return latencies, time.perf_counter() - began


def report(name: str, rounds: list[tuple[list[float], float]]) -> float:
    """Latency quantiles over all rounds; throughput as the median round's."""
    latencies = [x for lat, _ in rounds for x in lat]
    q = statistics.quantiles(latencies, n=100)
    rate = statistics.median(len(lat) / elapsed for lat, elapsed in rounds)
    print(f"  {name:<14} p50 {q[49] * 1e6:8.0f} µs   p99 {q[98] * 1e6:8.0f} µs   {rate:10,.0f} req/s")
    return rate


async def main(total: int, levels: list[int], rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedNats(Path(tmp) / "nats")
        url = await server.start()
        text = "x" * 64

        bare_server = await nats.connect(url)
        bare_client = await nats.connect(url)

        async def bare_handler(msg: Msg) -> None:
            await msg.respond(msg.data)

        await bare_server.subscribe("bench.bare", queue="bench", cb=bare_handler)
        payload = b'{"text":"' + text.encode() + b'"}'

        worker_bus = await Bus.connect(url, name="bench-worker")
        await WorkerRuntime(worker_bus, handlers, None).start()
        client_bus = await Bus.connect(url, name="bench-client")
        actor = Actor(user_id=1, role=Role.USER)
        cmd = Echo(text=text)

        print(
            f"request/reply, {rounds} alternating rounds of {total} requests, 64-byte payload, bundled nats-server"
        )
        for concurrency in levels:
            print(f"concurrency {concurrency}:")
            bare_rounds, souk_rounds = [], []
            for _ in range(rounds):  # alternate, so background noise hits both alike
                bare_rounds.append(
                    await measure(
                        lambda: bare_client.request("bench.bare", payload, timeout=5), total, concurrency
                    )
                )
                souk_rounds.append(
                    await measure(lambda: client_bus.request(cmd, actor=actor), total, concurrency)
                )
            bare = report("bare nats-py", bare_rounds)
            souk = report("souk runtime", souk_rounds)
            print(f"  overhead: bare/souk throughput = {bare / souk:.2f}x")

        await client_bus.close()
        await worker_bus.close()
        await bare_client.close()
        await bare_server.close()
        await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--concurrency", default="1,32")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(main(args.requests, [int(c) for c in args.concurrency.split(",")], args.rounds))
