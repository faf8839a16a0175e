"""Real exchanges for tests that need one (the exchange chat's, the history's): users list barter
items at the market and the matching pipeline pairs them, as the document's flow does, over NATS.
The cluster must boot identity, notify, market and matching (and chat to talk in it)."""

from __future__ import annotations

from nodes.runtime.bus import Bus
from protocols.envelope import Actor, Role
from protocols.market_barter import CreateBarterList, ExchangeType, ItemSide, NewBarterItem
from protocols.matching import Exchange, ExchangeStatus, ListExchanges, RunPipeline
from tests.support.eventually import until

EXCHANGE_DOMAINS = ("identity", "chat", "notify", "catalog", "market", "matching")
VALUE = 10_000
RUN_TIMEOUT_S = 30.0


def user(user_id: int) -> Actor:
    return Actor(user_id=user_id, role=Role.USER)


def item(side: ItemSide, name: str, value: int = VALUE) -> NewBarterItem:
    return NewBarterItem(side=side, exchange_type=ExchangeType.PERMANENT, item_name=name, value_tenge=value)


async def list_items(bus: Bus, user_id: int, offers: list[str], wants: list[str]) -> list[int]:
    """A barter list of the user's; the ids of its items, offers first."""
    items = [item(ItemSide.OFFER, name) for name in offers] + [item(ItemSide.WANT, name) for name in wants]
    made = await bus.request(CreateBarterList(items=items), actor=user(user_id))
    return [each.id for each in made.items]


async def run_for(bus: Bus, user_id: int) -> list[Exchange]:
    """The user's own pipeline run; the exchanges it created."""
    done = await bus.request(RunPipeline(user_id=user_id), actor=user(user_id), timeout=RUN_TIMEOUT_S)
    return done.created


async def open_exchanges(bus: Bus, user_ids: list[int]) -> list[Exchange]:
    """The proposed or active exchanges of the first of these users."""
    statuses = [ExchangeStatus.PROPOSED, ExchangeStatus.ACTIVE]
    page = await bus.request(ListExchanges(statuses=statuses, limit=100), actor=user(user_ids[0]))
    return page.items


async def ring(bus: Bus, user_ids: list[int], things: list[str]) -> Exchange:
    """An exchange of these users (two: a bilateral swap, agreed at once; more: a proposed chain):
    each offers his thing and wants the next one's, the last wants the first's. Each listing already
    re-matches by itself; the first user's run makes sure, and whichever run commits first creates it."""
    offers: set[int] = set()
    for n, user_id in enumerate(user_ids):
        listed = await list_items(bus, user_id, [things[n]], [things[(n + 1) % len(things)]])
        offers.add(listed[0])
    await run_for(bus, user_ids[0])

    async def found() -> list[Exchange]:
        mine = await open_exchanges(bus, user_ids)
        return [e for e in mine if {leg.gives_item_id for leg in e.legs} == offers]

    async def made() -> bool:
        return len(await found()) == 1

    await until(made, within_s=RUN_TIMEOUT_S, what=f"an exchange of {user_ids}")
    [exchange] = await found()
    return exchange


async def mutual_exchange(bus: Bus, a: int, b: int, things: tuple[str, str] = ("Гитара", "Палатка")) -> str:
    """A bilateral exchange of users `a` and `b`, agreed (its chat open to both); its id."""
    return (await ring(bus, [a, b], list(things))).public_id
