"""Issue 12 on a real three-node NATS cluster: the separate-process topology (two edges, a worker per
domain, two schedulers, PostgreSQL) with every process listing every node, under Socket.IO chat
traffic, while each node in turn is SIGKILLed, kept down past the scheduler lease's TTL and started
again on its store.

Throughout: no acknowledged send lost or doubled and sequence numbers contiguous; sign-in never
fails on either edge; a logout made during the outage takes effect on both edges within a few
seconds of the node's return; a scheduler leads within one TTL (plus a margin) of any loss; users
who stay connected are never reported offline to a contact; /ready never says 200 while sign-in
fails there; no process logs a traceback or an error. The figures of each kill are printed and
written to a JSON file (its path is printed), and every failed check is reported together."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from pathlib import Path

import aiohttp
import pytest

from tests.chaos.clients import Account, Live, register
from tests.chaos.test_chaos import ONLINE_WITHIN_S, assert_stored_exactly_once, cast
from tests.chaos.topology import READY_WITHIN_S, Topology
from tests.chaos.traffic import Traffic
from tests.cluster import figures
from tests.cluster.environment import LEASE_TTL_S
from tests.cluster.observers import (
    LeaseReader,
    Sampler,
    bucket_layout,
    close_all,
    lease_sampler,
    ready_sampler,
    sign_in_sampler,
)
from tests.cluster.sessions import log_out, refused_after, signed_in_on
from tests.support.nats_cluster import NatsCluster

# Many processes or a NATS cluster each: one such module at a time (make test's --dist loadgroup).
pytestmark = pytest.mark.xdist_group("processes")

OUTAGE_S = LEASE_TTL_S + figures.LEADER_MARGIN_S + 1.0  # past the lease: a lost one must be taken over
WARM_UP = 40  # acknowledged sends before the first kill
RECOVERED = 40  # acknowledged sends after a node's return, before the next kill
RECOVER_WITHIN_S = 30.0
LEADER_LINE = re.compile(r"scheduler (\w+) is the leader")


class Watch:
    """What runs beside the traffic: the samplers, the watcher's connections on both edges and the
    connections of users who stay online throughout."""

    def __init__(self, samplers: dict[str, Sampler], watchers: list[Live], stayers: list[Live]) -> None:
        self.samplers = samplers
        self.watchers = watchers
        self.stayers = stayers
        self.stayer_ids = {live.account.id for live in stayers}

    def presence_marks(self) -> list[int]:
        return [len(w.presence) for w in self.watchers]

    def false_presence(self, since: Sequence[int]) -> list[str]:
        return [
            f"{w.account.id}@edge{edge} told {user} is {'online' if online else 'offline'}"
            for edge, (w, mark) in enumerate(zip(self.watchers, since, strict=True))
            for user, online in w.presence[mark:]
            if user in self.stayer_ids and not online
        ]


async def start_watch(
    http: aiohttp.ClientSession,
    topology: Topology,
    watcher: Account,
    contacts: list[Account],
    lease: LeaseReader,
) -> Watch:
    watchers = [await Live.connect(watcher, edge) for edge in topology.edges]
    stayers = [await Live.connect(c, topology.edges[i % 2]) for i, c in enumerate(contacts)]
    for live in watchers:
        for contact in contacts:
            await live.wait_presence(contact.id, True, within_s=ONLINE_WITHIN_S)
    samplers = {"lease": lease_sampler(lease)}
    for edge, url in enumerate(topology.edges):
        samplers[f"ready{edge}"] = ready_sampler(http, url, f"edge{edge} /ready")
        samplers[f"sign_in{edge}"] = sign_in_sampler(http, url, f"signer{edge}@chaos.test", f"edge{edge}")
    for sampler in samplers.values():
        sampler.start()
    return Watch(samplers, watchers, stayers)


async def kill_node(
    node: int,
    cluster: NatsCluster,
    topology: Topology,
    http: aiohttp.ClientSession,
    traffic: Traffic,
    watch: Watch,
    leaver: Account,
) -> figures.KillFigures:
    """One node down for OUTAGE_S and back; its figures from the kill until traffic flowed again."""
    found = figures.KillFigures(node)
    edges = topology.edges
    for url in edges:
        assert await signed_in_on(http, url, leaver) == "200", "the leaver is signed in before the kill"
    marks, failed_before = watch.presence_marks(), figures.failed_attempts(traffic.senders)
    dropped_before = sum(live.dropped.is_set() for live in watch.stayers)

    killed_at = time.monotonic()
    cluster.kill(node)
    logout = asyncio.create_task(log_out(http, edges[node % 2], leaver))
    await asyncio.sleep(OUTAGE_S)  # the outage lasts this long on purpose; nothing to wait for
    await cluster.restart(node)
    back = time.monotonic()
    found.outage_s = back - killed_at
    found.logout_answers = await logout
    found.logout_effect_s = await refused_after(
        http, edges, leaver, since=back, within_s=figures.LOGOUT_EFFECT_S * 2
    )
    for edge in range(len(edges)):
        await topology.wait_ready(http, edge, within_s=READY_WITHIN_S)
    await traffic.progress(RECOVERED, within_s=RECOVER_WITHIN_S, what=f"after node {node}'s return")
    end = time.monotonic()

    found.window_s = end - killed_at
    waits = figures.send_waits(traffic.senders, killed_at, end)
    found.sends, found.longest_send_wait_s = len(waits), max(waits, default=0.0)
    found.failed_send_attempts = dict(figures.failed_attempts(traffic.senders) - failed_before)
    sign_ins = [watch.samplers[f"sign_in{edge}"] for edge in range(len(edges))]
    found.sign_ins, found.failed_sign_ins, found.longest_sign_in_s = figures.sign_in_figures(
        sign_ins, killed_at, end
    )
    lease = watch.samplers["lease"]
    found.longest_without_leader_s = lease.longest_without_ok(killed_at, end)
    for sample in lease.between(killed_at, end):
        if sample.ok and (not found.lease_holders or found.lease_holders[-1] != sample.detail):
            found.lease_holders.append(sample.detail)
    found.false_presence = watch.false_presence(marks)
    found.dropped_connections = sum(live.dropped.is_set() for live in watch.stayers) - dropped_before
    for edge in range(len(edges)):
        ready = watch.samplers[f"ready{edge}"]
        found.longest_not_ready_s.append(ready.longest_without_ok(killed_at, end))
        found.ready_lies += figures.ready_lies(sign_ins[edge], ready, killed_at, end)
    return found


def unknown_holders(topology: Topology, kills: Sequence[figures.KillFigures]) -> list[str]:
    """Lease holders the store named that no scheduler's log says it became."""
    leaders = {
        holder
        for name in topology.scheduler_names
        for run in topology.procs.runs
        if run.name == name
        for holder in LEADER_LINE.findall(run.text())
    }
    return sorted({h for kill in kills for h in kill.lease_holders} - leaders)


async def test_each_node_of_a_three_node_cluster_dies_in_turn_and_nothing_is_lost(
    topology: Topology, cluster_nats: NatsCluster, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    people = await cast(http, topology, probes=2)
    edge0 = topology.edges[0]
    for edge in range(len(topology.edges)):
        await register(http, edge0, f"signer{edge}")
    leavers = [await register(http, edge0, f"leaver{node}") for node in range(len(cluster_nats.nodes))]
    layout = await bucket_layout(cluster_nats.url)  # every bucket exists once the topology is up
    kills: list[figures.KillFigures] = []
    traffic = Traffic(people.senders)
    started = time.monotonic()
    async with LeaseReader(cluster_nats.url) as lease:
        watch = await start_watch(http, topology, people.watcher, people.probes, lease)
        try:
            async with traffic:
                await traffic.progress(WARM_UP, within_s=RECOVER_WITHIN_S, what="before any kill")
                for node, leaver in enumerate(leavers):
                    kills.append(await kill_node(node, cluster_nats, topology, http, traffic, watch, leaver))
                await traffic.stop()
        finally:
            await close_all(list(watch.samplers.values()))
            for live in [*watch.watchers, *watch.stayers]:
                await live.close()
            waits = [seconds for sender in people.senders for _, seconds in sender.waits]
            totals = {
                "wall_s": round(time.monotonic() - started, 1),
                "traffic": traffic.summary(),
                "streams": layout,
                "longest_send_wait_s": max(waits, default=0.0),
            }
            print(figures.write(kills, totals, tmp_path / "cluster_figures.json"))

    problems = [problem for kill in kills for problem in kill.problems(LEASE_TTL_S)]
    problems += [
        f"the lease was held by {holder}, which no scheduler's log names"
        for holder in unknown_holders(topology, kills)
    ]
    try:
        await assert_stored_exactly_once(http, topology, people.senders)
    except AssertionError as exc:
        problems.append(str(exc))
    await topology.procs.close()
    problems += [
        f"{name} logged a traceback or an error, or failed {excerpt}"
        for name, excerpt in topology.procs.failures().items()
    ]
    assert not problems, "\n".join(problems)
