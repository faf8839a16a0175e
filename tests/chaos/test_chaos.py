"""Chaos under chat traffic on the separate-process topology (issue 11): a SIGKILLed chat worker and
edge, and a nats-server stopped and started again. Whatever was acknowledged is stored exactly once,
with contiguous sequence numbers; presence, readiness and traffic come back by themselves within
their bounds; no process logs a traceback.

Two tests, each on a topology of its own, so that a failure after the broker restart does not hide
how the platform survives the loss of a worker or an edge (and the other way round)."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass

import aiohttp
import pytest

from nodes.runtime.bus import Bus
from tests.chaos.clients import Account, Live, history, listed_ad, open_dialog, register
from tests.chaos.topology import OFFLINE_WITHIN_S, Topology
from tests.chaos.traffic import Sender, Traffic

# Many processes or a NATS cluster each: one such module at a time (make test's --dist loadgroup).
pytestmark = pytest.mark.xdist_group("processes")

PAIRS = 3  # dialogs, each with both participants sending at once (one seq counter, two writers)
WARM_UP = 60  # acknowledged sends before the first blow
RECOVERED = 60  # acknowledged sends that show traffic flows again
RECOVER_WITHIN_S = 30.0  # a worker process started again, or every process reconnected to NATS
ONLINE_WITHIN_S = 10.0  # a connection's presence report reaching a contact
CHAT_KILLS = 2


@dataclass
class Cast:
    senders: list[Sender]
    watcher: Account  # stays on edge 0 and watches the others' presence
    probes: list[Account]  # contacts of the watcher who connect when a test says so


async def cast(http: aiohttp.ClientSession, topology: Topology, probes: int) -> Cast:
    edge = topology.edges[0]
    senders = []
    bus = await Bus.connect(topology.nats_url, name="chaos-moderator")
    try:
        for pair in range(PAIRS):
            buyer, seller = [await register(http, edge, f"sender{pair}{side}") for side in "ab"]
            ad_id = await listed_ad(http, edge, seller, bus)
            dialog_id = await open_dialog(http, edge, buyer, seller, ad_id)
            # Half the senders on each edge, both edges in every dialog.
            senders += [
                Sender(buyer, dialog_id, topology.edges, 0),
                Sender(seller, dialog_id, topology.edges, 1),
            ]
        watcher = await register(http, edge, "watcher")
        watched_ad = await listed_ad(http, edge, watcher, bus)
        others = [await register(http, edge, f"probe{i}") for i in range(probes)]
        for probe in others:
            await open_dialog(http, edge, probe, watcher, watched_ad)
    finally:
        await bus.close()
    return Cast(senders, watcher, others)


async def assert_stored_exactly_once(
    http: aiohttp.ClientSession, topology: Topology, senders: list[Sender]
) -> None:
    """Each dialog's history over REST holds every acknowledged send once and nothing else, in
    sequence numbers 1..n with no gap (the acks give each stored message's seq)."""
    by_dialog: dict[int, list[Sender]] = {}
    for sender in senders:
        by_dialog.setdefault(sender.dialog_id, []).append(sender)
    for dialog_id, writers in by_dialog.items():
        stored = await history(http, topology.edges[0], writers[0].account, dialog_id)
        sent = {s.body(client_msg_id) for s in writers for client_msg_id in s.acked}
        counts = Counter(item["content"] for item in stored)
        lost = sorted(sent - set(counts))
        doubled = sorted(body for body, n in counts.items() if n > 1)
        unknown = sorted(set(counts) - sent)
        assert not (lost or doubled or unknown), (
            f"dialog {dialog_id}: lost {lost[:20]}, stored twice {doubled[:20]}, never sent {unknown[:20]}"
        )
        seq_of = {m["id"]: m["seq"] for s in writers for m in s.acked.values()}
        seqs = [seq_of[item["id"]] for item in stored]
        assert seqs == list(range(1, len(stored) + 1)), f"dialog {dialog_id}: seqs {seqs}"


async def assert_no_process_failed(topology: Topology) -> None:
    """Stopped the way an operator stops them (SIGTERM), no process logged a traceback or an error,
    or exited with a failure, from its start to its end (the ones the test killed aside)."""
    await topology.procs.close()
    failed = topology.procs.failures()
    assert not failed, "tracebacks, errors or failed exits:\n" + "\n".join(
        f"===== {name} =====\n{text}" for name, text in failed.items()
    )


async def lose_edge1(
    topology: Topology, http: aiohttp.ClientSession, traffic: Traffic, watcher: Live, probe: Account
) -> float:
    """SIGKILL edge 1 while `probe` is connected there only, and start it again. The watcher (on
    edge 0) sees the probe go offline within the bound; every sender that was on edge 1 goes on
    from edge 0. Returns the seconds the probe took to go offline."""
    on_edge1 = await Live.connect(probe, topology.edges[1])
    await watcher.wait_presence(probe.id, True, within_s=ONLINE_WITHIN_S)
    seen = len(watcher.presence)
    stranded = [s for s in traffic.senders if s.edge == 1]
    assert stranded, "some senders use edge 1"
    await topology.kill("edge1")
    try:
        offline_after_s = await watcher.wait_presence(probe.id, False, after=seen, within_s=OFFLINE_WITHIN_S)
    finally:
        await on_edge1.close()
    await traffic.progress(RECOVERED, within_s=RECOVER_WITHIN_S, what="after edge1's SIGKILL")
    assert [s.served_by[-1] for s in stranded] == [0] * len(stranded), "the killed edge's senders moved"
    await topology.start_edge(1)
    await topology.wait_ready(http, 1)
    return offline_after_s


async def test_a_killed_chat_worker_and_a_killed_edge_lose_nothing(
    topology: Topology, http: aiohttp.ClientSession
) -> None:
    people = await cast(http, topology, probes=1)
    watcher = await Live.connect(people.watcher, topology.edges[0])
    async with Traffic(people.senders) as traffic:
        await traffic.progress(WARM_UP, within_s=RECOVER_WITHIN_S, what="before any blow")
        for _ in range(CHAT_KILLS):
            await topology.kill("chat")
            await topology.start_worker("chat")
            await traffic.progress(
                RECOVERED, within_s=RECOVER_WITHIN_S, what="after the chat worker's SIGKILL"
            )
            await asyncio.gather(*(topology.wait_ready(http, edge) for edge in (0, 1)))

        offline_after_s = await lose_edge1(topology, http, traffic, watcher, people.probes[0])
        await traffic.stop()
    await watcher.close()
    print(f"{traffic.summary()}; the killed edge's user went offline after {offline_after_s:.1f} s")

    await assert_stored_exactly_once(http, topology, people.senders)
    await assert_no_process_failed(topology)


async def test_a_restarted_nats_server_loses_nothing_and_everything_recovers(
    topology: Topology, http: aiohttp.ClientSession
) -> None:
    people = await cast(http, topology, probes=2)
    arriving, left_behind = people.probes
    watcher = await Live.connect(people.watcher, topology.edges[0])  # connected throughout
    async with Traffic(people.senders) as traffic:
        await traffic.progress(WARM_UP, within_s=RECOVER_WITHIN_S, what="before any blow")

        await topology.restart_nats()
        ready_after_s = await asyncio.gather(*(topology.wait_ready(http, edge) for edge in (0, 1)))
        await traffic.progress(RECOVERED, within_s=RECOVER_WITHIN_S, what="after the nats-server restart")

        # Presence works again: a user who connects now is seen online by a contact, offline once gone...
        newcomer = await Live.connect(arriving, topology.edges[1])
        await watcher.wait_presence(arriving.id, True, within_s=ONLINE_WITHIN_S)
        await newcomer.close()
        await watcher.wait_presence(arriving.id, False, within_s=OFFLINE_WITHIN_S)
        # ...and so does the sweep: a killed edge's users still go offline within the bound.
        offline_after_s = await lose_edge1(topology, http, traffic, watcher, left_behind)
        await traffic.stop()
    await watcher.close()
    print(
        f"{traffic.summary()}; /ready back after {ready_after_s[0]:.1f} s and {ready_after_s[1]:.1f} s; "
        f"the killed edge's user went offline after {offline_after_s:.1f} s"
    )

    await assert_stored_exactly_once(http, topology, people.senders)
    await assert_no_process_failed(topology)
