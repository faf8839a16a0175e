"""A logout is never lost: on a three-node NATS cluster, the node holding the `revoked_sessions`
bucket dies; logging out still succeeds, and once the node is back every edge refuses the ended
sessions' access tokens (an edge that stayed connected, one that reconnected, one started later).
A retried logout announces the end again."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import jwt
import nats.errors
import pytest
from aiohttp import ClientResponse
from pytest_aiohttp import AiohttpClient

from nodes.edge.state import BUS
from nodes.runtime.bus import Bus
from nodes.workers.identity.revocations import RevocationOutbox
from protocols import subjects
from protocols.identity import Register
from tests.conftest import Cluster
from tests.support.edge_server import Edge, edge_beside
from tests.support.eventually import until
from tests.support.http import bearer, json_of
from tests.support.nats_cluster import NatsCluster, nats_cluster
from tests.support.polling import status_becomes

# Many processes or a NATS cluster each: one such module at a time (make test's --dist loadgroup).
# The subject is a NATS node's loss, not the store: SQLite only.
pytestmark = [
    pytest.mark.xdist_group("processes"),
    pytest.mark.domains("identity"),
    pytest.mark.database_agnostic,
]

PASSWORD = "SecurePass123!"
EMAIL = "leaving@example.com"
ME = "/api/v1/users/me"
# A node back, its JetStream answering: the outbox's next attempt, the edges' watches resuming.
RECOVERY_S = 15.0
RECONNECT_S = 10.0


@pytest.fixture
async def three_nodes(tmp_path: Path) -> AsyncIterator[NatsCluster]:
    async with nats_cluster(tmp_path / "nats") as nodes:
        yield nodes


@pytest.fixture
def nats_server(three_nodes: NatsCluster) -> NatsCluster:
    """The cluster fixture's processes connect to every node of the three (its `url` lists them)."""
    return three_nodes


@pytest.fixture
async def resources() -> AsyncIterator[AsyncExitStack]:
    """Edges a test starts beside the cluster; requested after `cluster`, so closed before it."""
    async with AsyncExitStack() as stack:
        yield stack


def outbox(cluster: Cluster) -> RevocationOutbox:
    (identity,) = [runtime for runtime in cluster.workers.runtimes if runtime.domain == "identity"]
    revocations: RevocationOutbox = identity.deps.revocations
    return revocations


async def sign_in(edge: Edge) -> dict[str, Any]:
    """A new session through MillionAvto: its tokens, and its id."""
    tokens: dict[str, Any] = await json_of(
        await edge.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD}), 200
    )
    edge.session.cookie_jar.clear()  # each logout below says which session it ends
    return tokens


def session_of(access: str) -> str:
    sid: str = jwt.decode(access, options={"verify_signature": False})["sid"]
    return sid


async def me(edge: Edge, access: str) -> ClientResponse:
    return await edge.get(ME, headers=bearer(access))


async def refused_everywhere(edges: tuple[Edge, ...], access: str, within_s: float) -> None:
    for edge in edges:
        assert await status_becomes(401, functools.partial(me, edge, access), within_s=within_s) == 401


async def connected(*buses: Bus) -> bool:
    return all(bus.is_connected for bus in buses)


async def revoked_bucket_node(cluster: Cluster, nodes: NatsCluster) -> int:
    stream = f"KV_{subjects.REVOKED_SESSIONS_BUCKET}"
    info = await cluster.worker_bus.jetstream.stream_info(stream)
    assert info.config.num_replicas == 1, "the test needs the bucket on one node, so one kill loses it"
    return await nodes.node_leading(cluster.worker_bus.jetstream, stream)


async def buckets_answer(cluster: Cluster) -> bool:
    """Whether NATS is healthy again for the edges: the streams of the buckets they watch answer (a
    node's JetStream answers a moment before the streams it holds have recovered)."""
    for bucket in (subjects.AUTH_KEYS_BUCKET, subjects.REVOKED_SESSIONS_BUCKET):
        try:
            await cluster.worker_bus.jetstream.stream_info(f"KV_{bucket}")
        except (nats.errors.Error, TimeoutError):
            return False
    return True


async def test_a_logout_while_the_bucket_is_down_reaches_every_edge_once_it_is_back(
    three_nodes: NatsCluster, cluster: Cluster, resources: AsyncExitStack, aiohttp_client: AiohttpClient
) -> None:
    await cluster.worker_bus.request(
        Register(email=EMAIL, username="leaving", password=PASSWORD, sign_in=False)
    )
    by_access, by_refresh, by_barter = [await sign_in(cluster.edge_a) for _ in range(3)]
    down = await revoked_bucket_node(cluster, three_nodes)
    # An edge connected to that node only: it reconnects when the node comes back, to a bucket
    # that took puts while it was away.
    edge_c = await edge_beside(
        cluster.settings, three_nodes.nodes[down].url, "edge-c", aiohttp_client, resources
    )
    buses = [cluster.worker_bus, *(edge.app[BUS] for edge in cluster.edges)]

    three_nodes.kill(down)
    await until(lambda: connected(*buses), within_s=RECONNECT_S, what="the cluster reconnected to the others")
    for session in (by_access, by_refresh, by_barter):  # identity answers: the tokens are still good
        assert (await me(cluster.edge_b, session["access_token"])).status == 200

    # Every contract's logout succeeds, though nothing can be announced now.
    out = await cluster.edge_a.post("/api/v1/auth/logout", headers=bearer(by_access["access_token"]))
    assert out.status == 204, await out.text()
    out = await cluster.edge_b.post(
        "/api/v1/auth/logout", json={"refresh_token": by_refresh["refresh_token"]}
    )
    assert out.status == 204, await out.text()
    out = await cluster.edge_b.post("/auth/logout", headers=bearer(by_barter["access_token"]))
    assert out.status == 200, await out.text()
    assert len(await outbox(cluster).pending()) == 3

    await three_nodes.restart(down)
    await until(lambda: buckets_answer(cluster), within_s=RECOVERY_S, what="the buckets answering again")
    edge_d = await edge_beside(cluster.settings, three_nodes.url, "edge-d", aiohttp_client, resources)
    for session in (by_access, by_refresh, by_barter):
        await refused_everywhere((*cluster.edges, edge_c, edge_d), session["access_token"], RECOVERY_S)
    assert await outbox(cluster).pending() == []


async def test_a_retried_logout_announces_the_end_again(cluster: Cluster) -> None:
    await cluster.worker_bus.request(
        Register(email=EMAIL, username="leaving", password=PASSWORD, sign_in=False)
    )
    by_access, by_refresh = [await sign_in(cluster.edge_a) for _ in range(2)]
    assert (
        await cluster.edge_a.post("/api/v1/auth/logout", headers=bearer(by_access["access_token"]))
    ).status == 204
    refresh_body = {"refresh_token": by_refresh["refresh_token"]}
    assert (await cluster.edge_a.post("/api/v1/auth/logout", json=refresh_body)).status == 204
    for session in (by_access, by_refresh):
        await refused_everywhere(cluster.edges, session["access_token"], RECOVERY_S)

    # The announcements are lost (as a bucket restored from an old backup would lose them): the
    # edges take the tokens again.
    revoked = cluster.worker_bus.bucket(
        subjects.revoked_sessions_bucket(cluster.settings.auth.revocation_ttl_s)
    )
    for session in (by_access, by_refresh):
        await revoked.delete(session_of(session["access_token"]))
        for edge in cluster.edges:
            accepted = functools.partial(me, edge, session["access_token"])
            assert await status_becomes(200, accepted, within_s=RECOVERY_S) == 200

    # Logging out again, by either token, announces the end again.
    assert (
        await cluster.edge_b.post("/api/v1/auth/logout", headers=bearer(by_access["access_token"]))
    ).status == 204
    assert (await cluster.edge_b.post("/api/v1/auth/logout", json=refresh_body)).status == 204
    for session in (by_access, by_refresh):
        await refused_everywhere(cluster.edges, session["access_token"], RECOVERY_S)
    assert await outbox(cluster).pending() == []
