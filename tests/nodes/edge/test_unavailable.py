"""A domain that does not answer: 503 in the contract's error format within the configured timeout,
saying "service unavailable" and naming nothing internal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

import pytest
from nats.aio.msg import Msg

from nodes.runtime.settings import Settings
from protocols.identity import GetMe
from tests.conftest import Cluster

pytestmark = pytest.mark.database_agnostic

TIMEOUT_S = 1.0


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    return lambda settings: replace(settings, nats=replace(settings.nats, request_timeout=TIMEOUT_S))


async def stop_identity(cluster: Cluster) -> None:
    for runtime in cluster.workers.runtimes:
        if runtime.domain == "identity":
            await runtime.stop()


async def test_an_unanswered_request_is_a_plain_503_within_the_timeout(cluster: Cluster) -> None:
    await stop_identity(cluster)
    headers = {"Authorization": f"Bearer {cluster.signer.token(7)}"}
    loop = asyncio.get_running_loop()

    # Nobody serves identity at all.
    started = loop.time()
    gone = await cluster.edge_a.get("/api/v1/users/me", headers=headers)
    assert gone.status == 503 and loop.time() - started < 2 * TIMEOUT_S
    body = await gone.text()
    assert "svc." not in body and "service unavailable" in body.lower()

    # A worker takes the request and never answers (it hangs, or died holding it).
    taken: list[Msg] = []

    async def take(msg: Msg) -> None:
        taken.append(msg)

    await cluster.worker_bus.subscribe(GetMe.subject, take, queue="identity")
    await cluster.worker_bus.synced()
    started = loop.time()
    stalled = await cluster.edge_a.get("/api/v1/users/me", headers=headers)
    assert stalled.status == 503 and loop.time() - started < 2 * TIMEOUT_S
    body = await stalled.text()
    assert "svc." not in body and "service unavailable" in body.lower()
    assert taken  # it was the timeout that answered, not "no responders"
