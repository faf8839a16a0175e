"""A client's Socket.IO events run concurrently across conversations and in order within one: a send
that hangs holds back only its own conversation (issue 12, item 7)."""

from __future__ import annotations

import asyncio
import functools
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
import pytest
from nats.aio.msg import Msg
from pytest_aiohttp import AiohttpClient

from nodes.edge.realtime.sio_connection import MAX_IN_FLIGHT, EventLanes
from nodes.runtime.bus import Bus
from nodes.runtime.embedded_nats import EmbeddedNats
from protocols.chat import ConversationKind, MessageStored, SendMessage
from protocols.envelope import encode_reply
from tests.conftest import Closers, Cluster, _edge, cluster_settings
from tests.nodes.edge.realtime.live import LiveClient, chat_message, eventually
from tests.nodes.edge.realtime.test_socketio_chat import connect, dialog, new_user
from tests.support.edge_server import Edge
from tests.support.tokens import Signer

pytestmark = [pytest.mark.domains("identity", "chat"), pytest.mark.database_agnostic]

HELD, FREE = 101, 202  # conversations: the stand-in holds HELD's sends until released


class StandInChat:
    """The chat worker's `send_message` on a raw NATS subscription: numbers each conversation's sends
    in the order they arrive, and holds HELD's until `release`."""

    def __init__(self) -> None:
        self.arrived: list[tuple[int, str]] = []
        self.held: list[Msg] = []
        self.released = False
        self._seqs: defaultdict[int, int] = defaultdict(int)

    async def take(self, msg: Msg) -> None:
        send = orjson.loads(msg.data)["data"]
        self.arrived.append((send["conversation_id"], send["body"]))
        if send["conversation_id"] == HELD and not self.released:
            self.held.append(msg)  # not awaited here: the subscription hands over one message at a time
            return
        await self._answer(msg)

    async def release(self) -> None:
        self.released = True
        for msg in self.held:
            await self._answer(msg)

    async def _answer(self, msg: Msg) -> None:
        send = orjson.loads(msg.data)["data"]
        conversation_id = send["conversation_id"]
        self._seqs[conversation_id] += 1
        message = chat_message(conversation_id, self._seqs[conversation_id], body=send["body"])
        stored = MessageStored(message=message, conversation_kind=ConversationKind.AD_DIALOG, topic_id="ad-1")
        await msg.respond(encode_reply(stored))


@dataclass
class LoneEdge:
    edge: Edge
    signer: Signer
    chat: StandInChat


@pytest.fixture
async def lone_edge(
    nats_server: EmbeddedNats, tmp_path: Path, aiohttp_client: AiohttpClient
) -> AsyncIterator[LoneEdge]:
    """One edge and a stand-in chat worker; no database. The bus waits long enough for a held send
    to be released by the test rather than given up on."""
    settings = cluster_settings(nats_server.url, "sqlite+aiosqlite:///unused.db", tmp_path / "var")
    settings = replace(settings, nats=replace(settings.nats, request_timeout=30.0))
    worker = await Bus.connect(nats_server.url, name="stand-in chat")
    signer = Signer.generate()
    await signer.publish(worker)
    chat = StandInChat()
    await worker.nc.subscribe(SendMessage.subject, cb=chat.take)
    await worker.nc.flush()
    closers: Closers = []
    edge = await _edge(settings, "edge", aiohttp_client, closers)
    yield LoneEdge(edge, signer, chat)
    await chat.release()  # whatever a failed test left held
    await edge.close()
    await worker.close()
    for close in reversed(closers):
        await close()


async def emit(client: LiveClient, event: str, data: dict[str, Any]) -> asyncio.Future[Any]:
    """Send `event` now and return its ack to come (the client's `call` would wait for it)."""
    ack: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    await client.sio.emit(event, data, callback=ack.set_result)
    return ack


async def test_a_hanging_send_holds_back_only_the_later_events_of_its_own_conversation(
    lone_edge: LoneEdge,
) -> None:
    chat = lone_edge.chat
    client = await LiveClient.connect(lone_edge.edge, lone_edge.signer.token(7))
    held = [await emit(client, "send", {"conversation_id": HELD, "body": "a1"})]
    await eventually(lambda: chat.arrived == [(HELD, "a1")])
    for body in ("a2", "a3", "a4"):  # queued behind a1, the way they were sent
        held.append(await emit(client, "send", {"conversation_id": HELD, "body": body}))

    # Another conversation, and an event about none, are answered while a1 still hangs.
    for seq, body in enumerate(("b1", "b2", "b3"), start=1):
        ack = await client.call("send", {"conversation_id": FREE, "body": body})
        assert ack["ok"] is True and (ack["message"]["seq"], ack["message"]["body"]) == (seq, body)
    assert (await client.call("nonsense", {}))["error"]["code"] == "validation"
    assert not any(ack.done() for ack in held)
    assert chat.arrived == [(HELD, "a1"), (FREE, "b1"), (FREE, "b2"), (FREE, "b3")]  # a2 waits for a1

    await chat.release()
    acks = await asyncio.wait_for(asyncio.gather(*held), 5)
    assert [(ack["message"]["seq"], ack["message"]["body"]) for ack in acks] == [
        (1, "a1"), (2, "a2"), (3, "a3"), (4, "a4")
    ]  # fmt: skip
    assert [body for conversation_id, body in chat.arrived if conversation_id == HELD] == [
        "a1",
        "a2",
        "a3",
        "a4",
    ]
    await client.close()


async def test_past_its_cap_of_events_in_flight_a_client_waits_and_loses_none(lone_edge: LoneEdge) -> None:
    chat = lone_edge.chat
    client = await LiveClient.connect(lone_edge.edge, lone_edge.signer.token(7))
    acks = [
        await emit(client, "send", {"conversation_id": HELD, "body": f"a{i}"}) for i in range(MAX_IN_FLIGHT)
    ]
    acks.append(await emit(client, "send", {"conversation_id": FREE, "body": "b1"}))  # past the cap
    acks.append(await emit(client, "nonsense", {}))
    await eventually(lambda: chat.arrived[:1] == [(HELD, "a0")])

    await chat.release()
    answered = await asyncio.wait_for(asyncio.gather(*acks), 5)
    assert [ack["message"]["body"] for ack in answered[:MAX_IN_FLIGHT]] == [
        f"a{i}" for i in range(MAX_IN_FLIGHT)
    ]
    assert answered[-2]["message"]["body"] == "b1" and answered[-1]["error"]["code"] == "validation"
    await client.close()


async def test_lanes_start_no_event_past_their_limit_until_one_finishes() -> None:
    lanes = EventLanes(limit=2)
    started: list[str] = []
    done = asyncio.Event()

    async def event(name: str) -> None:
        started.append(name)
        await done.wait()

    await lanes.run(1, functools.partial(event, "a"))
    await lanes.run(2, functools.partial(event, "b"))
    third = asyncio.create_task(lanes.run(None, functools.partial(event, "c")))
    await eventually(lambda: started == ["a", "b"])
    assert not third.done()  # it waits for a slot, and nothing has freed one
    done.set()
    await eventually(lambda: started == ["a", "b", "c"])
    assert third.done()


async def test_sends_pipelined_to_several_conversations_are_stored_in_the_order_sent(
    cluster: Cluster,
) -> None:
    """What the README promises, through the real chat worker: each conversation's sends are stored
    in the order the client sent them, and its peers get them in that order."""
    sender = await new_user(cluster, "sender")
    peers = [await new_user(cluster, f"peer{i}") for i in range(3)]
    conversations = [await dialog(cluster, sender, peer) for peer in peers]
    phone = await connect(cluster, sender)
    peer_phones = [await connect(cluster, peer, edge=1) for peer in peers]

    acks: dict[int, list[asyncio.Future[Any]]] = {conversation_id: [] for conversation_id in conversations}
    for i in range(15):  # interleaved, none waiting for an ack
        for conversation_id in conversations:
            acks[conversation_id].append(
                await emit(phone, "send", {"conversation_id": conversation_id, "body": str(i)})
            )
    for conversation_id, peer_phone in zip(conversations, peer_phones, strict=True):
        stored = [(await asyncio.wait_for(ack, 10))["message"] for ack in acks[conversation_id]]
        assert [(m["seq"], m["body"]) for m in stored] == [(i + 1, str(i)) for i in range(15)]
        delivered = await peer_phone.wait_for("message", 15)
        assert [m["message"]["body"] for m in delivered] == [str(i) for i in range(15)]
    for client in (phone, *peer_phones):
        await client.close()
