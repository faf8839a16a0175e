"""The console's dashboard and its live waiting work, over HTTP: identity, chat and telemetry count
per time bucket in SQL (on both databases), staff only; each role sees its figures, with inline SVG
charts; a domain that does not answer is "—"; `/admin/live` streams the waiting work with the
console's cookies (moderators and admins), at once and again when an ad is posted, a report filed or
an ad approved."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from protocols.chat import ConversationKind, CountMessages, OpenConversation, SendMessage
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.identity import CountSignups
from protocols.telemetry import CountSamples
from tests.conftest import Cluster
from tests.nodes.edge.surfaces.garage.telemetry_client import (
    account_of,
    batch,
    member_with_vehicle,
    now_ms,
    stored_samples,
    upload,
)
from tests.support.ads import ADS, CAR
from tests.support.console import Console, account, console_at, given_role
from tests.support.eventually import until
from tests.support.http import json_of
from tests.support.sse import SseStream

MINUTE_MS = 60_000


def figure(page: str, name: str) -> str | None:
    found = re.search(rf'id="{name}"[^>]*>([^<]*)<', page)
    return found.group(1) if found else None


async def staff(cluster: Cluster, *roles: str) -> dict[str, int]:
    ids = {}
    for role in roles:
        ids[role], _ = await account(cluster.edge_a.post, f"{role}@example.com")
        await given_role(cluster.settings.database.url, ids[role], role)
    return ids


async def signed_in(console: Console, role: str) -> Console:
    assert (await console.sign_in(f"{role}@example.com")).status == 303
    return console


@pytest.mark.domains("identity", "moderation", "chat", "garage", "telemetry")  # no market: its figure is "—"
async def test_figures_are_counted_by_the_workers_and_each_role_sees_its_own(cluster: Cluster) -> None:
    edge, bus = cluster.edge_a, cluster.worker_bus
    ids = await staff(cluster, "admin", "manager")
    headers, vehicle_id = await member_with_vehicle(edge, "member@example.com")  # the 3rd user
    # Samples 10 s into the minute 5 minutes ago (3) and 2 minutes ago (2).
    minute = now_ms() // MINUTE_MS * MINUTE_MS
    for start, count in ((minute - 5 * MINUTE_MS + 10_000, 3), (minute - 2 * MINUTE_MS + 10_000, 2)):
        assert (await upload(edge, headers, batch(vehicle_id, start, count))).status == 202

    async def stored() -> bool:
        return len(await stored_samples(edge, headers, vehicle_id)) == 5

    await until(stored, within_s=15, what="5 samples stored")
    talker = Actor(user_id=account_of(headers), role=Role.USER)
    dialog = OpenConversation(kind=ConversationKind.AD_DIALOG, topic_id="ad-1", with_users=[ids["manager"]])
    conversation = await bus.request(dialog, actor=talker)
    for body in ("Hello", "Still there?", "Bye"):
        await bus.request(SendMessage(conversation_id=conversation.id, body=body), actor=talker)

    # The workers' buckets: whole UTC days, minutes; nothing outside the window.
    manager = Actor(user_id=ids["manager"], role=Role.MANAGER)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    days = await bus.request(
        CountSignups(start=today - timedelta(days=1), bucket_s=86_400, buckets=2), actor=manager
    )
    assert days.counts == [0, 3]
    before = await bus.request(
        CountSignups(start=today - timedelta(days=3), bucket_s=86_400, buckets=3), actor=manager
    )
    assert before.counts == [0, 0, 0]
    since = datetime.fromtimestamp((minute - 6 * MINUTE_MS) / 1000, UTC)
    samples = await bus.request(CountSamples(start=since, bucket_s=60, buckets=7), actor=manager)
    assert samples.counts == [0, 3, 0, 0, 2, 0, 0]
    recent = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2)
    messages = await bus.request(CountMessages(start=recent, bucket_s=60, buckets=3), actor=manager)
    assert sum(messages.counts) == 3 and messages.counts[0] == 0
    with pytest.raises(DomainError) as refused:
        await bus.request(CountMessages(start=recent, bucket_s=60, buckets=3), actor=talker)
    assert refused.value.code is ErrorCode.FORBIDDEN

    base = str(edge.make_url("/"))
    async with console_at(base) as admin, console_at(base) as manager_console:
        pages = {}
        for console, role in ((admin, "admin"), (manager_console, "manager")):
            async with (await signed_in(console, role)).http.get("/admin/") as resp:
                pages[role] = await resp.text()
                assert resp.status == 200, pages[role]
                csp = resp.headers["Content-Security-Policy"]
                assert "script-src 'self'" in csp and "connect-src 'self'" in csp
        admin_page = pages["admin"]
        assert {name: figure(admin_page, name) for name in ("signups", "messages", "samples", "workers-ready")} == {
            "signups": "3", "messages": "3", "samples": "5", "workers-ready": "5/5",
        }  # fmt: skip
        assert figure(admin_page, "ads-waiting") == "—" and figure(admin_page, "reports-open") == "0"
        assert (
            admin_page.count('<svg class="chart bars"') == 2 and '<svg class="chart sparkline"' in admin_page
        )
        assert re.search(r"<title>[A-Z][a-z]{2} \d\d [A-Z][a-z]{2}: 3</title>", admin_page)  # today's bar
        assert '<script src="/admin/static/console.js" defer></script>' in admin_page
        assert admin_page.count('class="badge" data-live=') == 2  # Ads and Reports, filled by the script
        # A manager: users and messages only (a moderator's are in the next test).
        manager_page = pages["manager"]
        assert figure(manager_page, "signups") == "3" and figure(manager_page, "messages") == "3"
        assert figure(manager_page, "ads-waiting") is None and figure(manager_page, "samples") is None
        assert 'data-live="' not in manager_page
        async with admin.http.get("/admin/static/console.js") as resp:
            assert resp.status == 200 and "EventSource" in await resp.text()


async def next_counts(stream: SseStream, **expected: int) -> None:
    """Events until one carries `expected` (a burst of changes may be counted in steps)."""
    while True:
        event = await stream.event()
        assert event["type"] == "waiting"
        if all(event[name] == count for name, count in expected.items()):
            return


@pytest.mark.domains("identity", "catalog", "market", "moderation")
@pytest.mark.database_agnostic
async def test_waiting_work_is_streamed_to_moderators_as_it_changes(cluster: Cluster) -> None:
    edge = cluster.edge_a
    await staff(cluster, "moderator", "manager")
    _owner, owner_headers = await account(edge.post, "owner@example.com")
    _reporter, reporter_headers = await account(edge.post, "reporter@example.com")
    base = str(edge.make_url("/"))
    async with console_at(base) as moderator, console_at(base) as manager, console_at(base) as anonymous:
        await signed_in(moderator, "moderator")
        await signed_in(manager, "manager")
        assert (await manager.page("/admin/live"))[0] == 403
        assert (await anonymous.page("/admin/live"))[0] == 303  # to the sign-in page
        # A session renewed on the stream's request: the new cookies come on a redirect to it.
        moderator.set_cookie("souk_console", "expired")
        async with moderator.http.get("/admin/live", allow_redirects=False) as resp:
            assert resp.status == 303 and resp.headers["Location"] == "/admin/live"
            assert moderator.cookie("souk_console") not in (None, "expired")
        async with moderator.http.get("/admin/live", allow_redirects=False) as resp:
            assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/event-stream")
            stream = SseStream(resp)
            assert await stream.event() == {"type": "waiting", "ads": 0, "reports": 0}
            # An ad posted through the other edge, a report filed: each counted again and sent.
            ad = await json_of(await cluster.edge_b.post(ADS, json=CAR, headers=owner_headers), 201)
            await next_counts(stream, ads=1, reports=0)
            report = {"report_type": "user", "target_id": 99, "reason": "spam"}
            await json_of(
                await edge.post("/api/v1/moderation/reports", json=report, headers=reporter_headers), 201
            )
            await next_counts(stream, ads=1, reports=1)
            # Approved from the console: the queue is empty again.
            done = await moderator.post(f"/admin/ads/{ad['id']}/approve", {"csrf": await moderator.csrf()})
            assert "notice=approved" in done.headers["Location"]
            await next_counts(stream, ads=0, reports=1)
            await stream.nothing_more()
        # A moderator's dashboard: the moderation figures only.
        _, page = await moderator.page("/admin/")
        assert figure(page, "ads-waiting") == "0" and figure(page, "reports-open") == "1"
        assert figure(page, "signups") is None and figure(page, "workers-ready") is None
