"""Socket frames that several contracts spell alike (MillionAvto, FreeMarket, Realty: snake_case, a
lower-case `type`), each contract adding the field that names its conversation (`dialog_id`,
`exchange_id`, `chat_id`).

- A live message is the contract's REST message with `"type": "message"`, so the live and the stored
  message read alike; the sender's own sockets also get the `client_msg_id` the send carried.
- `typing` {user_id} and `read` {user_id, message_id}: who is typing, who read up to which message.
- `ack` {client_msg_id, message_id, duplicate}: a send that carried a client id, stored (`duplicate`:
  by an earlier try).
"""

from __future__ import annotations

from typing import Literal, TypeVar

from pydantic import BaseModel, Field

from nodes.edge.realtime.frames import ServerFrame
from protocols.chat import ChatMessage, MessageStored


def _absent(value: object) -> bool:
    return value is None


class LiveMessage(ServerFrame):
    """What a live message frame adds to the contract's REST message, which it is mixed into."""

    type: Literal["message"] = "message"
    client_msg_id: str | None = Field(default=None, exclude_if=_absent)


L = TypeVar("L", bound=LiveMessage)


def live_message(frame: type[L], shaped: BaseModel, message: ChatMessage, viewer: int) -> L:
    """`message`, shaped as the contract's REST message, as a frame to `viewer`'s socket."""
    own = message.sender_id == viewer and message.client_msg_id is not None
    return frame(**dict(shaped), client_msg_id=message.client_msg_id if own else None)


class TypingShown(ServerFrame):
    type: Literal["typing"] = "typing"
    user_id: int


class ReadShown(ServerFrame):
    type: Literal["read"] = "read"
    user_id: int
    message_id: int


class Acked(ServerFrame):
    type: Literal["ack"] = "ack"
    client_msg_id: str
    message_id: int
    duplicate: bool


def acked(client_msg_id: str | None, stored: MessageStored) -> list[ServerFrame]:
    """The answer to a send: an `ack` when the client gave an id to match it by, else none."""
    if client_msg_id is None:
        return []
    return [Acked(client_msg_id=client_msg_id, message_id=stored.message.id, duplicate=stored.duplicate)]
