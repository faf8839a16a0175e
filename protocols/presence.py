"""The presence domain: who is online, and since when they were last seen.

Edges write one key per (user, edge) in the `presence` KV bucket while that user has a connection
there, renewed well within the bucket's TTL, so a killed edge's users go offline by themselves. The
presence worker turns changes into `online`/`offline` deliveries, sent only to users who share a
conversation with the one who changed. Typing is not presence and is never stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from . import subjects
from .envelope import Command, Empty, Message
from .fields import AskedUsers, EdgeId, Int32

DOMAIN = "presence"


def presence_key(user_id: int | str, edge_id: str) -> str:
    """The KV key of one user's connections on one edge (`*` for the user: every user's there)."""
    return f"{user_id}.{edge_id}"


def user_of_key(key: str) -> int:
    return int(key.split(".", 1)[0])


class UserPresence(Message):
    user_id: Int32
    online: bool
    last_seen: datetime | None  # when last online (now while online); None if never seen


class PresenceList(Message):
    items: list[UserPresence]


class PresenceChanged(Command[Empty]):
    """An edge gained its first (or lost its last) connection of a user; the worker decides whether
    the user as a whole came online or went offline, and tells the user's contacts."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "presence_changed")
    user_id: Int32
    edge_id: EdgeId
    online: bool


class SweepPresence(Command[Empty]):
    """Scheduled: users whose every key expired (their edge died) went offline."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "sweep_presence")
    idempotent: ClassVar[bool] = True


class GetPresence(Command[PresenceList]):
    """The presence of these users, as far as the actor may know it: only users who share a
    conversation with the actor are answered; the others are left out."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_presence")
    idempotent: ClassVar[bool] = True
    user_ids: AskedUsers


class PresenceDelivery(Message):
    """On rt.user.<id>, to the contacts of a user whose presence changed."""

    type: Literal["presence"] = "presence"
    presence: UserPresence
