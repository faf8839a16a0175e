"""Socket.IO packets as Souk reads and writes them: JSON only, and no exception for what a client sent.

python-socketio raises on a packet it cannot parse, hands an event whose name is not a string (or is
one of its reserved ones, `connect`, `disconnect`) to the handlers, and keeps a binary event waiting
for attachments that may never come; engine.io then logs a traceback, and a client that asked for an
ack waits for its own timeout. Here every such packet decodes as an event named by a `Malformed`,
which no client can send and no handler is registered for: the gateway's catch-all answers its ack
(if it asked for one) with a `validation` error. What engine.io hands over that is not text at all
is dropped before this (`DirectSocketIOServer._handle_eio_message`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson
import socketio
from socketio import packet as sio_packet

HANDLED_TYPES = (sio_packet.CONNECT, sio_packet.DISCONNECT, sio_packet.EVENT, sio_packet.ACK)
EVENT_TYPES = (sio_packet.EVENT, sio_packet.BINARY_EVENT)
RESERVED_EVENTS = frozenset(socketio.AsyncServer.reserved_events)


@dataclass(frozen=True)
class Malformed:
    """The name of the event a malformed packet decodes to (JSON never gives one)."""

    reason: str


class OrjsonJson:
    """python-socketio's pluggable JSON module, backed by orjson."""

    @staticmethod
    def dumps(obj: Any, **_kw: Any) -> str:
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()

    @staticmethod
    def loads(raw: str | bytes, **_kw: Any) -> Any:
        return orjson.loads(raw)


class JsonPacket(socketio.packet.Packet):  # type: ignore[misc]
    """Packets that are JSON only. python-socketio walks every payload looking for bytes to send as
    binary attachments, a tenth of an edge's time under chat load; Souk never sends bytes."""

    data: Any
    id: int | None

    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        return False

    def decode(self, encoded_packet: Any) -> int:
        """The packet read from the client; never raises, and asks for no attachments."""
        if not isinstance(encoded_packet, str):
            return self._malformed("not a Socket.IO packet")
        try:
            super().decode(encoded_packet)
        except json.JSONDecodeError:  # the header was read: its ack id is the client's
            if self.packet_type == sio_packet.CONNECT:
                self.data = None  # no auth: refused as unauthorized, which the client is told
                return 0
            return self._malformed("the payload is not JSON", ack=self.packet_type in EVENT_TYPES)
        except ValueError:  # an unknown type, too many attachments, an ack id too long
            return self._malformed("not a Socket.IO packet")
        if self.packet_type == sio_packet.BINARY_EVENT:
            return self._malformed("binary payloads are not accepted", ack=True)
        if self.packet_type not in HANDLED_TYPES:
            return self._malformed("not a packet a client sends")
        if self.packet_type == sio_packet.EVENT:
            return self._checked_event()
        return 0

    def _checked_event(self) -> int:
        data = self.data
        if not isinstance(data, list) or not data or not isinstance(data[0], str):
            return self._malformed("an event is a list that starts with its name", ack=True)
        if data[0] in RESERVED_EVENTS:
            return self._malformed(f"unknown event {data[0]!r}", ack=True)
        return 0

    def _malformed(self, reason: str, *, ack: bool = False) -> int:
        self.packet_type = sio_packet.EVENT
        self.data = [Malformed(reason)]
        if not ack:
            self.id = None
        return 0
