"""Socket.IO on two edges with real clients; deliveries published on NATS the way workers do."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson
import pytest
import socketio

from nodes.edge.realtime.hub import DeliveryHub
from nodes.edge.realtime.sio_connection import SocketIOConnection
from nodes.edge.state import BUS, HUB, KEYRING
from nodes.runtime.deliveries import deliver
from protocols import subjects
from protocols.chat import ConversationDelivery, ReadDelivery, ReadState, TypingDelivery
from tests.conftest import Cluster
from tests.nodes.edge.realtime.live import LiveClient, eventually, listened, message_delivery, settled

pytestmark = [pytest.mark.domains(), pytest.mark.database_agnostic]


def hubs(cluster: Cluster) -> tuple[DeliveryHub, DeliveryHub]:
    return cluster.edge_a.app[HUB], cluster.edge_b.app[HUB]


async def test_a_delivery_reaches_every_device_of_its_user_on_both_edges_and_no_one_else(
    cluster: Cluster,
) -> None:
    token = cluster.signer.token(11)
    devices = [
        await LiveClient.connect(cluster.edge_a, token),
        await LiveClient.connect(cluster.edge_a, token),
        await LiveClient.connect(cluster.edge_b, token),
    ]
    stranger = await LiveClient.connect(cluster.edge_a, cluster.signer.token(12))

    sent = message_delivery(7, 3, sender_id=12)
    await deliver(cluster.worker_bus, [11], sent)
    await deliver(cluster.worker_bus, [12], message_delivery(8, 1))
    for device in devices:
        [payload] = await device.wait_for("message")
        assert payload == sent.model_dump(mode="json")
    [own] = await stranger.wait_for("message")  # published after user 11's: that one came first if at all
    assert own["message"]["conversation_id"] == 8 and len(stranger.events) == 1

    for client in (*devices, stranger):
        await client.close()


async def test_every_kind_of_delivery_arrives_under_its_own_event_name(cluster: Cluster) -> None:
    client = await LiveClient.connect(cluster.edge_b, cluster.signer.token(13))
    read = ReadDelivery(state=ReadState(conversation_id=7, user_id=14, read_seq=3, unread_count=0))
    await deliver(cluster.worker_bus, [13], read)
    await deliver(cluster.worker_bus, [13], TypingDelivery(conversation_id=7, user_id=14, typing=True))
    await deliver(cluster.worker_bus, [13], ConversationDelivery(conversation_id=7))
    await cluster.worker_bus.publish_raw(subjects.rt_user(13), b'{"type": "notification", "title": "hi"}')

    assert await client.wait_for("read") == [read.model_dump(mode="json")]
    assert (await client.wait_for("typing"))[0]["user_id"] == 14
    assert await client.wait_for("conversation") == [{"type": "conversation", "conversation_id": 7}]
    assert await client.wait_for("notification") == [{"type": "notification", "title": "hi"}]
    assert [name for name, _ in client.events] == ["read", "typing", "conversation", "notification"]
    await client.close()


async def test_a_client_that_starts_on_long_polling_and_upgrades_gets_acks_and_deliveries(
    cluster: Cluster,
) -> None:
    client = LiveClient()
    # python-socketio's default: long-polling first, then the websocket upgrade (engine.io's own path).
    await client.sio.connect(
        str(cluster.edge_b.make_url("/")), auth={"token": cluster.signer.token(15)}, wait_timeout=5
    )
    await eventually(lambda: client.sio.transport() == "websocket")
    assert await client.call("typing", []) == {
        "ok": False,
        "error": {"code": "validation", "message": "typing takes an object"},
    }
    await deliver(cluster.worker_bus, [15], message_delivery(7, 1))
    await deliver(cluster.worker_bus, [15], message_delivery(7, 2))
    assert [m["message"]["seq"] for m in await client.wait_for("message", 2)] == [1, 2]
    await client.close()
    await eventually(lambda: not cluster.edge_b.app[HUB].subscribed(15))


async def test_an_edge_listens_for_a_user_only_while_it_holds_one_of_their_connections(
    cluster: Cluster,
) -> None:
    hub_a, hub_b = hubs(cluster)
    token = cluster.signer.token(21)
    phone = await LiveClient.connect(cluster.edge_a, token)
    tablet = await LiveClient.connect(cluster.edge_a, token)
    assert (
        hub_a.subscribed(21) and len(hub_a.connections_of(21)) == 2 and await listened(cluster.worker_bus, 21)
    )
    assert not hub_b.subscribed(21) and hub_b.connections_of(21) == ()

    await phone.close()
    await eventually(lambda: len(hub_a.connections_of(21)) == 1)
    assert hub_a.subscribed(21)
    await deliver(cluster.worker_bus, [21], message_delivery(7, 1))
    await tablet.wait_for("message")

    await tablet.close()
    await eventually(lambda: not hub_a.subscribed(21))
    assert hub_a.connections_of(21) == ()
    await settled(cluster.edge_a.app[BUS])
    assert not await listened(cluster.worker_bus, 21)


async def test_a_connection_without_a_valid_access_token_is_refused(cluster: Cluster) -> None:
    expired = cluster.signer.token(31, ttl=-60)
    refresh = cluster.signer.token(31, typ="refresh")
    for token in (None, "garbage", refresh, expired, 31):
        client = LiveClient()
        try:
            await client.sio.connect(
                str(cluster.edge_a.make_url("/")),
                auth={"token": token} if token is not None else None,
                transports=["websocket"],
                wait_timeout=5,
            )
        except socketio.exceptions.ConnectionError:
            pass
        assert not client.sio.connected, token
        assert client.connect_error["data"]["code"] == "unauthorized"
        await client.sio.disconnect()
    assert not hubs(cluster)[0].subscribed(31)


async def test_a_revoked_session_cannot_connect_and_its_open_connection_is_cut_at_its_next_event(
    cluster: Cluster,
) -> None:
    token = cluster.signer.token(32, sid="session-32")
    open_before = await LiveClient.connect(cluster.edge_a, token)
    kv = await cluster.worker_bus.kv(subjects.REVOKED_SESSIONS_BUCKET)
    await kv.put("session-32", b"1")
    await eventually(lambda: "session-32" in cluster.edge_a.app[KEYRING].revoked)

    ack = await open_before.call("typing", {"conversation_id": 7})
    assert ack["ok"] is False and ack["error"]["code"] == "unauthorized"
    await open_before.disconnected.wait()
    client = LiveClient()
    try:
        await client.sio.connect(
            str(cluster.edge_a.make_url("/")), auth={"token": token}, transports=["websocket"]
        )
    except socketio.exceptions.ConnectionError:
        pass
    assert not client.sio.connected and client.connect_error["data"]["code"] == "unauthorized"
    await client.sio.disconnect()
    await eventually(lambda: not cluster.edge_a.app[HUB].subscribed(32))


async def test_malformed_events_are_answered_with_validation_errors_and_the_connection_keeps_working(
    cluster: Cluster,
) -> None:
    client = await LiveClient.connect(cluster.edge_a, cluster.signer.token(41))
    malformed = [
        ("send", None),
        ("send", "hello"),
        ("send", [1, 2]),
        ("send", {"body": "no conversation"}),
        ("send", {"conversation_id": "seven", "body": "x"}),
        ("send", {"conversation_id": 7, "body": 5}),
        ("send", {"conversation_id": 7, "body": "x" * 4001}),
        ("send", {"conversation_id": 7, "body": "x", "sender_id": 1}),
        ("read", {"conversation_id": 7, "up_to_seq": -1}),
        ("typing", {"conversation_id": None}),
        ("catch_up", {"positions": {"seven": 1}}),
        ("catch_up", {"positions": [1]}),
        ("delete_everything", {"conversation_id": 7}),
    ]
    for event, data in malformed:
        ack = await client.call(event, data)
        assert ack["ok"] is False and ack["error"]["code"] == "validation", (event, data, ack)
        assert isinstance(ack["error"]["message"], str)
    # A payload that fails its command's fields says which, in `details`.
    missing = (await client.call("send", {"body": "no conversation"}))["error"]
    assert set(missing) == {"code", "message", "details"}
    assert [e["loc"] for e in missing["details"]["errors"]] == [["conversation_id"]]

    await deliver(cluster.worker_bus, [41], message_delivery(7, 1))
    assert (await client.wait_for("message"))[0]["message"]["seq"] == 1
    await client.close()


async def test_an_oversized_frame_closes_only_that_connection(cluster: Cluster) -> None:
    token = cluster.signer.token(51)
    big = await LiveClient.connect(cluster.edge_a, token)
    other = await LiveClient.connect(cluster.edge_a, token)
    await big.sio.emit("send", {"conversation_id": 7, "body": "x" * 300_000})
    await big.disconnected.wait()
    await eventually(lambda: len(cluster.edge_a.app[HUB].connections_of(51)) == 1)

    await deliver(cluster.worker_bus, [51], message_delivery(7, 1))
    await other.wait_for("message")
    again = await LiveClient.connect(cluster.edge_a, token)
    assert again.sio.connected
    await other.close()
    await again.close()


async def test_a_client_that_stops_reading_loses_typing_first_then_is_disconnected(cluster: Cluster) -> None:
    slow = await LiveClient.connect(cluster.edge_a, cluster.signer.token(61))
    other = await LiveClient.connect(cluster.edge_a, cluster.signer.token(62))
    [connection] = cluster.edge_a.app[HUB].connections_of(61)
    assert isinstance(connection, SocketIOConnection)
    size = connection.buffer_size

    # Offered back to back, the sender cannot run in between: as if the client had stopped reading.
    typing = TypingDelivery(conversation_id=7, user_id=62, typing=True).model_dump(mode="json")
    assert all(connection.offer("typing", typing) for _ in range(size))
    assert all(
        connection.offer("message", message_delivery(7, seq).model_dump(mode="json")) for seq in range(size)
    )
    await deliver(cluster.worker_bus, [62], message_delivery(8, 1))
    await other.wait_for("message")

    messages = await slow.wait_for("message", size)
    assert [m["message"]["seq"] for m in messages] == list(range(size))
    assert slow.received("typing") == []  # they were queued first: any left would have come first

    offered = [
        connection.offer("message", message_delivery(7, seq).model_dump(mode="json"))
        for seq in range(size + 1)
    ]
    assert all(offered[:-1]) and offered[-1] is False
    await slow.disconnected.wait()
    await eventually(lambda: not cluster.edge_a.app[HUB].subscribed(61))
    assert len(slow.received("message")) == size

    await deliver(cluster.worker_bus, [62], message_delivery(8, 2))
    assert len(await other.wait_for("message", 2)) == 2
    await other.close()


async def test_a_client_whose_socket_stops_reading_is_disconnected_without_holding_up_others(
    cluster: Cluster,
) -> None:
    hub = cluster.edge_a.app[HUB]
    other = await LiveClient.connect(cluster.edge_a, cluster.signer.token(72))
    url = str(cluster.edge_a.make_url("/socket.io/")) + "?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        assert (await ws.receive_str()).startswith("0")  # engine.io open
        await ws.send_str("40" + orjson.dumps({"token": cluster.signer.token(71)}).decode())
        assert (await ws.receive_str()).startswith("40")  # connected; from here on it reads nothing
        big = orjson.dumps({"type": "notification", "blob": "x" * 60_000})
        published = 0
        while hub.subscribed(71) and published < 2000:  # until the socket's buffers are full
            await cluster.worker_bus.publish_raw(subjects.rt_user(71), big)
            published += 1
            if published % 100 == 0:
                await deliver(cluster.worker_bus, [72], message_delivery(8, published))
                await other.wait_for("message", published // 100, within_s=1)
            await asyncio.sleep(0.001)
        await eventually(lambda: not hub.subscribed(71))
    await deliver(cluster.worker_bus, [72], message_delivery(8, 9999))
    assert (await other.wait_for("message", published // 100 + 1))[-1]["message"]["seq"] == 9999
    await other.close()
