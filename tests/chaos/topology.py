"""The separate-process topology of the Procfile and README "Scaling out": a nats-server of its own
(or NATS the test runs elsewhere, such as a cluster), one `souk worker` process per domain, two
`souk edge` processes and one or more `souk scheduler`s, on free ports, against a shared database;
with what a chaos test does to it (kill, restart)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from nodes.runtime.embedded_nats import free_port, free_ports
from tests.chaos.clients import is_ready
from tests.support.eventually import until
from tests.support.processes import Proc, Processes

# The ones chat traffic reaches (a dialog is about an active ad: the market checks it, with the
# catalog's references): all /ready asks for.
DOMAINS = ("identity", "chat", "presence", "notify", "catalog", "market")
PRESENCE_TTL_S = 3.0
SWEEP_INTERVAL_S = 1.0
# The documented bound for a killed edge's users to go offline is the key's TTL plus one sweep
# interval; on top of it, the sweep's own work and the delivery to the watcher's socket.
OFFLINE_WITHIN_S = PRESENCE_TTL_S + SWEEP_INTERVAL_S + 2.0
BOOT_WITHIN_S = 45.0  # nine Python processes starting at once on two shared cores
READY_WITHIN_S = 20.0  # a process back after an outage: reconnect (every 0.5 s) and ping every domain


def environment(nats_url: str, database_url: str, var_dir: Path) -> dict[str, str]:
    """The environment every process gets: the operator's variables only, none of this shell's."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("SOUK_")}
    return {
        **inherited,
        "SOUK_NATS_URL": nats_url,
        "SOUK_DATABASE_URL": database_url,
        "SOUK_DATABASE_POOL_SIZE": "3",
        "SOUK_WORKERS_DOMAINS": ",".join(DOMAINS),
        "SOUK_NATS_REQUEST_TIMEOUT": "3",
        "SOUK_PRESENCE_TTL_S": str(PRESENCE_TTL_S),
        "SOUK_SCHEDULER_PRESENCE_SWEEP_INTERVAL_S": str(SWEEP_INTERVAL_S),
        # A leader that lost its lease while NATS was away takes it back within this.
        "SOUK_SCHEDULER_LEASE_TTL_S": "5",
        "SOUK_PATHS_VAR_DIR": str(var_dir),
        "SOUK_MEDIA_DIR": str(var_dir / "media"),
        "SOUK_LOG_LEVEL": "INFO",
        "SOUK_EDGE_METRICS_PORT": "0",  # two edges on one host: no listener to fight over
    }


@dataclass
class Topology:
    procs: Processes
    nats_port: int
    nats_store: Path
    edge_ports: tuple[int, int]
    own_nats: bool = True  # False: the processes use NATS the test runs itself (see `plan`)
    schedulers: int = 1

    @classmethod
    def plan(
        cls,
        database_url: str,
        base: Path,
        *,
        nats_url: str | None = None,
        schedulers: int = 1,
        env: Mapping[str, str] | None = None,
    ) -> Topology:
        """`nats_url`: NATS that runs without this topology (every node of a cluster, comma-separated);
        `env`: settings on top of the chaos defaults, for every process."""
        nats_port = free_port()
        url = nats_url or f"nats://127.0.0.1:{nats_port}"
        full_env: Mapping[str, str] = {**environment(url, database_url, base / "var"), **(env or {})}
        procs = Processes(base / "logs", full_env)
        first, second = free_ports(2)
        return cls(procs, nats_port, base / "nats", (first, second), nats_url is None, schedulers)

    @property
    def nats_url(self) -> str:
        return self.procs.env["SOUK_NATS_URL"]

    @property
    def scheduler_names(self) -> list[str]:
        return ["scheduler"] + [f"scheduler{i}" for i in range(1, self.schedulers)]

    @property
    def edges(self) -> tuple[str, str]:
        first, second = self.edge_ports
        return f"http://127.0.0.1:{first}", f"http://127.0.0.1:{second}"

    async def boot(self, http: aiohttp.ClientSession) -> None:
        if self.own_nats:
            await self.start_nats()
        await self.procs.run_souk("migrate", "migrate")
        for domain in DOMAINS:
            await self.start_worker(domain)
        for name in self.scheduler_names:
            await self.procs.souk(name, "scheduler")
        # Ports chosen when planned may have been taken since by another test's process (the suite
        # runs in several): chosen again right before the edges bind them.
        first, second = free_ports(2)
        self.edge_ports = (first, second)
        for edge in range(len(self.edge_ports)):
            await self.start_edge(edge)
        for edge in range(len(self.edge_ports)):
            await self.wait_ready(http, edge, within_s=BOOT_WITHIN_S)

    async def start_nats(self) -> Proc:
        nats = await self.procs.nats_server("nats", self.nats_port, self.nats_store)
        await until(self._nats_listens, within_s=15.0, what="nats-server listening")
        return nats

    async def _nats_listens(self) -> bool:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", self.nats_port)
        except OSError:
            return False
        writer.close()
        await writer.wait_closed()
        return True

    async def restart_nats(self) -> None:
        """Stop the server (SIGTERM) and start it again on the same port with the same store."""
        status = await self.procs.latest("nats").stop()
        assert status == 0, f"nats-server exited with {status}"
        await self.start_nats()

    async def start_worker(self, domain: str) -> Proc:
        return await self.procs.souk(domain, "worker", domain)

    async def start_edge(self, edge: int) -> Proc:
        return await self.procs.souk(f"edge{edge}", "edge", "--port", str(self.edge_ports[edge]))

    async def kill(self, name: str) -> None:
        """SIGKILL the latest run of `name` and reap it (its port is free again)."""
        run = self.procs.latest(name)
        run.kill()
        await run.proc.wait()

    async def wait_ready(
        self, http: aiohttp.ClientSession, edge: int, *, within_s: float = READY_WITHIN_S
    ) -> float:
        url, run = self.edges[edge], self.procs.latest(f"edge{edge}")

        async def ready() -> bool:
            assert run.running, f"edge{edge} exited with {run.proc.returncode}:\n{run.text()}"
            return await is_ready(http, url)

        return await until(ready, within_s=within_s, what=f"/ready 200 on edge{edge}")
