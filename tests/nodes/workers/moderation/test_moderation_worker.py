"""The moderation worker over NATS: reports filed by users (an ad only as its reporter sees it),
their status set by moderators and logged, ads moderated through the market's `ModerateAd` and the
decision logged; only moderators, admins and the system moderate."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from protocols import market
from protocols import moderation as wire
from protocols.envelope import Actor, Command, DomainError, ErrorCode, Role
from protocols.identity import Register
from tests.conftest import Cluster

pytestmark = pytest.mark.domains("identity", "catalog", "market", "moderation")


async def account(cluster: Cluster, email: str, role: Role = Role.USER) -> Actor:
    user = await cluster.worker_bus.request(Register(email=email, password="SecurePass123!"))
    return Actor(user_id=user.user.id, role=role)


async def test_a_report_on_an_ad_is_filed_only_when_its_reporter_sees_the_ad(cluster: Cluster) -> None:
    bus = cluster.worker_bus
    owner, reporter = await account(cluster, "owner@example.com"), await account(cluster, "r@example.com")
    ad = await bus.request(market.CreateAd(category_id=1, title="Lada Vesta", price=900_000), actor=owner)
    cmd = wire.FileReport(report_type=wire.ReportType.AD, target_id=ad.id, reason=wire.ReportReason.FRAUD)
    with pytest.raises(DomainError) as hidden:
        await bus.request(cmd, actor=reporter)
    assert hidden.value.code is ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as anonymous:
        await bus.request(cmd, actor=Actor.anonymous())
    assert anonymous.value.code is ErrorCode.UNAUTHORIZED

    await bus.request(market.ModerateAd(ad_id=ad.id, decision=market.ModerationDecision.APPROVE),
                      actor=Actor.system())  # fmt: skip
    filed = await bus.request(cmd, actor=reporter)
    assert filed.status is wire.ReportStatus.PENDING and filed.reporter_id == reporter.user_id
    page = await bus.request(wire.ListReports(), actor=Actor.system())
    assert [r.id for r in page.items] == [filed.id] and page.total == 1


async def test_moderators_set_statuses_and_moderate_ads_and_every_action_is_logged(cluster: Cluster) -> None:
    bus = cluster.worker_bus
    owner = await account(cluster, "owner@example.com")
    staff = await account(cluster, "moderator@example.com", Role.MODERATOR)
    cmd = wire.FileReport(report_type=wire.ReportType.MESSAGE, target_id=7, reason=wire.ReportReason.SPAM)
    filed = await bus.request(cmd, actor=owner)
    staff_only: list[Command[Any]] = [
        wire.ListReports(), wire.ListLog(), wire.GetStats(),
        wire.SetReportStatus(report_id=filed.id, status=wire.ReportStatus.DISMISSED),
        wire.ModerateListing(ad_id=1, decision=market.ModerationDecision.APPROVE),
    ]  # fmt: skip
    for refused in staff_only:
        with pytest.raises(DomainError) as forbidden:
            await bus.request(refused, actor=owner)
        assert forbidden.value.code is ErrorCode.FORBIDDEN, refused

    set_status = wire.SetReportStatus(report_id=filed.id, status=wire.ReportStatus.REVIEWED)
    reviewed = await bus.request(set_status, actor=staff)
    assert reviewed.status is wire.ReportStatus.REVIEWED and reviewed.handled_by == staff.user_id
    ad = await bus.request(market.CreateAd(category_id=1, title="Lada Vesta", price=900_000), actor=owner)
    reject = wire.ModerateListing(ad_id=ad.id, decision=market.ModerationDecision.REJECT, reason="Blurry")
    rejected = await bus.request(reject, actor=staff)
    assert rejected.status is market.AdStatus.REJECTED
    with pytest.raises(DomainError) as twice:  # the market refuses: nothing more is logged
        await bus.request(reject, actor=staff)
    assert twice.value.code is ErrorCode.CONFLICT

    log = await bus.request(wire.ListLog(), actor=staff)
    assert [(e.action, e.target_type, e.target_id) for e in log.items] == [
        (wire.LogAction.REJECT_AD, "ad", ad.id),
        (wire.LogAction.UPDATE_REPORT, "report", filed.id),
    ]
    assert all(e.moderator_id == staff.user_id for e in log.items) and log.total == 2
    stats = await bus.request(wire.GetStats(), actor=staff)
    assert stats.reports.by_status[wire.ReportStatus.REVIEWED] == 1 and stats.reports.total == 1
    assert stats.ads == wire.AdDecisionCounts(approved=0, rejected=1)


async def test_a_staff_action_recorded_twice_under_one_id_is_one_entry(cluster: Cluster) -> None:
    """The bus sends an idempotent command again when its answer is late or its connection was lost:
    a record of a staff action arriving twice stays one entry, and a user may record none."""
    bus = cluster.worker_bus
    admin, member = (
        await account(cluster, "admin@example.com", Role.ADMIN),
        await account(cluster, "u@example.com"),
    )
    record = wire.RecordStaffAction(action=wire.LogAction.SET_ROLE, target_type="user", target_id=member.user_id,
                                    details={"role": "manager"})  # fmt: skip
    with pytest.raises(DomainError) as forbidden:
        await bus.request(record, actor=member)
    assert forbidden.value.code is ErrorCode.FORBIDDEN
    first, again = await bus.request(record, actor=admin), await bus.request(record, actor=admin)
    other = await bus.request(record.model_copy(update={"record_id": str(uuid.uuid4())}), actor=admin)
    assert again == first and other.id != first.id
    log = await bus.request(wire.ListLog(), actor=admin)
    assert sorted(e.id for e in log.items) == sorted([first.id, other.id]) and log.total == 2
    assert all(e.action is wire.LogAction.SET_ROLE and e.moderator_id == admin.user_id for e in log.items)
