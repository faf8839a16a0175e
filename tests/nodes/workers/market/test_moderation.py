"""The market worker over NATS: moderation approves a pending ad (active, with its dates) or rejects
it with a reason; only moderators may, and only a pending ad."""

from __future__ import annotations

import pytest

from protocols import market as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.identity import Register
from tests.conftest import Cluster

pytestmark = pytest.mark.domains("identity", "catalog", "market")

MODERATOR = Actor(user_id=0, role=Role.MODERATOR)


async def pending_ad(cluster: Cluster) -> tuple[Actor, wire.Ad]:
    bus = cluster.worker_bus
    user = await bus.request(Register(email="seller@example.com", password="SecurePass123!"))
    owner = Actor(user_id=user.user.id, role=Role.USER)
    return owner, await bus.request(
        wire.CreateAd(category_id=1, title="Lada Vesta", price=900_000), actor=owner
    )


async def test_a_moderator_approves_a_pending_ad_and_only_a_pending_one(cluster: Cluster) -> None:
    owner, ad = await pending_ad(cluster)
    bus = cluster.worker_bus
    for someone in (owner, Actor(user_id=ad.owner_id + 1, role=Role.USER)):
        with pytest.raises(DomainError) as refused:
            await bus.request(
                wire.ModerateAd(ad_id=ad.id, decision=wire.ModerationDecision.APPROVE), actor=someone
            )
        assert refused.value.code is ErrorCode.FORBIDDEN
    approved = await bus.request(
        wire.ModerateAd(ad_id=ad.id, decision=wire.ModerationDecision.APPROVE), actor=MODERATOR
    )
    assert approved.status is wire.AdStatus.ACTIVE and approved.published_at is not None
    assert approved.expires_at is not None and approved.expires_at > approved.published_at
    with pytest.raises(DomainError) as again:
        await bus.request(
            wire.ModerateAd(ad_id=ad.id, decision=wire.ModerationDecision.REJECT, reason="x"), actor=MODERATOR
        )
    assert again.value.code is ErrorCode.CONFLICT


async def test_a_rejection_needs_a_reason_which_its_owner_reads(cluster: Cluster) -> None:
    owner, ad = await pending_ad(cluster)
    bus = cluster.worker_bus
    with pytest.raises(DomainError) as unexplained:
        await bus.request(
            wire.ModerateAd(ad_id=ad.id, decision=wire.ModerationDecision.REJECT), actor=MODERATOR
        )
    assert unexplained.value.code is ErrorCode.VALIDATION
    cmd = wire.ModerateAd(ad_id=ad.id, decision=wire.ModerationDecision.REJECT, reason="Wrong category")
    await bus.request(cmd, actor=MODERATOR)
    seen = await bus.request(wire.GetAd(ad_id=ad.id), actor=owner)
    assert seen.status is wire.AdStatus.REJECTED and seen.rejection_reason == "Wrong category"
