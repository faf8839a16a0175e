"""The replay on connect, with a stand-in server and bus: the order of events and the overlap between
what is replayed and what arrives live (a message stored while the client was catching up)."""

from __future__ import annotations

import json
from typing import Any

import socketio

from nodes.edge.realtime.sio_connection import SocketIOConnection
from protocols.chat import CatchUp, CaughtUp, ConversationKind, ConversationTopic
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from tests.nodes.edge.realtime.live import chat_message, message_delivery


class Manager:
    def is_connected(self, _sid: str, _namespace: str) -> bool:
        return True

    def eio_sid_from_sid(self, sid: str, _namespace: str) -> str:
        assert sid == "sid-1"
        return "eio-1"


class EngineIO:
    def __init__(self) -> None:
        self.sockets: dict[str, Any] = {}  # no transport: nothing to wait for


class Server:
    """Takes the Socket.IO packets the connection sends, as python-socketio's server would."""

    packet_class = socketio.packet.Packet

    def __init__(self) -> None:
        self.manager = Manager()
        self.emitted: list[tuple[str, Any]] = []
        self.eio = EngineIO()

    async def _send_packet(self, eio_sid: str, pkt: socketio.packet.Packet) -> None:
        encoded = pkt.encode()
        assert eio_sid == "eio-1" and encoded.startswith("2")  # an EVENT on the default namespace
        event, data = json.loads(encoded[1:])
        self.emitted.append((event, data))


class Chat:
    def __init__(self, answer: CaughtUp | DomainError) -> None:
        self.answer = answer
        self.asked: list[CatchUp] = []

    async def request(self, cmd: CatchUp, *, actor: Actor) -> CaughtUp:
        assert actor.user_id == 5
        self.asked.append(cmd)
        if isinstance(self.answer, DomainError):
            raise self.answer
        return self.answer


def connection(chat: Chat, positions: dict[int, int]) -> tuple[SocketIOConnection, Server]:
    server = Server()
    actor = Actor(user_id=5, role=Role.USER)
    return SocketIOConnection(server, "sid-1", actor, chat, positions=positions), server  # type: ignore[arg-type]


def shown(emitted: list[tuple[str, Any]]) -> list[Any]:
    return [
        (event, data["message"]["seq"]) if event == "message" else (event, data) for event, data in emitted
    ]


async def test_missed_messages_come_first_and_their_live_copies_are_skipped() -> None:
    topic = ConversationTopic(conversation_id=7, conversation_kind=ConversationKind.AD_DIALOG, topic_id="a")
    chat = Chat(CaughtUp(messages=[chat_message(7, 2), chat_message(7, 3)], resync=[9], topics=[topic]))
    conn, server = connection(chat, {7: 1, 8: 4, 9: 0})
    await conn.opened()
    assert chat.asked == [CatchUp(positions={7: 1, 8: 4, 9: 0})]
    live = [message_delivery(7, 3), message_delivery(8, 4), message_delivery(8, 5), message_delivery(7, 4)]
    await conn.send([("message", d.model_dump(mode="json")) for d in live])
    assert shown(server.emitted) == [
        ("message", 2), ("message", 3), ("resync", {"conversation_ids": [9]}), ("message", 5), ("message", 4)
    ]  # fmt: skip
    assert all(data["replay"] for _, data in server.emitted[:2])


async def test_without_a_chat_worker_the_client_is_told_to_resync_everything() -> None:
    conn, server = connection(Chat(DomainError(ErrorCode.UNAVAILABLE)), {7: 1, 8: 4})
    await conn.opened()
    assert server.emitted == [("resync", {"conversation_ids": [7, 8]})]
