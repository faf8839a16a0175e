"""The matching domain: the engine's runs over the barter pool, and the exchanges they propose.

An exchange is a ring of participants, each giving one offer to the next and receiving one from the
previous: two people are a bilateral swap (kind `mutual`, agreed as found), three or more a chain
(kind `chain`, `proposed` until every participant accepts; one decline dissolves it and its items
return to the pool). An agreed exchange is `active`: its participants chat and each confirms; when
all have, it is `completed` and its items are archived. Its public id is the contract's
`mutual_{user_a}_{user_b}_{item_a}_{item_b}` for a swap and `chain_{id}` for a chain; who takes part
is always read from this domain, never from the id. A swap that was dissolved (an offer or the want it
filled left the pool) comes back under its id when its two offers meet again: agreed afresh (nobody's
earlier confirmation carries over), with a second `created` on its timeline and its participants told
as of a new match. One a participant declined would not be proposed again with the same two items
(a swap has no decline in the contract today).

Only a participant sees an exchange: anyone else is answered `not_found`, as for a missing one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from . import subjects
from .envelope import Command, Message
from .fields import CHAIN_PARTICIPANTS_MAX, ChainSize, DeclineReason, ExchangeKey, Id, Offset, PageSize

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
        """Each participant once, in ring order (one may give two items in a ring)."""
        return list(dict.fromkeys(leg.user_id for leg in self.legs))


class GetExchange(Command[Exchange]):
    """One exchange of the actor's, by its public id (anyone else's, or a missing one: `not_found`).
    The exchange chat asks this to learn who is in it."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_exchange")
    idempotent: ClassVar[bool] = True
    public_id: ExchangeKey


class ExchangeSort(StrEnum):
    CREATED = "created"
    SCORE = "score"
    PARTICIPANTS = "participants"


class ExchangePage(Message):
    items: list[Exchange]
    total: int


class ListExchanges(Command[ExchangePage]):
    """Exchanges of one user (the actor's own; staff may name anyone), or everyone's for staff when
    `user_id` is None: of one kind and some statuses when given."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_exchanges")
    idempotent: ClassVar[bool] = True
    user_id: Id | None = None
    kind: ExchangeKind | None = None
    statuses: list[ExchangeStatus] | None = None
    sort: ExchangeSort = ExchangeSort.CREATED
    descending: bool = True
    offset: Offset = 0
    limit: PageSize = 20


# --- runs ------------------------------------------------------------------------------------------


class RunTrigger(StrEnum):
    SCHEDULED = "scheduled"  # the scheduler's full run
    PIPELINE = "pipeline"  # run-pipeline: everyone (admins) or one user
    DISCOVER = "discover"  # chains/discover
    CHANGE = "change"  # the re-match after a listing change or a completed exchange


class RunReport(Message):
    run_id: int
    bilateral_matches: int  # exchanges of two people this run created
    exchange_chains: int  # of three or more
    total_participants: int  # people in them
    items_traded: int
    errors: list[str]
    # What the run created, chains first: the first 512 KB of them (a reply is one NATS message; the
    # counts above count them all).
    created: list[Exchange]


class RunPipeline(Command[RunReport]):
    """Match everyone (`user_id` None: staff and the system only; the system's run is the scheduled
    one) or the part of the pool around one user (the actor himself, or anyone for staff)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "run_pipeline")
    user_id: Id | None = None
    max_participants: ChainSize | None = None  # the settings' default when None


class DiscoverChains(Command[RunReport]):
    """Match and keep only exchanges of `min_participants` to `max_participants` people; staff over
    the whole pool, anyone else around himself."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "discover_chains")
    min_participants: ChainSize = 3
    max_participants: ChainSize = CHAIN_PARTICIPANTS_MAX


class MatchingStatus(Message):
    last_run: datetime | None  # when the last finished run started; None before any
    bilateral_matches: int
    chains_discovered: int
    participants_notified: int
    status: str  # success | failed | never


class GetMatchingStatus(Command[MatchingStatus]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "matching_status")
    idempotent: ClassVar[bool] = True


# --- what participants say -------------------------------------------------------------------------


class ExchangeAnswer(Message):
    exchange: Exchange
    changed: bool  # False: the actor had said this already; nothing changed
    items_archived: list[int] = Field(
        default_factory=list
    )  # for a confirm that completed the exchange: the items archived


class RespondToChain(Command[ExchangeAnswer]):
    """The actor accepts or declines a proposed chain of his. When every participant accepted it is
    `active`; one decline dissolves it and its items return to the pool."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "respond_to_chain")
    exchange_id: Id  # the chain's number: `chain_{exchange_id}`
    accept: bool
    reason: DeclineReason | None = None


class ConfirmExchange(Command[ExchangeAnswer]):
    """The actor confirms an active exchange of his took place. When every participant has, its
    items are archived at the market (all or nothing) and it is `completed`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "confirm_exchange")
    public_id: ExchangeKey


# --- the test flow (the engine on scratch data) ----------------------------------------------------


class TestScenario(StrEnum):
    BILATERAL = "bilateral"
    CHAINS = "chains"
    LOCATIONS = "locations"
    SCORING = "scoring"
    FULL = "full"


class TestFlowReport(Message):
    test: TestScenario
    passed: bool
    matches_found: int
    details: str


class RunTestFlow(Command[TestFlowReport]):
    """Staff only: one scenario (or all) on entries built in memory; nothing is read or stored."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "run_test_flow")
    idempotent: ClassVar[bool] = True
    scenario: TestScenario
