"""What the Socket.IO server writes besides the deliveries it relays, typed: each event's ack, the
error of a refused connection, and its own events (`resync`, a replayed `message`).

The acks are on the chat's hot path, so they are TypedDicts: mypy checks each one's fields, and at
run time they are the plain dicts that orjson (the server's JSON, sio_packets.py) writes fastest.
What a worker answered travels inside them as the JSON it came in (see Bus.request_json): no model
is built and dumped again.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from protocols.chat import ChatMessage, ConversationTopic, MessageDelivery
from protocols.envelope import DomainError, ErrorCode

from .frames import JsonObject  # here: a worker's reply (or a part of one) as it came


class Failure(TypedDict):
    """Why an event or a connection was refused."""

    code: str  # an ErrorCode
    message: str
    details: NotRequired[JsonObject]


def refusal(code: ErrorCode, message: str) -> Failure:
    """The data of a `connect_error` (whose message is the code)."""
    return Failure(code=code.value, message=message)


# --- acks ------------------------------------------------------------------------------------------


class ErrorAck(TypedDict):
    ok: Literal[False]
    error: Failure


class OkAck(TypedDict):
    """Done (all that `typing` answers); the other acks add what was done."""

    ok: Literal[True]


class SentAck(OkAck):
    message: JsonObject  # the stored ChatMessage
    duplicate: bool


class ReadAck(OkAck):
    state: JsonObject  # the ReadState


class CaughtUpAck(OkAck):
    messages: list[JsonObject]  # ChatMessages
    resync: list[int]


Ack = OkAck | ErrorAck


def error_ack(exc: DomainError) -> ErrorAck:
    error = refusal(exc.code, exc.message)
    if exc.details:
        error["details"] = exc.details
    return ErrorAck(ok=False, error=error)


# --- the server's own events -----------------------------------------------------------------------


class Resync(TypedDict):
    """`resync`: conversations too far behind to replay; the client reloads them over REST."""

    conversation_ids: list[int]


class ReplayedMessage(MessageDelivery):
    """A missed message, sent as a `message` event shaped as a live one, marked `replay`."""

    replay: Literal[True] = True


def replayed(message: ChatMessage, topic: ConversationTopic) -> JsonObject:
    """The `message` event of a missed message."""
    event = ReplayedMessage(
        message=message, conversation_kind=topic.conversation_kind, topic_id=topic.topic_id
    )
    return event.model_dump(mode="json")
