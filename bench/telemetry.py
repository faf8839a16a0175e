"""Telemetry end to end: simulated OBD dongles POST batches through two `souk edge` processes, the
batches go through JetStream to `souk worker telemetry` processes and into PostgreSQL; beside it, in
the same run, the same rows bulk-inserted straight into PostgreSQL (COPY), the ceiling.

Each dongle (a vehicle of one of ten members) sends batches of 60 samples, one after the other, as
fast as it is answered; 10% of the accepted batches are sent a second time, as a dongle that timed
out retries. Prints samples stored per second end to end (from the first POST until the database
holds every accepted sample), p50 / p99 of the POST, and, read back from the database, duplicates
and losses among the 202-accepted batches; then the CPU seconds each kind of process spent meanwhile
(where the time goes on a machine of few cores). `--kill` SIGKILLs one telemetry worker halfway and
starts another. `--interval` paces each dongle to a batch every so many seconds, as dongles upload,
for the POST's latency below saturation (unpaced, every dongle waits on the others' uploads: a POST
takes as long as a thousand of them). `--profile DIR` runs every souk process under cProfile.

    .venv/bin/python bench/telemetry.py [--dongles 1000] [--seconds 20] [--workers 2] [--kill]
        [--interval 0] [--profile DIR] [--admin-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.processes import cpu_seconds, until_ready
from nodes.runtime.embedded_nats import EmbeddedNats, free_ports
from storage.engine import normalize_url
from storage.migrate import upgrade
from storage.testing import create_scratch_database, drop_scratch_database

MEMBERS = 10  # a member keeps at most 100 vehicles
SAMPLES = 60
RESENT = 0.10
PASSWORD = "bench-password-123"
DAY_MS = 86_400_000


def vin(n: int) -> str:
    """A European VIN (no check digit there), one per vehicle."""
    return f"WVWZZZ1JZX{n:07d}"


def samples_of(start: int) -> list[dict[str, Any]]:
    return [
        {"t": start + i * 1000, "speed": 50.0 + i % 20, "fuelRate": 5.5, "odometer": (start + i * 1000 - 1_600_000_000_000) / 72_000,
         "rpm": 2100.0, "coolantTemp": 90.0, "ignition": True}
        for i in range(SAMPLES)
    ]  # fmt: skip


class Load:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.accepted: dict[tuple[str, int], int] = {}  # (vehicle, batch start) -> samples
        self.statuses: dict[int, int] = {}
        self.resent = 0

    def record(self, status: int, seconds: float) -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1


async def dongle(
    http: aiohttp.ClientSession, edge: str, headers: dict[str, str], vehicle_id: str, until: float, load: Load,
    interval: float,
) -> None:  # fmt: skip
    start = int(time.time() * 1000) - 20 * DAY_MS + random.randrange(0, 60_000)
    due = time.monotonic() + random.uniform(0, interval)  # paced dongles spread over the interval
    while time.monotonic() < until:
        if interval:
            await asyncio.sleep(max(0.0, min(due, until) - time.monotonic()))
            due += interval
            if time.monotonic() >= until:
                break
        body = {"vehicleId": vehicle_id, "startTimestamp": start, "endTimestamp": start + (SAMPLES - 1) * 1000,
                "samples": samples_of(start)}  # fmt: skip
        sends = 2 if random.random() < RESENT else 1
        payload = orjson.dumps(body)  # the dongles' side costs the machine as little as it can
        for _ in range(sends):
            began = time.perf_counter()
            async with http.post(
                f"{edge}/api/telematics/{vehicle_id}/", data=payload, headers=headers
            ) as resp:
                await resp.read()
            load.record(resp.status, time.perf_counter() - began)
            if resp.status == 202:
                load.accepted[(vehicle_id, start)] = SAMPLES
            elif resp.status < 429:
                raise RuntimeError(f"refused: {resp.status} {await resp.text()}")
            else:
                await asyncio.sleep(1.0)  # Retry-After
        load.resent += sends - 1
        start += SAMPLES * 1000


async def vehicles(http: aiohttp.ClientSession, edge: str, count: int) -> list[tuple[dict[str, str], str]]:
    made: list[tuple[dict[str, str], str]] = []
    for member in range(MEMBERS):
        body = {"email": f"dongles{member}@example.com", "password": PASSWORD}
        async with http.post(f"{edge}/api/auth/register/", json=body) as resp:
            headers = {
                "Authorization": f"Bearer {(await resp.json())['accessToken']}",
                "Content-Type": "application/json",
            }
        for n in range(member * count // MEMBERS, (member + 1) * count // MEMBERS):
            car = {"vin": vin(n), "make": "Volkswagen", "model": "Golf", "year": 2019}
            async with http.post(f"{edge}/api/vehicles/", json=car, headers=headers) as resp:
                made.append((headers, (await resp.json())["id"]))
    return made


async def count(pg: asyncpg.Connection) -> int:
    """Rows stored: the key (vehicle, t) keeps them distinct; `stored` checks that once at the end."""
    return int(await pg.fetchval("SELECT count(*) FROM telemetry_samples"))


async def stored(pg: asyncpg.Connection) -> tuple[int, int]:
    total, distinct = await pg.fetchrow(
        "SELECT count(*), count(DISTINCT (vehicle_id, t)) FROM telemetry_samples"
    )
    return int(total), int(distinct)


async def ceiling(pg: asyncpg.Connection, rows: int) -> float:
    """Rows/s of the same rows COPYed straight into a table of the same shape, batch by batch."""
    await pg.execute("CREATE TABLE bench_ceiling (LIKE telemetry_samples INCLUDING ALL)")
    base = int(time.time() * 1000)
    columns = ["vehicle_id", "t", "speed", "fuel_rate", "odometer", "rpm", "coolant_temp", "ignition"]
    batches = [
        [
            (f"v{n % 1000}", base + n * 1000 + i, 50.0, 5.5, 10_000.0, 2100.0, 90.0, True)
            for i in range(SAMPLES)
        ]
        for n in range(rows // SAMPLES)
    ]
    began = time.perf_counter()
    for records in batches:
        await pg.copy_records_to_table("bench_ceiling", records=records, columns=columns)
    return len(batches) * SAMPLES / (time.perf_counter() - began)


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


async def database_pids(pg: asyncpg.Connection) -> list[int]:
    """The PostgreSQL backends serving the bench's database (the workers' pools), but this one."""
    query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    return [int(row["pid"]) for row in await pg.fetch(query)]


def spent_since(marked: dict[int, float], pids: list[int]) -> float:
    """CPU seconds of `pids` since `marked` (a pid not marked then: all of it)."""
    return sum(max(0.0, cpu_seconds(pid) - marked.get(pid, 0.0)) for pid in pids)


class Processes:
    """The souk processes, by kind, and the CPU each kind spent since `mark`."""

    def __init__(self, env: dict[str, str], log: Path, profile: Path | None) -> None:
        self.env, self.log, self.profile = env, log, profile
        self.kinds: dict[str, list[asyncio.subprocess.Process]] = {}
        self.marked: dict[int, float] = {}
        self.spent_before_death: dict[str, float] = {}

    async def start(self, kind: str, *args: str) -> asyncio.subprocess.Process:
        command = [str(Path(sys.executable).parent / "souk"), *args]
        if self.profile is not None:
            name = self.profile / f"{kind}-{len(self.kinds.get(kind, []))}.prof"
            command = [sys.executable, "-m", "cProfile", "-o", str(name), "-m", "nodes.cli", *args]
        with self.log.open("ab") as out:
            proc = await asyncio.create_subprocess_exec(
                *command, env=self.env, cwd=REPO, stdout=out, stderr=out
            )
        self.kinds.setdefault(kind, []).append(proc)
        return proc

    async def kill(self, proc: asyncio.subprocess.Process, kind: str) -> None:
        spent = cpu_seconds(proc.pid) - self.marked.get(proc.pid, 0.0)
        self.spent_before_death[kind] = self.spent_before_death.get(kind, 0.0) + spent
        proc.kill()
        await proc.wait()

    def all(self) -> list[asyncio.subprocess.Process]:
        return [proc for procs in self.kinds.values() for proc in procs]

    def mark(self) -> None:
        self.marked = {proc.pid: cpu_seconds(proc.pid) for proc in self.all()}

    def spent(self) -> dict[str, float]:
        return {
            kind: self.spent_before_death.get(kind, 0.0)
            + sum(cpu_seconds(p.pid) - self.marked.get(p.pid, 0.0) for p in procs if p.returncode is None)
            for kind, procs in self.kinds.items()
        }


async def main(args: argparse.Namespace) -> None:
    database = await create_scratch_database(args.admin_url)
    with tempfile.TemporaryDirectory() as tmp:
        nats_server = EmbeddedNats(Path(tmp) / "nats")
        url = await nats_server.start()
        await upgrade(database)
        ports = free_ports(2)
        env = {
            **os.environ, "SOUK_NATS_URL": url, "SOUK_DATABASE_URL": database, "SOUK_EDGE_METRICS_PORT": "0",
            "SOUK_LOG_LEVEL": "WARNING", "SOUK_PATHS_VAR_DIR": tmp, "SOUK_WORKERS_DOMAINS": "identity,garage,telemetry",
            "SOUK_LIMITS_REGISTER_PER_IP": "1000000",
        }  # fmt: skip
        log = Path(tmp) / "processes.log"
        if args.profile is not None:
            args.profile.mkdir(parents=True, exist_ok=True)
        souks = Processes(env, log, args.profile)
        await souks.start("identity+garage", "worker", "identity", "garage")
        for _ in range(args.workers):
            await souks.start("telemetry", "worker", "telemetry")
        for port in ports:
            await souks.start("edge", "edge", "--port", str(port), "--metrics-port", "0")
        edges = [f"http://127.0.0.1:{port}" for port in ports]
        pg = await asyncpg.connect(normalize_url(database).replace("+asyncpg", ""))
        try:
            connector = aiohttp.TCPConnector(limit=args.connections)
            async with aiohttp.ClientSession(connector=connector) as http:
                for edge in edges:
                    await until_ready(http, f"{edge}/ready")
                cars = await vehicles(http, edges[0], args.dongles)
                load = Load()
                souks.mark()
                servers = [nats_server.pid or 0, *await database_pids(pg)]
                servers_marked = {pid: cpu_seconds(pid) for pid in servers}
                client_cpu = time.process_time()
                began = time.monotonic()
                until = began + args.seconds
                driving = asyncio.gather(
                    *(
                        dongle(http, edges[i % 2], headers, vid, until, load, args.interval)
                        for i, (headers, vid) in enumerate(cars)
                    )
                )
                if args.kill:
                    await asyncio.sleep(args.seconds / 2)
                    await souks.kill(souks.kinds["telemetry"][0], "telemetry")
                    await souks.start("telemetry", "worker", "telemetry")
                    print("killed one telemetry worker (SIGKILL) and started another")
                await driving
                sent_s = time.monotonic() - began
                expected = sum(load.accepted.values())
                while await count(pg) < expected and time.monotonic() - began < args.seconds + 120:
                    await asyncio.sleep(0.5)
                elapsed = time.monotonic() - began
                spent = souks.spent() | {
                    "nats-server": spent_since(servers_marked, [nats_server.pid or 0]),
                    "PostgreSQL": spent_since(servers_marked, await database_pids(pg)),
                    "bench's dongles": time.process_time() - client_cpu,
                }
                total, distinct = await stored(pg)
            bare = await ceiling(pg, min(expected, 600_000))
        finally:
            await pg.close()
            for proc in souks.all():
                if proc.returncode is None:
                    proc.terminate()
            await asyncio.gather(*(p.wait() for p in souks.all()))
            await nats_server.stop()
            if args.profile is not None:
                shutil.copy(log, args.profile / "processes.log")
            await drop_scratch_database(args.admin_url, database)
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(load.statuses.items()))
    pace = f", a batch every {args.interval:g} s each" if args.interval else ""
    print(
        f"{len(cars)} dongles{pace}, two edges, {args.workers} telemetry workers, {args.seconds:g} s of uploads ({sent_s:.1f} s)"
    )
    print(f"  POSTs {len(load.latencies)} ({statuses}), {load.resent} sent twice")
    print(
        f"  POST p50 {percentile(load.latencies, 50) * 1e3:.1f} ms, p99 {percentile(load.latencies, 99) * 1e3:.1f} ms"
    )
    print(
        f"  end to end: {distinct:,} samples stored in {elapsed:.1f} s = {distinct / elapsed:,.0f} samples/s"
    )
    print(
        f"  duplicates {total - distinct}, losses {max(0, expected - distinct)} (of {expected:,} accepted samples)"
    )
    print(f"  ceiling, COPY straight into PostgreSQL: {bare:,.0f} samples/s "
          f"(end to end is {distinct / elapsed / max(bare, 1):.0%} of it)")  # fmt: skip
    print("  CPU seconds meanwhile: " + ", ".join(f"{kind} {s:.1f}" for kind, s in spent.items()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dongles", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2, help="telemetry worker processes")
    parser.add_argument(
        "--connections", type=int, default=0, help="HTTP connections over both edges (0: one per dongle)"
    )
    parser.add_argument("--kill", action="store_true", help="SIGKILL a telemetry worker halfway")
    parser.add_argument(
        "--interval",
        type=float,
        default=0.0,
        help="seconds between a dongle's batches (0: as fast as answered)",
    )
    parser.add_argument(
        "--profile", type=Path, help="run each souk process under cProfile, into this directory"
    )
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    asyncio.run(main(parser.parse_args()))
