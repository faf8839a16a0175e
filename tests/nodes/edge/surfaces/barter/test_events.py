"""FreeMarket (001) `GET /api/events/stream` through real streaming HTTP clients on two edges:
`message_received` and `notification_new` live on every device, the user's own messages left out,
`Last-Event-ID` replay of exactly what was missed, `resync` when too far behind, and the 401."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from nodes.edge.realtime.sse import SseConnection
from nodes.edge.state import HUB
from nodes.edge.surfaces.barter import events as barter_events
from nodes.edge.surfaces.barter.events import Cursor
from nodes.runtime.deliveries import deliver
from protocols.chat import (
    CATCH_UP_MAX,
    ChatMessage,
    ConversationKind,
    FindConversation,
    MessageDelivery,
    SendMessage,
)
from protocols.envelope import Actor, Role
from protocols.notify import Notify
from tests.conftest import Cluster
from tests.nodes.edge.realtime.live import eventually
from tests.support.exchanges import EXCHANGE_DOMAINS, mutual_exchange
from tests.support.http import bearer, json_of
from tests.support.sse import SseStream

# The subject is the transport: the chat's storage runs on both databases in tests/nodes/workers/chat.
pytestmark = [pytest.mark.domains(*EXCHANGE_DOMAINS), pytest.mark.database_agnostic]

Edge = TestClient[web.Request, web.Application]

PATH = "/api/events/stream"
PASSWORD = "StrongPassword123!"
UNAUTHORIZED = {"detail": "Not authenticated", "status_code": 401, "error_type": "authentication_error"}


async def register(edge: Edge, username: str, full_name: str | None = None) -> tuple[int, str]:
    body = {
        "email": f"{username}@example.com",
        "password": PASSWORD,
        "username": username,
        "full_name": full_name,
    }
    out = await json_of(await edge.post("/auth/register", json=body), 200)
    edge.session.cookie_jar.clear()
    return out["user"]["id"], out["access_token"]


async def open_exchange(edge: Edge, token: str, exchange_id: str) -> None:
    """The first look at an exchange's history opens its chat."""
    await json_of(await edge.get(f"/api/chat/exchange/{exchange_id}/history", headers=bearer(token)), 200)


async def send(cluster: Cluster, sender: int, exchange_id: str, body: str) -> ChatMessage:
    """A message sent the way the WebSocket endpoint sends it."""
    actor = Actor(user_id=sender, role=Role.USER)
    chat = await cluster.worker_bus.request(
        FindConversation(kind=ConversationKind.EXCHANGE, topic_id=exchange_id), actor=actor
    )
    stored = await cluster.worker_bus.request(SendMessage(conversation_id=chat.id, body=body), actor=actor)
    return stored.message


async def notify(cluster: Cluster, user_id: int, title: str, message: str = "") -> int:
    cmd = Notify(user_ids=[user_id], type="bilateral_match", title=title, message=message)
    return (await cluster.worker_bus.request(cmd, actor=Actor.system())).items[0].id


async def stream(edge: Edge, token: str, last_event_id: str | None = None) -> tuple[SseStream, list[Any]]:
    """A stream once it is open, and what it replayed first."""
    opened = await SseStream.open(edge, PATH, token=token, last_event_id=last_event_id)
    assert opened.status == 200 and opened.response.content_type == "text/event-stream"
    return opened, await opened.until_marker()


def received(exchange_id: str, sender_name: str, preview: str) -> dict[str, Any]:
    return {
        "type": "message_received",
        "exchange_id": exchange_id,
        "sender_name": sender_name,
        "preview": preview,
    }


def notification(notification_id: int, title: str, message: str = "") -> dict[str, Any]:
    return {
        "type": "notification_new",
        "notification_id": notification_id,
        "title": title,
        "message": message,
    }


async def test_messages_and_notifications_reach_every_device_on_both_edges_but_not_the_sender(
    cluster: Cluster,
) -> None:
    alice, alice_token = await register(cluster.edge_a, "alice")
    bob, bob_token = await register(cluster.edge_b, "bob", "Bob Builder")
    exchange = await mutual_exchange(cluster.worker_bus, alice, bob)
    await open_exchange(cluster.edge_a, alice_token, exchange)
    phone, _ = await stream(cluster.edge_a, alice_token)
    laptop, _ = await stream(cluster.edge_b, alice_token)
    bobs, _ = await stream(cluster.edge_b, bob_token)

    await send(cluster, bob, exchange, "Hi, let's meet at the market")
    long = "x" * 150
    await send(cluster, bob, exchange, long)
    for device in (phone, laptop):
        assert await device.event() == received(exchange, "Bob Builder", "Hi, let's meet at the market")
        assert await device.event() == received(exchange, "Bob Builder", "x" * 100 + "...")

    await send(cluster, alice, exchange, "See you there")  # her own: not "received" on her devices
    match = await notify(cluster, alice, "New match found!", "You have a new potential exchange")
    for device in (phone, laptop):
        assert await device.event() == notification(
            match, "New match found!", "You have a new potential exchange"
        )
    assert await bobs.event() == received(exchange, "alice", "See you there")  # no full name: the username
    await bobs.nothing_more()  # neither his own messages nor Alice's notification
    for client in (phone, laptop, bobs):
        client.close()


async def test_a_reconnect_with_last_event_id_replays_exactly_what_was_missed(cluster: Cluster) -> None:
    alice, alice_token = await register(cluster.edge_a, "alice")
    bob, _ = await register(cluster.edge_b, "bob")
    carol, carol_token = await register(cluster.edge_b, "carol")
    with_bob = await mutual_exchange(cluster.worker_bus, alice, bob)
    with_carol = await mutual_exchange(cluster.worker_bus, carol, alice, ("Самокат", "Ноутбук"))
    await open_exchange(cluster.edge_a, alice_token, with_bob)
    await send(cluster, bob, with_bob, "before the stream")  # history: never streamed

    first, replayed = await stream(cluster.edge_a, alice_token)
    assert replayed == []
    await send(cluster, bob, with_bob, "one")
    assert await first.event() == received(with_bob, "bob", "one")
    first.close()

    await send(cluster, bob, with_bob, "two")
    await send(cluster, alice, with_bob, "mine")
    await open_exchange(cluster.edge_b, carol_token, with_carol)  # a chat that did not exist before
    await send(cluster, carol, with_carol, "three")
    missed = await notify(cluster, alice, "Missed")
    await send(cluster, bob, with_bob, "four")

    assert first.last_event_id is not None
    again, replayed = await stream(cluster.edge_b, alice_token, first.last_event_id)
    assert replayed == [
        received(with_bob, "bob", "two"),
        received(with_bob, "bob", "four"),
        received(with_carol, "carol", "three"),
        notification(missed, "Missed"),
    ]
    await send(cluster, bob, with_bob, "five")
    assert await again.event() == received(with_bob, "bob", "five")  # nothing replayed comes again
    again.close()

    # The id that ends a replay resumes as well: nothing is missed between two streams.
    assert again.last_event_id is not None
    await send(cluster, carol, with_carol, "six")
    third, replayed = await stream(cluster.edge_a, alice_token, again.last_event_id)
    assert replayed == [received(with_carol, "carol", "six")]
    await third.nothing_more()
    third.close()


async def test_a_stream_that_received_nothing_yet_resumes_from_its_start(cluster: Cluster) -> None:
    alice, alice_token = await register(cluster.edge_a, "alice")
    bob, _ = await register(cluster.edge_b, "bob")
    exchange = await mutual_exchange(cluster.worker_bus, bob, alice)
    await open_exchange(cluster.edge_a, alice_token, exchange)
    quiet, _ = await stream(cluster.edge_b, alice_token)
    quiet.close()
    await send(cluster, bob, exchange, "while away")

    assert quiet.last_event_id is not None and Cursor.decode(quiet.last_event_id) is not None
    back, replayed = await stream(cluster.edge_a, alice_token, quiet.last_event_id)
    assert replayed == [received(exchange, "bob", "while away")]
    back.close()


async def test_too_far_behind_is_told_to_resync_then_streams_live(cluster: Cluster) -> None:
    alice, alice_token = await register(cluster.edge_a, "alice")
    bob, _ = await register(cluster.edge_b, "bob")
    exchange = await mutual_exchange(cluster.worker_bus, alice, bob)
    await open_exchange(cluster.edge_a, alice_token, exchange)
    away, _ = await stream(cluster.edge_a, alice_token)
    away.close()
    for batch in range(0, CATCH_UP_MAX + 1, 50):
        count = min(50, CATCH_UP_MAX + 1 - batch)
        await asyncio.gather(*(send(cluster, bob, exchange, f"m{batch + n}") for n in range(count)))

    assert away.last_event_id is not None
    back, replayed = await stream(cluster.edge_b, alice_token, away.last_event_id)
    assert replayed == [{"type": "resync", "exchange_ids": [exchange], "notifications": False}]
    await send(cluster, bob, exchange, "after the resync")
    assert await back.event() == received(exchange, "bob", "after the resync")
    back.close()


async def test_an_unreadable_last_event_id_resyncs_everything(cluster: Cluster) -> None:
    alice, alice_token = await register(cluster.edge_a, "alice")
    bob, _ = await register(cluster.edge_b, "bob")
    exchange = await mutual_exchange(cluster.worker_bus, alice, bob)
    await open_exchange(cluster.edge_a, alice_token, exchange)
    await send(cluster, bob, exchange, "hello")

    lost, replayed = await stream(cluster.edge_a, alice_token, "not-a-cursor")
    assert replayed == [{"type": "resync", "exchange_ids": [exchange], "notifications": True}]
    assert lost.last_event_id is not None and Cursor.decode(lost.last_event_id) is not None
    lost.close()


async def test_a_stream_needs_an_access_token_in_the_header_or_the_url(cluster: Cluster) -> None:
    _, token = await register(cluster.edge_a, "alice")
    for edge in cluster.edges:
        for headers in ({}, bearer("not-a-token")):
            resp = await edge.get(PATH, headers=headers)
            assert resp.status == 401 and await resp.json() == UNAUTHORIZED
        assert (await edge.get(PATH, params={"token": "not-a-token"})).status == 401

    by_url = await SseStream.open(cluster.edge_b, PATH, params={"token": token})
    assert by_url.status == 200
    block = await by_url.block()
    assert block is not None and block.retry == 3000
    assert await by_url.until_marker() == []
    by_url.close()


async def test_a_client_that_leaves_leaves_the_hub(cluster: Cluster) -> None:
    alice, alice_token = await register(cluster.edge_a, "alice")
    hub = cluster.edge_a.app[HUB]
    client, _ = await stream(cluster.edge_a, alice_token)
    [connection] = hub.connections_of(alice)
    assert isinstance(connection, SseConnection)
    client.close()
    await eventually(lambda: not hub.subscribed(alice))
    assert connection.ended.is_set()


async def test_a_partial_cursor_resyncs_the_chats_it_does_not_hold(cluster: Cluster) -> None:
    alice, alice_token = await register(cluster.edge_a, "alice")
    bob, _ = await register(cluster.edge_b, "bob")
    carol, _ = await register(cluster.edge_b, "carol")
    held = await mutual_exchange(cluster.worker_bus, alice, bob)
    left_out = await mutual_exchange(cluster.worker_bus, alice, carol, ("Самокат", "Ноутбук"))
    for exchange in (held, left_out):
        await open_exchange(cluster.edge_a, alice_token, exchange)
    await send(cluster, bob, held, "seen")
    start, _ = await stream(cluster.edge_a, alice_token)
    start.close()
    assert start.last_event_id is not None
    known = Cursor.decode(start.last_event_id)
    assert known is not None and len(known.positions) == 1  # the empty chat is at 0 by being absent
    await send(cluster, carol, left_out, "new")
    await send(cluster, bob, held, "missed")

    partial = Cursor(known.notification_id, dict(known.positions), partial=True).encode()
    back, replayed = await stream(cluster.edge_b, alice_token, partial)
    assert replayed == [
        {"type": "resync", "exchange_ids": [left_out], "notifications": False},
        received(held, "bob", "missed"),
    ]
    back.close()


def test_a_cursor_round_trips_and_forgets_the_least_recently_active_chats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(barter_events, "CURSOR_MAX", 2)
    cursor = Cursor(notification_id=123)
    for chat, seq in ((7, 1), (8, 40), (7, 2)):
        cursor.advance(chat, seq)
    assert cursor.encode() == "1.3f.8-14_7-2" and Cursor.decode(cursor.encode()) == cursor
    cursor.advance(9, 1)  # one too many: the least recently active goes, and the cursor says so
    assert cursor.positions == {7: 2, 9: 1} and cursor.partial
    assert Cursor.decode(cursor.encode()) == cursor and cursor.encode().startswith("1.3f+.")
    for unreadable in ("", "2.0.", "1.0", "1.0.7-", "1.0.7-1_", "1.-1.", "1.0.7_1", f"1.{'z' * 13}."):
        assert Cursor.decode(unreadable) is None, unreadable
    assert Cursor.decode("1.0.1-1_2-2_3-3") is None  # more chats than a cursor holds


async def test_live_copies_of_what_was_sent_are_dropped_and_a_lost_delivery_is_fetched(
    cluster: Cluster,
) -> None:
    alice, alice_token = await register(cluster.edge_a, "alice")
    bob, _ = await register(cluster.edge_b, "bob")
    exchange = await mutual_exchange(cluster.worker_bus, alice, bob)
    await open_exchange(cluster.edge_a, alice_token, exchange)
    client, _ = await stream(cluster.edge_a, alice_token)
    first = await send(cluster, bob, exchange, "first")
    assert await client.event() == received(exchange, "bob", "first")

    copy = MessageDelivery(message=first, conversation_kind=ConversationKind.EXCHANGE, topic_id=exchange)
    await deliver(cluster.worker_bus, [alice], copy)  # sent already: dropped
    checkpoint = await notify(cluster, alice, "checkpoint")
    assert await client.event() == notification(checkpoint, "checkpoint")
    hub = cluster.edge_a.app[HUB]
    [connection] = hub.connections_of(alice)
    await hub.unregister(alice, connection)  # the next delivery gets lost on its way
    await send(cluster, bob, exchange, "lost")
    await hub.register(alice, connection)
    await send(cluster, bob, exchange, "after")
    assert [await client.event(), await client.event()] == [
        received(exchange, "bob", "lost"),
        received(exchange, "bob", "after"),
    ]
    await client.nothing_more()
    client.close()
