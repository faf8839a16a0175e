"""A three-node NATS cluster with JetStream on loopback: three processes of the bundled nats-server,
routed to each other, each with a store of its own. Nodes can be killed and restarted on the same
ports and stores, as an operator's node would come back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import nats
from nats.errors import Error as NatsError
from nats.js import JetStreamContext

from nodes.runtime.embedded_nats import EmbeddedNats, free_ports

CLUSTER_NAME = "souk-test"
READY_S = 30.0


class NatsCluster:
    def __init__(self, root: Path, size: int = 3) -> None:
        ports = free_ports(2 * size)
        self.client_ports, self.route_ports = ports[:size], ports[size:]
        routes = ",".join(f"nats://127.0.0.1:{port}" for port in self.route_ports)
        self.nodes = [
            EmbeddedNats(
                root / f"n{i}",
                port=self.client_ports[i],
                extra_args=(
                    "-n",
                    f"n{i}",
                    "--cluster_name",
                    CLUSTER_NAME,
                    "--cluster",
                    f"nats://127.0.0.1:{self.route_ports[i]}",
                    "--routes",
                    routes,
                ),
            )
            for i in range(size)
        ]

    @property
    def url(self) -> str:
        """Every node, as clients list them in SOUK_NATS_URL."""
        return ",".join(node.url for node in self.nodes)

    async def start(self) -> None:
        # Together: JetStream needs a quorum of the nodes before its meta leader is elected.
        await asyncio.gather(*(node.start() for node in self.nodes))
        await self.wait_for_jetstream()

    async def stop(self) -> None:
        await asyncio.gather(*(node.stop() for node in self.nodes))

    def kill(self, index: int) -> None:
        """Node `index` dies at once, as a crashed machine's would."""
        self.nodes[index].kill()

    async def restart(self, index: int) -> None:
        """Node `index` comes back on its ports and store, and the cluster's JetStream answers again."""
        await self.nodes[index].start()
        await self.wait_for_jetstream()

    async def node_leading(self, js: JetStreamContext, stream: str) -> int:
        """The index of the node that leads `stream` (with one replica: the node that holds it)."""
        info = await js.stream_info(stream)
        assert info.cluster is not None and info.cluster.leader is not None, f"{stream} has no leader"
        return [f"n{i}" for i in range(len(self.nodes))].index(info.cluster.leader)

    async def wait_for_jetstream(self, within_s: float = READY_S) -> None:
        """Until JetStream answers an account request through every node that runs."""
        deadline = time.monotonic() + within_s
        for node in self.nodes:
            if node.pid is None:
                continue
            while True:
                try:
                    nc = await nats.connect(node.url, connect_timeout=2, max_reconnect_attempts=0)
                    try:
                        await nc.jetstream().account_info()
                        break
                    finally:
                        await nc.close()
                except (NatsError, OSError, TimeoutError):
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"JetStream did not answer through {node.url}") from None
                    await asyncio.sleep(0.2)


@asynccontextmanager
async def nats_cluster(root: Path, size: int = 3) -> AsyncIterator[NatsCluster]:
    cluster = NatsCluster(root, size)
    try:
        await cluster.start()
        yield cluster
    finally:
        await cluster.stop()
