"""Chat over Socket.IO across two edges, every message stored, against python-socketio + Redis.

Souk: the bundled nats-server, a migrated database (SQLite, or --database-url), the workers in one
process (`souk worker identity chat notify presence`) and two `souk edge` processes. N users in
pairs, each pair with one conversation and its two users on different edges. Reference:
python-socketio alone on two aiohttp nodes scaled with AsyncRedisManager (Redis on 127.0.0.1:6379)
relaying the same traffic without storing it (bench/reference_sio.py).

For each: (1) every client sends at a fixed rate for a while (open loop), after --warmup seconds of
the same that are not counted (each conversation's first messages, cold caches): send -> receive
latency p50/p99 at the peer, and the messages/s delivered; (2) every client sends as fast as its acks come
back (closed loop): the most messages/s it sustains; and for each, the CPU milliseconds per
delivered message of every process. Then Souk's memory per idle connection with --idle sockets
connected to one edge. The reference runs twice: on asyncio's own event loop, as python-socketio
comes, and on uvloop, the loop Souk's processes run on by default.

    .venv/bin/python bench/chat_throughput.py [--clients 2000] [--rate 1.5] [--seconds 20] [--warmup 5]
        [--idle 10000] [--database-url postgresql://...] [--skip-reference]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.processes import cpu_seconds
from bench.sio_wire import WireClient
from nodes.runtime import event_loop
from nodes.runtime.bus import Bus
from nodes.runtime.embedded_nats import EmbeddedNats, free_port
from protocols.chat import ConversationKind, OpenConversation
from protocols.envelope import Actor, Role
from protocols.identity import Register
from storage.migrate import upgrade

PASSWORD = "bench-password-123"
# Client message ids never repeat within a run (a repeat is a retry, stored once and not delivered).
RUN = os.urandom(4).hex()
SENDS = itertools.count()
CONNECT_WAVE = 200


@dataclass
class Peer:
    user_id: int
    token: str
    peer_id: int = 0
    conversation_id: int = 0
    client: WireClient | None = None


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    received: int = 0
    failed: int = 0
    on_receive: Callable[[int], None] | None = None

    def record(self, sender: int, sent_at: float) -> None:
        self.received += 1
        self.latencies.append(time.perf_counter() - sent_at)
        if self.on_receive is not None:
            self.on_receive(sender)


def summary(name: str, tally: Tally, seconds: float) -> str:
    """Delivered messages per second of sending, and send -> receive latency at the peer."""
    if len(tally.latencies) < 2:
        return f"  {name:<34} nothing delivered (failures {tally.failed})"
    q = statistics.quantiles(tally.latencies, n=100)
    return (
        f"  {name:<34} {tally.received / seconds:8.0f} msg/s   p50 {q[49] * 1e3:7.1f} ms   "
        f"p99 {q[98] * 1e3:7.1f} ms   failures {tally.failed}"
    )


# --- processes -------------------------------------------------------------------------------------


async def spawn(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(*args, env=env, cwd=REPO)


async def until_up(http: aiohttp.ClientSession, url: str) -> None:
    for _ in range(300):
        try:
            async with http.get(url) as resp:
                if resp.status < 500:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} never came up")


def cpu_report(pids: dict[str, int], before: dict[str, float], delivered: int) -> str:
    """CPU milliseconds per delivered message, per process: where the machine's two cores go."""
    if not delivered:
        return ""
    parts = [
        f"{name} {(cpu_seconds(pid) - before[name]) * 1e3 / delivered:.3f}" for name, pid in pids.items()
    ]
    return "    CPU ms per message: " + ", ".join(parts)


def redis_server() -> dict[str, int]:
    """The local Redis the reference relays through, when its process can be found: its CPU is part
    of the reference's cost as nats-server's is of Souk's."""
    for status in Path("/proc").glob("[0-9]*/comm"):
        try:
            if status.read_text().strip() == "redis-server":
                return {"redis-server": int(status.parent.name)}
        except OSError:
            continue
    return {}


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def stop(processes: list[asyncio.subprocess.Process]) -> None:
    """Last started, first stopped: edges say goodbye to workers that are still there."""
    for process in reversed(processes):
        if process.returncode is None:
            process.terminate()
            await process.wait()


# --- load ------------------------------------------------------------------------------------------


async def connect_all(
    http: aiohttp.ClientSession, peers: list[Peer], urls: list[str], auth: Callable[[Peer], dict[str, Any]]
) -> None:
    for start in range(0, len(peers), CONNECT_WAVE):
        wave = peers[start : start + CONNECT_WAVE]

        async def one(index: int, peer: Peer) -> None:
            peer.client = WireClient(http)
            await peer.client.connect(urls[index % 2], auth(peer))

        await asyncio.gather(*(one(start + i, p) for i, p in enumerate(wave)))


def listen(peers: list[Peer], tally: Tally, sent_at_of: Callable[[Any], tuple[int, float] | None]) -> None:
    for peer in peers:
        assert peer.client is not None

        def on_message(data: Any, me: int = peer.user_id) -> None:
            stamped = sent_at_of(data)
            if stamped is not None and stamped[0] != me:
                tally.record(stamped[0], stamped[1])

        peer.client.on("message", on_message)


async def open_loop(
    peers: list[Peer], rate: float, seconds: float, send: Callable[[Peer, int], Awaitable[bool]], tally: Tally
) -> float:
    """Every client sends `rate` messages a second for `seconds`; returns the elapsed time."""

    async def client(peer: Peer) -> None:
        await asyncio.sleep(random.random() / rate)
        deadline = time.perf_counter() + seconds
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            asyncio.create_task(_counted(send(peer, n), tally))
            await asyncio.sleep(random.expovariate(rate))

    began = time.perf_counter()
    await asyncio.gather(*(client(p) for p in peers))
    await asyncio.sleep(1.0)  # the last deliveries
    return time.perf_counter() - began


async def closed_loop(
    peers: list[Peer], seconds: float, send: Callable[[Peer, int], Awaitable[bool]], tally: Tally
) -> None:
    """Every client sends its next message once the previous one reached its peer: the most the
    system sustains end to end, with no backlog building up anywhere."""
    arrived: dict[int, asyncio.Event] = {p.user_id: asyncio.Event() for p in peers}
    tally.on_receive = lambda sender: arrived[sender].set() if sender in arrived else None

    async def client(peer: Peer) -> None:
        deadline = time.perf_counter() + seconds
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            arrived[peer.user_id].clear()
            await _counted(send(peer, n), tally)
            try:
                await asyncio.wait_for(arrived[peer.user_id].wait(), 10)
            except TimeoutError:
                tally.failed += 1

    await asyncio.gather(*(client(p) for p in peers))


async def settled(tally: Tally, quiet_s: float = 1.0, most_s: float = 60.0) -> None:
    """Until deliveries stop arriving (a saturated run leaves a backlog behind)."""
    deadline = time.perf_counter() + most_s
    seen = -1
    while tally.received != seen and time.perf_counter() < deadline:
        seen = tally.received
        await asyncio.sleep(quiet_s)


async def _counted(sending: Awaitable[bool], tally: Tally) -> None:
    try:
        if not await sending:
            tally.failed += 1
    except Exception:  # noqa: BLE001 - any failure of a send is a failed send, counted
        tally.failed += 1


# --- Souk ------------------------------------------------------------------------------------------


async def souk_users(bus: Bus, count: int) -> list[Peer]:
    slots = asyncio.Semaphore(8)

    async def one(i: int) -> Peer:
        async with slots:
            signed = await bus.request(Register(username=f"bench{i}", password=PASSWORD), timeout=60)
        assert signed.tokens is not None
        return Peer(user_id=signed.user.id, token=signed.tokens.access_token)

    peers = list(await asyncio.gather(*(one(i) for i in range(count))))
    for a, b in zip(peers[::2], peers[1::2], strict=True):
        cmd = OpenConversation(
            kind=ConversationKind.AD_DIALOG, topic_id=f"bench-{a.user_id}", with_users=[b.user_id]
        )
        conversation = await bus.request(cmd, actor=Actor(user_id=a.user_id, role=Role.USER))
        a.peer_id, b.peer_id = b.user_id, a.user_id
        a.conversation_id = b.conversation_id = conversation.id
    return peers


async def souk_send(peer: Peer, n: int) -> bool:
    assert peer.client is not None
    body = f"{peer.user_id}:{time.perf_counter()!r}"
    message = {"conversation_id": peer.conversation_id, "body": body, "client_msg_id": f"{RUN}-{next(SENDS)}"}
    ack = await peer.client.call("send", message)
    return isinstance(ack, dict) and bool(ack.get("ok"))


def souk_stamp(data: Any) -> tuple[int, float] | None:
    try:
        sender, sent_at = data["message"]["body"].split(":", 1)
        return int(sender), float(sent_at)
    except (KeyError, TypeError, ValueError):
        return None


async def run_souk(args: argparse.Namespace, tmp: str) -> None:
    nats_server = EmbeddedNats(Path(tmp) / "nats")
    url = await nats_server.start()
    database = args.database_url or f"sqlite+aiosqlite:///{tmp}/souk.db"
    await upgrade(database)
    ports = [free_port(), free_port()]
    env = {
        **os.environ, "SOUK_NATS_URL": url, "SOUK_DATABASE_URL": database, "SOUK_LOG_LEVEL": "WARNING",
        "SOUK_PATHS_VAR_DIR": tmp, "SOUK_LIMITS_REGISTER_PER_IP": "1000000000",
        "SOUK_LIMITS_LOGIN_PER_IP": "1000000000", "SOUK_EDGE_METRICS_PORT": "0",
    }  # fmt: skip
    souk = str(Path(sys.executable).parent / "souk")
    processes = [await spawn(env, souk, "worker", "identity", "chat", "notify", "presence")]
    processes += [await spawn({**env, "SOUK_EDGE_PORT": str(port)}, souk, "edge") for port in ports]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    bus = await Bus.connect(url, name="bench", request_timeout=60)
    connector = aiohttp.TCPConnector(limit=0)
    kind = database.split(":")[0]
    try:
        async with aiohttp.ClientSession(connector=connector) as http:
            for u in urls:
                await until_up(http, u + "/ready")
            began = time.perf_counter()
            peers = await souk_users(bus, args.clients)
            print(f"Souk ({kind}): {args.clients} users registered in {time.perf_counter() - began:.0f} s")
            await connect_all(http, peers, urls, lambda p: {"token": p.token})
            pids = {"worker": processes[0].pid, "edge 1": processes[1].pid, "edge 2": processes[2].pid,
                    "nats-server": nats_server.pid or 0}  # fmt: skip
            await measure(f"Souk, {kind}", peers, args, souk_send, souk_stamp, pids)
            for peer in peers:
                assert peer.client is not None
                await peer.client.close()
            if args.idle:
                await idle_memory(http, processes[1].pid, urls[0], peers, args.idle)
    finally:
        await bus.close()
        await stop(processes)
        await nats_server.stop()


async def idle_memory(
    http: aiohttp.ClientSession, edge_pid: int, url: str, peers: list[Peer], count: int
) -> None:
    await asyncio.sleep(2)
    before = rss_kib(edge_pid)
    sockets = [Peer(p.user_id, p.token) for _, p in zip(range(count), _cycle(peers), strict=False)]
    await connect_all(http, sockets, [url, url], lambda p: {"token": p.token})
    await asyncio.sleep(3)
    after = rss_kib(edge_pid)
    users = len({s.user_id for s in sockets})
    print(
        f"  idle: {count} sockets ({users} users) on one edge: RSS {before / 1024:.0f} -> {after / 1024:.0f} MiB, "
        f"{(after - before) / count:.1f} KiB per connection"
    )
    for s in sockets:
        assert s.client is not None
        await s.client.close()


def _cycle(peers: list[Peer]) -> Any:
    while True:
        yield from peers


# --- the reference ---------------------------------------------------------------------------------


async def reference_send(peer: Peer, _n: int) -> bool:
    assert peer.client is not None
    ack = await peer.client.call(
        "send", {"to": peer.peer_id, "from": peer.user_id, "sent_at": time.perf_counter()}
    )
    return isinstance(ack, dict) and bool(ack.get("ok"))


def reference_stamp(data: Any) -> tuple[int, float] | None:
    try:
        return int(data["from"]), float(data["sent_at"])
    except (KeyError, TypeError, ValueError):
        return None


async def run_reference(args: argparse.Namespace, *, uvloop: bool) -> None:
    ports = [free_port(), free_port()]
    script = [sys.executable, str(REPO / "bench" / "reference_sio.py"), *(["--uvloop"] if uvloop else [])]
    processes = [await spawn(dict(os.environ), *script, "--port", str(port)) for port in ports]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    peers = [Peer(user_id=i + 1, token="") for i in range(args.clients)]
    for a, b in zip(peers[::2], peers[1::2], strict=True):
        a.peer_id, b.peer_id = b.user_id, a.user_id
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            for u in urls:
                await until_up(http, u + "/socket.io/?EIO=4&transport=polling")
            await connect_all(http, peers, urls, lambda p: {"user": p.user_id})
            pids = {"node 1": processes[0].pid, "node 2": processes[1].pid, **redis_server()}
            name = f"python-socketio + Redis (no storage), {'uvloop' if uvloop else 'asyncio'}"
            await measure(name, peers, args, reference_send, reference_stamp, pids)
            for peer in peers:
                assert peer.client is not None
                await peer.client.close()
    finally:
        await stop(processes)


async def measure(
    name: str,
    peers: list[Peer],
    args: argparse.Namespace,
    send: Callable[[Peer, int], Awaitable[bool]],
    stamp: Callable[[Any], tuple[int, float] | None],
    pids: dict[str, int],
) -> None:
    pids = {**pids, "load generator": os.getpid()}
    if args.warmup:  # first sends in each conversation, cold caches: not the steady state measured
        warm = Tally()
        listen(peers, warm, stamp)
        await open_loop(peers, args.rate, args.warmup, send, warm)
        await settled(warm)
    fixed = Tally()
    listen(peers, fixed, stamp)
    before = {n: cpu_seconds(p) for n, p in pids.items()}
    await open_loop(peers, args.rate, args.seconds, send, fixed)
    offered = args.clients * args.rate
    print(summary(f"{name}, {offered:.0f} msg/s offered", fixed, args.seconds))
    print(cpu_report(pids, before, fixed.received))
    await settled(fixed)  # what the open loop left queued must not count below
    saturated = Tally()
    listen(peers, saturated, stamp)
    before = {n: cpu_seconds(p) for n, p in pids.items()}
    await closed_loop(peers, args.seconds, send, saturated)
    print(summary(f"{name}, each waiting for delivery", saturated, args.seconds))
    print(cpu_report(pids, before, saturated.received))


async def main(args: argparse.Namespace) -> None:
    print(f"{args.clients} clients in pairs across two nodes; {args.rate}/s each for {args.seconds:.0f} s")
    with tempfile.TemporaryDirectory() as tmp:
        await run_souk(args, tmp)
    if not args.skip_reference:
        await run_reference(args, uvloop=False)  # as the issue describes it: python-socketio as it comes
        await run_reference(args, uvloop=True)  # and on the event loop Souk's processes use


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=1.5, help="messages per second per client (open loop)")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--warmup", type=float, default=5, help="seconds of sending before measuring (0: none)"
    )
    parser.add_argument(
        "--idle", type=int, default=10000, help="idle sockets for the memory figure (0: skip)"
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--skip-reference", action="store_true")
    logging.basicConfig(level=logging.ERROR)
    # The load generator on uvloop and with Souk's garbage collection setting too: the less of the two
    # cores it takes, the more is left for the systems measured, both of them alike.
    event_loop.tune_gc(50_000)
    event_loop.run(main(parser.parse_args()), "uvloop")
