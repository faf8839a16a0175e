"""The matching worker over NATS: runs at once never propose one item twice; a listing change
re-matches by itself and dissolves the exchanges whose items left the pool; an exchange is seen by
its participants (and the system) only."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import TypeVar

import pytest
from sqlalchemy import update

from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.identity import Register
from protocols.market_barter import ArchiveBarterItems, CreateBarterList, ItemSide, UpdateBarterList
from protocols.matching import (
    ConfirmExchange,
    Exchange,
    ExchangeKind,
    ExchangeStatus,
    GetExchange,
    GetMatchingStatus,
    ListExchanges,
    RunPipeline,
)
from protocols.notify import ListNotifications
from scheduler.app import SchedulerApp
from storage.engine import create_engine, session_factory
from storage.models.matching import ExchangeLeg
from tests.conftest import Cluster
from tests.support.eventually import until
from tests.support.exchanges import EXCHANGE_DOMAINS, item, list_items, mutual_exchange, user

pytestmark = [pytest.mark.domains(*EXCHANGE_DOMAINS)]

T = TypeVar("T")
THINGS = ["Гитара", "Палатка", "Самокат", "Ноутбук", "Фотоаппарат", "Объектив", "Гантели", "Лампа"]


async def people(cluster: Cluster, count: int, first: int = 0) -> list[int]:
    made = []
    for n in range(first, first + count):
        cmd = Register(
            email=f"u{n}@example.com", password="StrongPassword123!", username=f"user{n}", city="Алматы"
        )
        made.append((await cluster.worker_bus.request(cmd)).user.id)
    return made


async def test_runs_at_once_never_propose_an_item_twice(cluster: Cluster) -> None:
    users = await people(cluster, 8)
    for n in range(0, 8, 2):
        first, second = THINGS[n], THINGS[n + 1]
        await list_items(cluster.worker_bus, users[n], [first], [second])
        await list_items(cluster.worker_bus, users[n + 1], [second], [first])
    # Each listing re-matched by itself already (runs at once on both queue members); two more
    # everyone's runs and a user's run race them.
    await asyncio.gather(
        cluster.worker_bus.request(RunPipeline(), actor=Actor.system(), timeout=30),
        cluster.worker_bus.request(RunPipeline(), actor=Actor.system(), timeout=30),
        cluster.worker_bus.request(RunPipeline(user_id=users[0]), actor=user(users[0]), timeout=30),
    )
    admin = Actor(user_id=users[0], role=Role.ADMIN)

    async def created() -> list[Exchange]:
        return (await cluster.worker_bus.request(ListExchanges(limit=100), actor=admin)).items

    await until(lambda: _equals(_count(created()), 4), within_s=10, what="four exchanges")
    exchanges = await created()
    given = [leg.gives_item_id for exchange in exchanges for leg in exchange.legs]
    assert len(given) == len(set(given)) == 8
    assert all(e.kind is ExchangeKind.MUTUAL and e.status is ExchangeStatus.ACTIVE for e in exchanges)
    status = await cluster.worker_bus.request(GetMatchingStatus(), actor=admin)
    assert status.status == "success"


async def _count(items: Awaitable[list[Exchange]]) -> int:
    return len(await items)


async def test_a_listing_change_rematches_and_a_withdrawn_item_dissolves(cluster: Cluster) -> None:
    bus = cluster.worker_bus
    alice, bob = await people(cluster, 2)
    await list_items(bus, alice, ["Гитара"], ["Палатка"])
    bobs = await bus.request(
        CreateBarterList(items=[item(ItemSide.OFFER, "Палатка"), item(ItemSide.WANT, "Ноутбук")]),
        actor=user(bob),
    )

    async def exchanges(of: int) -> list[ExchangeStatus]:
        page = await bus.request(ListExchanges(), actor=user(of))
        return [e.status for e in page.items]

    assert await exchanges(alice) == []
    # Bob now wants the guitar too: the change re-matches by itself.
    await bus.request(UpdateBarterList(list_id=bobs.id, add=[item(ItemSide.WANT, "Гитара")]), actor=user(bob))
    await until(lambda: _equals(exchanges(alice), [ExchangeStatus.ACTIVE]), within_s=5, what="re-match")
    [exchange] = (await bus.request(ListExchanges(), actor=user(bob))).items
    with pytest.raises(DomainError) as outsider:
        await bus.request(GetExchange(public_id=exchange.public_id), actor=user(alice + bob))
    assert outsider.value.code is ErrorCode.NOT_FOUND
    seen = await bus.request(GetExchange(public_id=exchange.public_id), actor=Actor.system())
    assert set(seen.participant_ids) == {alice, bob}

    # Alice confirms; Bob's tent is archived elsewhere meanwhile: the exchange is dissolved, both told,
    # and Bob's confirmation is refused.
    await bus.request(ConfirmExchange(public_id=exchange.public_id), actor=user(alice))
    bob_offer = next(leg.gives_item_id for leg in exchange.legs if leg.user_id == bob)
    await bus.request(ArchiveBarterItems(item_ids=[bob_offer], exchange_id="elsewhere"), actor=Actor.system())
    await until(lambda: _equals(exchanges(bob), [ExchangeStatus.DISSOLVED]), within_s=5, what="dissolved")
    with pytest.raises(DomainError) as refused:
        await bus.request(ConfirmExchange(public_id=exchange.public_id), actor=user(bob))
    assert refused.value.code is ErrorCode.CONFLICT

    async def told(of: int) -> list[str]:
        page = await bus.request(ListNotifications(), actor=user(of))
        return [n.type for n in page.items]

    await until(
        lambda: _equals(told(alice), ["exchange_dissolved", "bilateral_match"]), within_s=5, what="told"
    )
    # Alice's guitar is back in the pool: it matches again once someone else offers what she wants.
    [carol] = await people(cluster, 1, first=2)
    await list_items(bus, carol, ["Палатка"], ["Гитара"])
    await until(
        lambda: _equals(exchanges(carol), [ExchangeStatus.ACTIVE]), within_s=5, what="back in the pool"
    )


async def _equals(got: Awaitable[T], expected: T) -> bool:
    return bool(await got == expected)


async def test_the_scheduled_run_completes_an_exchange_whose_worker_stopped_after_the_archive(
    cluster: Cluster,
) -> None:
    """Both confirmations are stored and the market archived the items, but the worker stopped before
    completing the exchange: the scheduled run archives again (the same answer) and completes it;
    the listing change that the archive published dissolves nothing."""
    bus = cluster.worker_bus
    alice, bob = await people(cluster, 2)
    public_id = await mutual_exchange(bus, alice, bob)
    engine = create_engine(cluster.settings.database.url)
    async with session_factory(engine)() as db:
        await db.execute(update(ExchangeLeg).values(confirmed_at=datetime.now(UTC)))
        await db.commit()
    await engine.dispose()
    exchange = await bus.request(GetExchange(public_id=public_id), actor=Actor.system())
    items = [leg.gives_item_id for leg in exchange.legs]
    await bus.request(ArchiveBarterItems(item_ids=items, exchange_id=public_id), actor=Actor.system())

    scheduler = SchedulerApp(bus, cluster.settings)
    assert await scheduler.run_job_now("run_matching") == "ok"
    done = await bus.request(GetExchange(public_id=public_id), actor=user(alice))
    assert done.status is ExchangeStatus.COMPLETED and done.completed_at is not None
    told = await bus.request(ListNotifications(), actor=user(bob))
    assert [n.type for n in told.items] == ["exchange_completed", "bilateral_match"]
    # Confirming again changes nothing.
    again = await bus.request(ConfirmExchange(public_id=public_id), actor=user(bob))
    assert not again.changed and again.exchange.status is ExchangeStatus.COMPLETED
