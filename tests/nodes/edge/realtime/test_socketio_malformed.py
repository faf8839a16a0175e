"""Malformed Socket.IO and engine.io packets, written by hand on both transports: one that asks for an
ack gets a `validation` ack, one that does not is dropped, none logs a traceback, and the connection
keeps working."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from protocols import chat as wire
from protocols.envelope import Actor, Role
from protocols.identity import Register
from tests.conftest import Cluster

pytestmark = [pytest.mark.domains("identity", "chat"), pytest.mark.database_agnostic]

PATH = "/socket.io/?EIO=4&transport="
PING, PONG, NOOP = "2", "3", "6"
Edge = TestClient[web.Request, web.Application]
RECORD_SEP = "\x1e"  # between the packets of one long-polling body
WAIT_S = 5.0

# Socket.IO packets (what follows engine.io's MESSAGE type, "4") that ask for an ack, by its id.
ACKED = {
    11: "211[123]",
    12: "212[null]",
    13: "213[{}]",
    14: "214[]",
    15: '215"x"',
    16: "216[1,2]",
    17: "217[",
    18: '218["send"',
    19: '219{"event":"send"}',
    20: "220",
    21: '221["connect",{},{"token":"garbage"}]',  # reserved names are not events a client sends
    22: '222["disconnect"]',
    23: '51-23["send",{"_placeholder":true,"num":0}]',  # a binary event: Souk's packets are JSON only
}
# Socket.IO packets without an ack id, and frames that are not engine.io packets at all.
DROPPED = ["2[null]", "2[]", '2"x"', "2[", "2", "2[1]", "4{}", "9", "x", "5[1]"]
NOT_ENGINE_IO = ["", "x", "9", "4", "4null", "4{}", "4[]", "4true", "b!!"]


async def chat_user(cluster: Cluster, name: str) -> Actor:
    registered = await cluster.worker_bus.request(
        Register(username=name, password="password-123", sign_in=False)
    )
    return Actor(user_id=registered.user.id, role=Role.USER)


async def conversation_of(cluster: Cluster) -> tuple[Actor, int]:
    """A user and a conversation they may send to."""
    seller, buyer = await chat_user(cluster, "seller"), await chat_user(cluster, "buyer")
    cmd = wire.OpenConversation(
        kind=wire.ConversationKind.AD_DIALOG, topic_id="ad-1", with_users=[seller.user_id]
    )
    return buyer, (await cluster.worker_bus.request(cmd, actor=buyer)).id


def validation_ack(encoded: str, ack_id: int) -> str:
    """The message of a `validation` ack packet answering `ack_id`."""
    prefix = f"43{ack_id}"
    assert encoded.startswith(prefix), (ack_id, encoded)
    [ack] = orjson.loads(encoded[len(prefix) :])
    assert ack["ok"] is False and set(ack) == {"ok", "error"}, ack
    assert ack["error"]["code"] == "validation" and set(ack["error"]) == {"code", "message"}, ack
    assert isinstance(ack["error"]["message"], str) and ack["error"]["message"]
    message: str = ack["error"]["message"]
    return message


def send_packet(ack_id: int, conversation_id: int, body: str) -> str:
    return f"2{ack_id}" + orjson.dumps(["send", {"conversation_id": conversation_id, "body": body}]).decode()


def stored_ack(encoded: str, ack_id: int, body: str) -> None:
    prefix = f"43{ack_id}"
    assert encoded.startswith(prefix), (ack_id, encoded)
    [ack] = orjson.loads(encoded[len(prefix) :])
    assert ack["ok"] is True and ack["message"]["body"] == body, ack


def assert_no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    alarming = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not alarming, [f"{r.name}: {r.getMessage()}" for r in alarming]


class WebSocketClient:
    """Socket.IO over a websocket by hand: engine.io's open, CONNECT with the token, then frames as
    written; engine.io's pings are answered and its no-ops skipped."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    @classmethod
    async def connected(cls, ws: aiohttp.ClientWebSocketResponse, token: str) -> WebSocketClient:
        client = cls(ws)
        assert (await client.next()).startswith("0")  # engine.io open
        await ws.send_str("40" + orjson.dumps({"token": token}).decode())
        assert (await client.next()).startswith("40")
        return client

    async def next(self) -> str:
        while True:
            frame = await self.ws.receive_str(timeout=WAIT_S)
            if frame == PING:
                await self.ws.send_str(PONG)
            elif frame != NOOP:  # what ends a pending poll after an upgrade
                return frame


async def test_every_malformed_packet_over_a_websocket_is_acked_or_dropped_and_the_connection_keeps_working(
    cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    user, conversation_id = await conversation_of(cluster)
    url = str(cluster.edge_a.make_url(PATH + "websocket"))
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        client = await WebSocketClient.connected(ws, cluster.signer.token(user.user_id))
        for ack_id, packet in ACKED.items():
            await ws.send_str("4" + packet)
            assert validation_ack(await client.next(), ack_id)
        for packet in DROPPED:
            await ws.send_str("4" + packet)
        for frame in NOT_ENGINE_IO:
            await ws.send_str(frame)
        await ws.send_bytes(b"\x04\xff not a packet")
        # Nothing answered what was dropped: the next frame is the ack of a send that is stored.
        await ws.send_str("4" + send_packet(30, conversation_id, "still here"))
        stored_ack(await client.next(), 30, "still here")
    assert_no_tracebacks(caplog)


async def test_malformed_events_of_a_connected_client_never_reach_its_handlers(
    cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    """`connect` and `disconnect` sent as events would register the client again or leave it half
    gone; a binary event would hold every later packet as its attachment."""
    user, conversation_id = await conversation_of(cluster)
    url = str(cluster.edge_b.make_url(PATH + "websocket"))
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        client = await WebSocketClient.connected(ws, cluster.signer.token(user.user_id))
        for packet in ('2["disconnect"]', '2["connect",{},{"token":"garbage"}]', '51-["send",{}]', "51-[]"):
            await ws.send_str("4" + packet)
        await ws.send_str("4" + send_packet(31, conversation_id, "one"))
        stored_ack(await client.next(), 31, "one")
    assert_no_tracebacks(caplog)


class PollingClient:
    """Socket.IO over engine.io's long-polling by hand (python-socketio's own transport)."""

    def __init__(self, edge: Edge, session: aiohttp.ClientSession) -> None:
        self.url = str(edge.make_url(PATH + "polling"))
        self.session = session
        self.sid = ""

    async def open(self, token: str) -> None:
        opened = await self.receive()
        assert opened[0].startswith("0")
        self.sid = orjson.loads(opened[0][1:])["sid"]
        await self.post("40" + orjson.dumps({"token": token}).decode())
        assert (await self.receive())[0].startswith("40")

    async def post(self, *packets: str) -> None:
        async with self.session.post(self._url(), data=RECORD_SEP.join(packets)) as resp:
            assert resp.status == 200, await resp.text()

    async def receive(self) -> list[str]:
        """The packets of the next poll, pings answered and left out."""
        async with asyncio.timeout(WAIT_S):  # a poll with nothing for us waits for the next ping
            return await self._receive()

    async def _receive(self) -> list[str]:
        while True:
            async with self.session.get(self._url()) as resp:
                assert resp.status == 200, await resp.text()
                packets = (await resp.text()).split(RECORD_SEP)
            if PING in packets:
                await self.post(PONG)
            packets = [p for p in packets if p != PING]
            if packets:
                return packets

    def _url(self) -> str:
        return self.url + (f"&sid={self.sid}" if self.sid else "")


async def test_malformed_packets_over_long_polling_are_acked_or_dropped_alike(
    cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    user, conversation_id = await conversation_of(cluster)
    async with aiohttp.ClientSession() as session:
        client = PollingClient(cluster.edge_a, session)
        await client.open(cluster.signer.token(user.user_id))
        answered: list[str] = []
        for packet in ACKED.values():
            await client.post("4" + packet)
            answered += await client.receive()
        assert [validation_ack(encoded, ack_id) for encoded, ack_id in zip(answered, ACKED, strict=True)]
        await client.post(
            *("4" + packet for packet in DROPPED), "4" + send_packet(32, conversation_id, "polled")
        )
        [stored] = await client.receive()
        stored_ack(stored, 32, "polled")
    assert_no_tracebacks(caplog)


async def test_frames_that_are_not_engine_io_packets_are_dropped_after_an_upgrade_from_long_polling(
    cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    """An upgraded connection is served by engine.io's own websocket loop, which raises on them."""
    user, conversation_id = await conversation_of(cluster)
    async with aiohttp.ClientSession() as session:
        polling = PollingClient(cluster.edge_b, session)
        await polling.open(cluster.signer.token(user.user_id))
        url = str(cluster.edge_b.make_url(PATH + f"websocket&sid={polling.sid}"))
        async with session.ws_connect(url) as ws:
            await ws.send_str("2probe")
            assert await ws.receive_str(timeout=WAIT_S) == "3probe"
            await ws.send_str("5")  # upgraded
            client = WebSocketClient(ws)
            for frame in NOT_ENGINE_IO:
                await ws.send_str(frame)
            await ws.send_str("4" + ACKED[11])
            assert validation_ack(await client.next(), 11)
            await ws.send_str("4" + send_packet(33, conversation_id, "upgraded"))
            stored_ack(await client.next(), 33, "upgraded")
    assert_no_tracebacks(caplog)


async def test_long_polling_payloads_engine_io_cannot_read_are_dropped_quietly(
    cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    """Garbage below Socket.IO, in engine.io's own framing: engine.io logged each as its crash."""
    user, conversation_id = await conversation_of(cluster)
    async with aiohttp.ClientSession() as session:
        client = PollingClient(cluster.edge_a, session)
        await client.open(cluster.signer.token(user.user_id))
        for garbage in (b"x", b"9", b"\xff\xfe", b"4" + RECORD_SEP.encode() + b"\xc3("):
            async with session.post(client._url(), data=garbage) as resp:
                assert resp.status in (200, 400)
        await client.post("4" + send_packet(34, conversation_id, "after garbage"))
        [stored] = await client.receive()
        stored_ack(stored, 34, "after garbage")
    assert_no_tracebacks(caplog)


async def test_engine_io_does_not_log_every_packet(
    cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    """engine.io writes a line per packet at INFO: at an operator's INFO level, a flood."""
    caplog.set_level(logging.INFO)
    user, conversation_id = await conversation_of(cluster)
    url = str(cluster.edge_a.make_url(PATH + "websocket"))
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        client = await WebSocketClient.connected(ws, cluster.signer.token(user.user_id))
        await ws.send_str("4" + send_packet(35, conversation_id, "quietly"))
        stored_ack(await client.next(), 35, "quietly")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("engineio")] == []
