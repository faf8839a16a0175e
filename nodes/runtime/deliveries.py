"""Live deliveries to users: one `rt.user.<id>` subject per user, encoded once for all recipients.

Workers publish here after the fact is stored; an edge listens only on the subjects of the users it
holds connections for. Delivery is best effort by design: the database is the truth, and a client
that missed something catches up by sequence number when it reconnects.
"""

from __future__ import annotations

from collections.abc import Iterable

from protocols import subjects
from protocols.envelope import Message

from .bus import Bus


def encode_delivery(delivery: Message) -> bytes:
    return delivery.__pydantic_serializer__.to_json(delivery)


async def deliver(bus: Bus, user_ids: Iterable[int], delivery: Message) -> None:
    payload = encode_delivery(delivery)
    for user_id in dict.fromkeys(user_ids):
        await bus.publish_raw(subjects.rt_user(user_id), payload)
