"""The raw WebSocket machinery (realtime/ws.py) with real clients, through MillionAvto's `/ws/chat`:
the hub's interest follows the sockets, expired and refresh tokens and a first frame that never comes
are refused, a revoked session is cut, a client that stops reading is dropped without holding up
anyone, and shutting down closes every socket with 1001."""

from __future__ import annotations

import asyncio

import pytest

from nodes.edge.realtime import ws as machinery
from nodes.edge.realtime.ws import WsConnection, close_websockets
from nodes.edge.state import HUB, KEYRING
from nodes.runtime.deliveries import deliver
from protocols import subjects
from protocols.chat import TypingDelivery
from tests.conftest import Cluster
from tests.nodes.edge.realtime.live import eventually, message_delivery
from tests.nodes.edge.surfaces.ws_client import Edge, WsClient

pytestmark = [pytest.mark.domains("chat"), pytest.mark.database_agnostic]


async def signed_in(edge: Edge, token: str) -> WsClient:
    client = await WsClient.connect(edge, "/ws/chat")
    await client.send({"type": "auth", "token": token})
    await client.wait_for("auth")
    return client


async def test_the_hub_listens_for_a_user_while_one_of_their_sockets_is_open(cluster: Cluster) -> None:
    hub = cluster.edge_a.app[HUB]
    phone = await signed_in(cluster.edge_a, cluster.signer.token(21))
    tablet = await WsClient.connect(cluster.edge_a, "/ws/chat", params={"token": cluster.signer.token(21)})
    await tablet.wait_for("auth")
    assert hub.subscribed(21) and len(hub.connections_of(21)) == 2
    await phone.close()
    await eventually(lambda: len(hub.connections_of(21)) == 1)
    await deliver(cluster.worker_bus, [21], message_delivery(7, 1))
    assert (await tablet.wait_for("message"))[0]["dialog_id"] == 7
    await tablet.close()
    await eventually(lambda: not hub.subscribed(21))


async def test_tokens_that_are_not_valid_access_tokens_are_refused(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    for token in (cluster.signer.token(31, ttl=-60), cluster.signer.token(31, typ="refresh")):
        client = await WsClient.connect(cluster.edge_a, "/ws/chat")
        await client.send({"type": "auth", "token": token})
        assert await client.closed_with() == 4001
        assert client.frames == [{"type": "error", "detail": "Could not validate credentials"}]
    monkeypatch.setattr(machinery, "AUTH_WAIT_S", 0.2)
    silent = await WsClient.connect(cluster.edge_b, "/ws/chat")
    assert await silent.closed_with() == 4001
    assert not cluster.edge_b.app[HUB].subscribed(31)


async def test_a_malformed_delivery_is_skipped_and_a_plain_get_is_a_bad_request(cluster: Cluster) -> None:
    phone = await signed_in(cluster.edge_a, cluster.signer.token(41))
    await cluster.worker_bus.publish_raw(subjects.rt_user(41), b'{"type": "message", "message": "nope"}')
    await deliver(cluster.worker_bus, [41], message_delivery(7, 1))
    assert [m["message_id"] for m in await phone.wait_for("message")] == [7001]
    assert phone.of_type("error") == [] and not phone.closed.is_set()
    await phone.close()
    resp = await cluster.edge_b.get("/ws/chat")
    assert resp.status == 400 and "detail" in await resp.json()


async def test_a_revoked_session_is_cut_at_its_next_frame(cluster: Cluster) -> None:
    phone = await signed_in(cluster.edge_a, cluster.signer.token(32, sid="session-32"))
    kv = await cluster.worker_bus.kv(subjects.REVOKED_SESSIONS_BUCKET)
    await kv.put("session-32", b"1")
    await eventually(lambda: "session-32" in cluster.edge_a.app[KEYRING].revoked)
    await phone.send({"type": "typing", "dialog_id": 7})
    assert await phone.closed_with() == 4001
    assert phone.of_type("error") == [{"type": "error", "detail": "Session ended"}]
    await eventually(lambda: not cluster.edge_a.app[HUB].subscribed(32))


async def test_a_full_buffer_drops_typing_first_then_closes_the_socket(cluster: Cluster) -> None:
    slow = await signed_in(cluster.edge_a, cluster.signer.token(61))
    [connection] = cluster.edge_a.app[HUB].connections_of(61)
    assert isinstance(connection, WsConnection)
    size = connection.buffer_size
    # Offered back to back, the sender cannot run in between: as if the client had stopped reading.
    typing = TypingDelivery(conversation_id=7, user_id=62, typing=True).model_dump(mode="json")
    assert all(connection.offer("typing", typing) for _ in range(size))
    assert all(
        connection.offer("message", message_delivery(7, seq).model_dump(mode="json")) for seq in range(size)
    )
    assert [m["message_id"] for m in await slow.wait_for("message", size)] == [
        7000 + seq for seq in range(size)
    ]
    assert slow.of_type("typing") == []  # they were queued first: any left would have come first

    offered = [
        connection.offer("message", message_delivery(7, seq).model_dump(mode="json"))
        for seq in range(size + 1)
    ]
    assert all(offered[:-1]) and offered[-1] is False
    assert await slow.closed_with() == 1013  # try again later: reconnect and reload
    await eventually(lambda: not cluster.edge_a.app[HUB].subscribed(61))


async def test_a_client_that_stops_reading_is_cut_without_holding_up_others(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(machinery, "CLOSE_WAIT_S", 0.2)  # it will not take the close either
    hub = cluster.edge_a.app[HUB]
    other = await signed_in(cluster.edge_a, cluster.signer.token(72))
    stalled = await cluster.edge_a.ws_connect("/ws/chat")  # nothing reads it after the auth answer
    await stalled.send_json({"type": "auth", "token": cluster.signer.token(71)})
    assert "ok" in await stalled.receive_str()
    big = message_delivery(8, 1, body="x" * 60_000)
    published = 0
    while hub.subscribed(71) and published < 2000:  # until the socket's buffers are full
        await deliver(cluster.worker_bus, [71], big)
        published += 1
        if published % 100 == 0:
            await deliver(cluster.worker_bus, [72], message_delivery(9, published))
            await other.wait_for("message", published // 100, within_s=1)
        await asyncio.sleep(0.001)
    await eventually(lambda: not hub.subscribed(71))
    await deliver(cluster.worker_bus, [72], message_delivery(9, 9999))
    assert (await other.wait_for("message", published // 100 + 1))[-1]["message_id"] == 9 * 1000 + 9999
    await other.close()
    await stalled.close()


async def test_shutting_down_closes_every_socket_of_that_edge_with_going_away(cluster: Cluster) -> None:
    leaving = [await signed_in(cluster.edge_a, cluster.signer.token(81)) for _ in range(2)]
    staying = await signed_in(cluster.edge_b, cluster.signer.token(81))
    await close_websockets(cluster.edge_a.app)
    assert [await client.closed_with() for client in leaving] == [1001, 1001]
    await eventually(lambda: not cluster.edge_a.app[HUB].subscribed(81))
    await deliver(cluster.worker_bus, [81], message_delivery(7, 1))
    assert len(await staying.wait_for("message")) == 1
    await staying.close()
