"""The delivery hub against a real nats-server, with connections that record what they are sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client import REGISTRY

from nodes.edge.realtime.connection import BufferedConnection, Delivery
from nodes.edge.realtime.hub import DeliveryHub
from nodes.runtime.bus import Bus
from nodes.runtime.deliveries import deliver
from nodes.runtime.embedded_nats import EmbeddedNats
from protocols import subjects
from protocols.chat import TypingDelivery
from tests.nodes.edge.realtime.live import eventually, listened, message_delivery, settled


class Recorder(BufferedConnection):
    """A connection whose client reads only while `reading` is set."""

    def __init__(self, buffer_size: int = 256) -> None:
        super().__init__(buffer_size=buffer_size)
        self.sent: list[Delivery] = []
        self.reading = asyncio.Event()
        self.reading.set()
        self.writing = asyncio.Event()  # a batch has been taken from the buffer
        self.closed = asyncio.Event()

    async def send(self, batch: list[Delivery]) -> None:
        self.writing.set()
        await self.reading.wait()
        self.sent.extend(batch)

    async def close(self) -> None:
        self.closed.set()


@pytest.fixture
async def buses(nats_server: EmbeddedNats) -> AsyncIterator[tuple[Bus, Bus]]:
    edge = await Bus.connect(nats_server.url, name="edge")
    worker = await Bus.connect(nats_server.url, name="worker")
    yield edge, worker
    await worker.close()
    await edge.close()


def dropped(delivery_type: str) -> float:
    return REGISTRY.get_sample_value("souk_realtime_dropped_total", {"type": delivery_type}) or 0.0


def overflows() -> float:
    return REGISTRY.get_sample_value("souk_realtime_overflow_disconnects_total") or 0.0


def typing(user_id: int = 9) -> TypingDelivery:
    return TypingDelivery(conversation_id=1, user_id=user_id, typing=True)


def seqs(sent: list[Delivery]) -> list[Any]:
    return [payload["message"]["seq"] if kind == "message" else kind for kind, payload in sent]


async def test_first_connection_subscribes_and_the_last_one_leaving_unsubscribes(
    buses: tuple[Bus, Bus],
) -> None:
    edge, worker = buses
    hub = DeliveryHub(edge)
    phone, laptop = Recorder(), Recorder()
    assert not await listened(worker, 1)

    await hub.register(1, phone)
    assert hub.subscribed(1) and await listened(worker, 1)
    await hub.register(1, laptop)
    await hub.unregister(1, phone)
    assert hub.subscribed(1) and await listened(worker, 1)
    await hub.unregister(1, laptop)
    assert not hub.subscribed(1) and hub.connections_of(1) == ()
    await settled(edge)
    assert not await listened(worker, 1)
    await hub.close()


async def test_a_delivery_is_decoded_once_for_every_connection_of_its_user_only(
    buses: tuple[Bus, Bus],
) -> None:
    edge, worker = buses
    hub = DeliveryHub(edge)
    phone, laptop, stranger = Recorder(), Recorder(), Recorder()
    for user_id, connection in ((1, phone), (1, laptop), (2, stranger)):
        await hub.register(user_id, connection)
        connection.start()

    await worker.publish_raw(subjects.rt_user(1), b"not json")
    await worker.publish_raw(subjects.rt_user(1), b'{"no": "type"}')
    await deliver(worker, [1], message_delivery(5, 1))
    await deliver(worker, [2], message_delivery(6, 1))
    await eventually(lambda: len(phone.sent) == len(laptop.sent) == len(stranger.sent) == 1)

    assert seqs(phone.sent) == seqs(laptop.sent) == [1]
    assert phone.sent[0][1] is laptop.sent[0][1]  # one decode, shared
    assert stranger.sent[0][1]["message"]["conversation_id"] == 6
    await hub.close()


async def test_a_connection_that_races_the_last_one_leaving_keeps_the_subscription(
    buses: tuple[Bus, Bus],
) -> None:
    edge, worker = buses
    hub = DeliveryHub(edge)
    old, new = Recorder(), Recorder()
    await hub.register(1, old)
    new.start()
    await asyncio.gather(hub.unregister(1, old), hub.register(1, new))
    assert hub.subscribed(1) and hub.connections_of(1) == (new,)
    await deliver(worker, [1], message_delivery(5, 1))
    await eventually(lambda: seqs(new.sent) == [1])
    await hub.close()


async def test_a_client_that_stops_reading_loses_typing_first_then_is_closed(buses: tuple[Bus, Bus]) -> None:
    edge, worker = buses
    hub = DeliveryHub(edge)
    slow, other = Recorder(buffer_size=3), Recorder()
    await hub.register(1, slow)
    await hub.register(2, other)
    slow.start()
    other.start()
    typing_drops, overflowed = dropped("typing"), overflows()

    slow.reading.clear()
    await deliver(worker, [1], message_delivery(5, 1))
    await asyncio.wait_for(slow.writing.wait(), 2)  # seq 1 is stuck on its way out
    # Buffer of 3: three typings fill it; each message then pushes a typing out, a typing is dropped.
    for delivery in (typing(), typing(), typing(), message_delivery(5, 2), typing(), message_delivery(5, 3)):
        await deliver(worker, [1], delivery)
    await deliver(worker, [2], message_delivery(6, 1))
    await eventually(lambda: seqs(other.sent) == [1], within_s=1)  # not held up by the slow one
    await eventually(lambda: dropped("typing") == typing_drops + 3)
    assert not slow.closed.is_set()

    slow.reading.set()
    await eventually(lambda: seqs(slow.sent) == [1, "typing", 2, 3])

    slow.writing.clear()
    slow.reading.clear()
    await deliver(worker, [1], message_delivery(5, 4))
    await asyncio.wait_for(slow.writing.wait(), 2)  # seq 4 is stuck on its way out
    for seq in range(5, 9):  # 5-7 fill the buffer, 8 does not fit
        await deliver(worker, [1], message_delivery(5, seq))
    await asyncio.wait_for(slow.closed.wait(), 2)
    assert overflows() == overflowed + 1
    assert not slow.offer("message", {"type": "message"})

    await deliver(worker, [2], message_delivery(6, 2))
    await eventually(lambda: seqs(other.sent) == [1, 2], within_s=1)
    slow.reading.set()
    await eventually(lambda: len(slow.sent) >= 5)
    await slow.stop()
    assert seqs(slow.sent) == [1, "typing", 2, 3, 4]  # nothing of what came after the overflow
    await hub.close()
