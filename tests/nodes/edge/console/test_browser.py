"""The console in a real browser (Debian's chromium through Debian's chromedriver, both named
explicitly: `tests/support/browser.py`), against an edge on a real port, in one browser session. The
first admin comes from `souk users create-admin`'s own code; a regular user is refused; an ad posted
meanwhile shows on the dashboard and the navigation's badge without reloading (the console's script on
`/admin/live`); a form without its CSRF token is refused and changes nothing; an ad approved from the
queue appears in MillionAvto's public search; a report is resolved; a banned moderator's sessions end;
every page of the navigation opens; the audit log shows what was done.

Screenshots of the pages are written to `var/test-artifacts/console/` (under the repository)."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from nodes.cli import cmd_create_admin
from tests.conftest import Cluster
from tests.support.ads import ADS, CAR
from tests.support.browser import browser, click, shot, sign_in, steps, text_of
from tests.support.console import PASSWORD, account, console_at, given_role
from tests.support.http import json_of

pytestmark = [
    # Every page of the navigation is opened: each domain a page reads from.
    pytest.mark.domains("identity", "catalog", "market", "moderation", "chat", "realty", "garage"),
    pytest.mark.database_agnostic,
]
__all__ = ["browser"]  # the fixture

ADMIN_EMAIL, ADMIN_PASSWORD = "root@example.com", "correct horse battery"
BADGE = 'nav .badge[data-live="ads"]'


def shows(driver: WebDriver, counts: dict[str, str]) -> None:
    """Wait until each element (by CSS) shows its text, on this very page."""
    WebDriverWait(driver, 10).until(
        lambda d: all(d.find_element(By.CSS_SELECTOR, css).text == text for css, text in counts.items())
    )


def mark_page(driver: WebDriver) -> None:
    driver.execute_script("window.notReloaded = true;")


def same_page(driver: WebDriver) -> bool:
    return driver.execute_script("return window.notReloaded === true;") is True


def navigation(driver: WebDriver) -> list[tuple[str, str]]:
    return [
        (str(link.text), str(link.get_attribute("href")))
        for link in driver.find_elements(By.CSS_SELECTOR, "nav a")
    ]


def opens(driver: WebDriver, href: str) -> str:
    """The page's heading, once it opened without an error."""
    driver.get(href)
    assert not driver.find_elements(By.CSS_SELECTOR, ".notice.error[role=alert]"), driver.page_source
    return str(driver.find_element(By.TAG_NAME, "h1").text)


def row(driver: WebDriver, ad_id: int) -> list[object]:
    return list(driver.find_elements(By.ID, f"ad-{ad_id}"))


def approve_without_token(driver: WebDriver, ad_id: int) -> None:
    form = f"#ad-{ad_id} form[action$='/approve']"
    driver.execute_script(f'document.querySelector("{form} input[name=csrf]").remove()')
    click(driver, By.CSS_SELECTOR, f"{form} button")


def approve(driver: WebDriver, ad_id: int) -> None:
    click(driver, By.CSS_SELECTOR, f"#ad-{ad_id} form[action$='/approve'] button")


def fill(driver: WebDriver, fields: dict[str, str]) -> None:
    for name, value in fields.items():
        driver.find_element(By.NAME, name).send_keys(value)


def cell_texts(driver: WebDriver, css: str) -> list[str]:
    return [str(cell.text) for cell in driver.find_elements(By.CSS_SELECTOR, css)]


def json_page(driver: WebDriver, url: str) -> Any:
    driver.get(url)
    return json.loads(driver.find_element(By.TAG_NAME, "body").text)


async def test_a_browser_signs_in_moderates_and_reads_the_audit(cluster: Cluster, browser: WebDriver) -> None:
    await cmd_create_admin(cluster.settings, argparse.Namespace(email=ADMIN_EMAIL, password=ADMIN_PASSWORD))
    edge = cluster.edge_a
    _user, user_headers = await account(edge.post, "user@example.com")
    mod_id, mod_headers = await account(edge.post, "mod@example.com")
    await given_role(cluster.settings.database.url, mod_id, "moderator")
    report = {"report_type": "user", "target_id": mod_id, "reason": "spam", "comment": "Sends me links"}
    filed = await json_of(
        await edge.post("/api/v1/moderation/reports", json=report, headers=user_headers), 201
    )
    _owner, owner_headers = await account(edge.post, "owner@example.com")
    car = {**CAR, "title": "Skoda Octavia 2020"}
    ad_id = int((await json_of(await edge.post(ADS, json=car, headers=owner_headers), 201))["id"])
    base = str(edge.make_url("")).rstrip("/")

    run = steps(browser)

    # A regular user, with his right password, is refused as a wrong password is.
    await run(sign_in, base, "user@example.com", PASSWORD)
    assert await run(text_of, "[role=alert]") == "Invalid email or password."
    await run(shot, "login-refused")

    await run(sign_in, base, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert await run(text_of, "h1") == "Dashboard"
    await run(shows, {"#ads-waiting": "1", BADGE: "1"})
    # An ad posted meanwhile is counted on this very page, without reloading.
    await run(mark_page)
    await json_of(await edge.post(ADS, json={**CAR, "title": "Lada Niva"}, headers=owner_headers), 201)
    await run(shows, {"#ads-waiting": "2", BADGE: "2"})
    assert await run(same_page)
    await run(shot, "dashboard")

    await run(click, By.PARTIAL_LINK_TEXT, "Ads")
    assert await run(row, ad_id)
    await run(shot, "ads-queue")
    # The approve form without its CSRF token: refused, and the ad still waits.
    await run(approve_without_token, ad_id)
    assert "security token" in await run(text_of, "[role=alert]")
    await run(lambda driver: driver.get(base + "/admin/ads?status=pending"))
    assert await run(row, ad_id)
    await run(approve, ad_id)
    assert "approved" in await run(text_of, "#notice") and not await run(row, ad_id)
    await run(shot, "ads-approved")

    # In MillionAvto's public search now.
    found = await run(json_page, base + ADS + "?q=Octavia")
    assert [item["id"] for item in found["items"]] == [ad_id]

    # A report resolved from its page.
    await run(lambda driver: driver.get(base + "/admin/"))
    await run(click, By.PARTIAL_LINK_TEXT, "Reports")
    assert await run(cell_texts, "td.comment") == ["Sends me links"]
    await run(shot, "reports")
    await run(click, By.LINK_TEXT, str(filed["id"]))
    await run(lambda driver: Select(driver.find_element(By.NAME, "resolution")).select_by_value("dismissed"))
    await run(fill, {"admin_notes": "Links were fine"})
    await run(click, By.CSS_SELECTOR, "form.resolve button")
    assert "dismissed" in await run(text_of, "#notice")
    assert await run(text_of, "td.status") == "dismissed"
    await run(shot, "report-resolved")

    # A moderator banned from the bans page: his open console session and his API token end at once.
    async with console_at(base + "/") as moderator:
        assert (await moderator.sign_in("mod@example.com")).status == 303
        assert (await moderator.page("/admin/"))[0] == 200
        await run(click, By.LINK_TEXT, "Bans")
        await run(fill, {"user_id": str(mod_id), "reason": "Abusive to users"})
        await run(lambda driver: driver.find_element(By.NAME, "for_good").click())
        await run(click, By.CSS_SELECTOR, "#ban-form button")
        assert "banned" in await run(text_of, "#notice")
        assert await run(cell_texts, "td.until") == ["for good"]
        await run(shot, "bans")
        assert (await moderator.page("/admin/"))[0] == 303  # to the sign-in page
    assert (await edge.get("/api/v1/users/me", headers=mod_headers)).status == 401

    # Every page of an admin's navigation opens (the audit log last, to read what was done).
    links = await run(navigation)
    assert [title for title, _ in links][:3] == ["Dashboard", "Users", "Chats"]
    for title, href in links[1:-1]:
        heading = await run(opens, href)
        assert heading.startswith(title.split()[0]), (title, heading)
        await run(shot, "page-" + href.split("/admin/")[1].split("?")[0])
    await run(lambda driver: driver.get(base + "/admin/"))
    await run(click, By.PARTIAL_LINK_TEXT, "Audit log")
    actions = await run(cell_texts, "td.action")
    assert actions == ["ban_user", "sign_in", "resolve_report", "approve_ad", "sign_in"]
    await run(shot, "audit")
    await run(click, By.CSS_SELECTOR, "form.signout button")
    assert await run(text_of, "h1") == "Staff sign-in"
