"""The console's reports and bans over HTTP: reports filed through MillionAvto's and FreeMarket's APIs
are listed together, filtered (status, type, reason, contract), sorted and paged by the moderation
worker; a moderator marks one reviewed and resolves them (the listing hidden, the user warned, a
report dismissed) but is offered no ban and refused one; an admin bans from a report's page and from
the bans page (the banned user's API token is refused at once), lifts a ban, and reads active and
ended bans; a moderator is refused the bans page, a form without its token is refused; every action
is in the audit log."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from nodes.runtime.settings import Settings
from protocols.envelope import Actor, Command, DomainError, ErrorCode, Role
from protocols.moderation import BanUser, LiftBan, ListBans
from tests.conftest import Cluster
from tests.support.ads import ADS, active_ad
from tests.support.console import PASSWORD, Console, account, console_at, given_role
from tests.support.http import json_of

pytestmark = pytest.mark.domains("identity", "catalog", "market", "moderation", "notify")

PAGE = 2  # rows in a page of the console's tables
ROW = r'<tr id="report-(\d+)">'
ME = "/api/v1/users/me"


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    return lambda s: replace(s, console=replace(s.console, page_size=PAGE))


def report_ids(found: list[str]) -> list[int]:
    return [int(report_id) for report_id in found]


def notice(location: str) -> str:
    found = re.search(r"notice=([a-z_]+)", location)
    assert found, location
    return found.group(1)


def cells(page: str, css_class: str) -> list[str]:
    return re.findall(rf'<td class="{css_class}">([^<]*)', page)


async def listed(console: Console, path: str) -> list[int]:
    return report_ids(await console.rows(path, ROW))


async def test_reports_of_two_contracts_are_handled_and_users_banned(cluster: Cluster) -> None:
    edge, url = cluster.edge_a, cluster.settings.database.url
    ids, headers = {}, {}
    for name in ("admin", "moderator", "reporter", "owner", "rogue", "spammer"):
        ids[name], headers[name] = await account(edge.post, f"{name}@example.com")
    await given_role(url, ids["admin"], "admin")
    await given_role(url, ids["moderator"], "moderator")
    ad = await active_ad(edge.post, cluster.worker_bus, headers["owner"], title="Fake Camry")

    # Filed through both contracts' APIs (one account, one token), oldest to newest.
    autos, barter = "/api/v1/moderation/reports", "/api/reports"
    filed = [
        (autos, {"report_type": "ad", "target_id": ad, "reason": "fraud", "comment": "Too cheap to be real"}),
        (autos, {"report_type": "user", "target_id": ids["spammer"], "reason": "spam"}),
        (barter, {"target_listing_id": ad, "reason": "PRICE_MISMATCH", "description": "Not that price"}),
        (barter, {"target_user_id": ids["rogue"], "reason": "FRAUD", "description": "Took my money"}),
        (autos, {"report_type": "message", "target_id": 77, "reason": "other"}),
    ]
    r1, r2, r3, r4, r5 = [
        (await json_of(await edge.post(path, json=body, headers=headers["reporter"]), 201))["id"]
        for path, body in filed
    ]
    base = str(edge.make_url("/"))

    async with console_at(base) as admin, console_at(base) as moderator:
        for console, name in ((admin, "admin"), (moderator, "moderator")):
            assert (await console.sign_in(f"{name}@example.com")).status == 303
        token, admin_token = await moderator.csrf(), await admin.csrf()

        # Open reports, newest first, paged on the server; filtered and sorted there too.
        status, first = await moderator.page("/admin/reports")
        assert status == 200 and report_ids(re.findall(ROW, first)) == [r5, r4] and "Page 1 of 3" in first
        assert await listed(moderator, "/admin/reports") == [r5, r4, r3, r2, r1]
        assert await listed(moderator, "/admin/reports?sort=created_asc") == [r1, r2, r3, r4, r5]
        assert await listed(moderator, "/admin/reports?contract=barter") == [r4, r3]
        assert await listed(moderator, "/admin/reports?contract=autos") == [r5, r2, r1]
        assert await listed(moderator, "/admin/reports?type=user") == [r4, r2]
        assert await listed(moderator, "/admin/reports?reason=misleading&type=ad") == [r3]
        assert (await moderator.page("/admin/reports?type=listing"))[0] == 400
        # A row shows the reporter, the target (an ad's row in the ads queue, a user's page), the
        # reason (FreeMarket's own word beside it) and the comment.
        _, row = await moderator.page("/admin/reports?contract=autos&type=ad")
        assert f'href="/admin/users/{ids["reporter"]}">#{ids["reporter"]}</a> reporter@example.com' in row
        assert f'href="/admin/ads?status=active&amp;owner={ids["owner"]}#ad-{ad}"' in row
        assert "Fake Camry" in row and cells(row, "comment") == ["Too cheap to be real"]
        _, fm = await moderator.page("/admin/reports?contract=barter")
        assert f'href="/admin/users/{ids["rogue"]}"' in fm
        assert "“PRICE_MISMATCH”" in fm and "“FRAUD”" in fm
        assert cells(fm, "contract") == ["FreeMarket"] * 2 and cells(row, "contract") == ["MillionAvto"]
        # A moderator is offered no ban (an admin's resolution), an admin is.
        _, admins_row = await admin.page("/admin/reports?type=user")
        assert 'value="user_banned"' not in fm and 'value="user_banned"' in admins_row

        # Marked reviewed: still open, now `reviewed`.
        done = await moderator.post(
            f"/admin/reports/{r1}/review", {"csrf": token, "back": "/admin/reports?type=ad"}
        )
        assert done.status == 303 and done.headers["Location"].startswith(
            "/admin/reports?type=ad&notice=reviewed"
        )
        assert await listed(moderator, "/admin/reports?status=reviewed") == [r1]
        # Resolved each way a moderator may: the listing hidden (gone from the public API), the user
        # warned (told through his notifications), a report dismissed.
        resolve = {"csrf": token, "back": "/admin/reports"}
        outcomes = [
            (await moderator.post(f"/admin/reports/{report}/resolve", {**resolve, **fields})).headers[
                "Location"
            ]
            for report, fields in (
                (r1, {"resolution": "listing_removed", "admin_notes": "Scam ad"}),
                (r2, {"resolution": "user_warned"}),
                (r3, {"resolution": "dismissed"}),
                (r3, {"resolution": "dismissed"}),  # closed already
                (r5, {"resolution": "user_warned"}),  # a message's report names no user
            )
        ]
        assert [notice(location) for location in outcomes] == [
            "listing_removed", "user_warned", "dismissed", "closed", "invalid"
        ]  # fmt: skip
        # A ban is the admins' (a forged form): refused, and the report stays open.
        forged = await moderator.post(
            f"/admin/reports/{r4}/resolve", {**resolve, "resolution": "user_banned"}
        )
        assert forged.status == 403
        assert (await edge.get(f"{ADS}{ad}")).status == 404
        told = await json_of(await edge.get("/api/notifications/", headers=headers["spammer"]), 200)
        assert [n["type"] for n in told["notifications"]] == ["user_warned"]
        assert await listed(moderator, "/admin/reports") == [r5, r4]
        assert await listed(moderator, "/admin/reports?status=closed") == [r3, r2, r1]
        _, page = await moderator.page(f"/admin/reports/{r1}")
        assert "Scam ad" in page and "(listing_removed)" in page and f"#{ids['moderator']}" in page

        # An admin bans from the report's page, for the days and the reason he gives: the rogue's
        # API token is refused at once.
        assert (await edge.get(ME, headers=headers["rogue"])).status == 200
        here = f"/admin/reports/{r4}"
        banned = await admin.post(f"{here}/resolve", {
            "csrf": admin_token, "back": here, "resolution": "user_banned", "ban_days": "3", "ban_reason": "Scam",
        })  # fmt: skip
        assert banned.headers["Location"] == f"{here}?notice=user_banned&report={r4}"
        assert (await edge.get(ME, headers=headers["rogue"])).status == 401

        # The bans page: the admin's alone (and the worker's bans too); a form without its token
        # changes nothing.
        assert (await moderator.page("/admin/bans"))[0] == 403
        as_moderator = Actor(user_id=ids["moderator"], role=Role.MODERATOR)
        commands: list[Command[Any]] = [
            ListBans(), LiftBan(user_id=ids["rogue"]), BanUser(user_id=ids["spammer"], reason="x")
        ]  # fmt: skip
        for command in commands:
            with pytest.raises(DomainError) as refused:
                await cluster.worker_bus.request(command, actor=as_moderator)
            assert refused.value.code is ErrorCode.FORBIDDEN
        ban_spammer = {"user_id": str(ids["spammer"]), "for_good": "1", "reason": "Spam ring"}
        assert (await moderator.post("/admin/bans", {"csrf": token, **ban_spammer})).status == 403
        assert (await admin.post("/admin/bans", ban_spammer)).status == 403
        assert (await edge.get(ME, headers=headers["spammer"])).status == 200
        answers = [
            notice((await admin.post("/admin/bans", {"csrf": admin_token, **form})).headers["Location"])
            for form in (
                ban_spammer,
                {"user_id": str(ids["admin"]), "days": "1", "reason": "Oops"},
                {"user_id": "999999", "days": "1", "reason": "Nobody"},
                {"user_id": str(ids["owner"]), "days": "1"},  # no reason
            )
        ]
        assert answers == ["banned", "admin", "missing", "invalid"]
        assert (await edge.get(ME, headers=headers["spammer"])).status == 401
        _, active = await admin.page("/admin/bans")
        assert re.findall(r'class="user-(\d+)"', active) == [str(ids["spammer"]), str(ids["rogue"])]
        assert cells(active, "until")[0] == "for good" and f'href="/admin/reports/{r4}"' in active
        assert "Scam" in active and "Spam ring" in active
        # Lifted early: he may sign in again; the ban is among the ended ones.
        lifted = await admin.post(f"/admin/bans/{ids['spammer']}/lift", {"csrf": admin_token})
        again = await admin.post(f"/admin/bans/{ids['spammer']}/lift", {"csrf": admin_token})
        assert [notice(lifted.headers["Location"]), notice(again.headers["Location"])] == [
            "lifted",
            "not_banned",
        ]
        login = {"email": "spammer@example.com", "password": PASSWORD}
        assert (await edge.post("/api/v1/auth/login", json=login)).status == 200
        _, ended = await admin.page("/admin/bans?state=ended")
        assert re.findall(r'class="user-(\d+)"', ended) == [str(ids["spammer"])]
        assert cells(ended, "ended")[0].startswith("lifted ")
        _, active = await admin.page("/admin/bans")
        assert re.findall(r'class="user-(\d+)"', active) == [str(ids["rogue"])]

        # Every action, newest first, in the audit log (sign-ins aside).
        actions = await admin.rows("/admin/audit", r'<td class="action">([a-z_]+)</td>')
        assert [action for action in actions if action != "sign_in"] == [
            "lift_ban", "ban_user", "resolve_report", "ban_user", "resolve_report", "resolve_report",
            "warn_user", "resolve_report", "hide_listing", "update_report",
        ]  # fmt: skip
