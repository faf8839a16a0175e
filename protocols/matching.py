"""The matching domain: the engine's runs over the barter pool, and the exchanges they propose.

An exchange is a ring of participants, each giving one offer to the next and receiving one from the
previous: two people are a bilateral swap (kind `mutual`, agreed as found), three or more a chain
(kind `chain`, `proposed` until every participant accepts; one decline dissolves it and its items
return to the pool). An agreed exchange is `active`: its participants chat and each confirms; when
all have, it is `completed` and its items are archived. Its public id is the contract's
`mutual_{user_a}_{user_b}_{item_a}_{item_b}` for a swap and `chain_{id}` for a chain; who takes part
is always read from this domain, never from the id.

Only a participant sees an exchange: anyone else is answered `not_found`, as for a missing one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from . import subjects
from .envelope import Command, Message
from .fields import ExchangeKey

DOMAIN = "matching"


class ExchangeKind(StrEnum):
    MUTUAL = "mutual"
    CHAIN = "chain"


class ExchangeStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    COMPLETED = "completed"
    DISSOLVED = "dissolved"


class Leg(Message):
    """One participant's part: the item he gives and the one he receives, and what he has said."""

    user_id: int
    gives_item_id: int
    receives_item_id: int
    accepted_at: datetime | None
    declined_at: datetime | None
    confirmed_at: datetime | None


class Exchange(Message):
    id: int
    public_id: str
    kind: ExchangeKind
    status: ExchangeStatus
    score: float
    legs: list[Leg]  # in ring order
    created_at: datetime
    agreed_at: datetime | None
    completed_at: datetime | None
    dissolved_at: datetime | None

    @property
    def participant_ids(self) -> list[int]:
        return [leg.user_id for leg in self.legs]


class GetExchange(Command[Exchange]):
    """One exchange of the actor's, by its public id (anyone else's, or a missing one: `not_found`).
    The exchange chat asks this to learn who is in it."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_exchange")
    idempotent: ClassVar[bool] = True
    public_id: ExchangeKey
