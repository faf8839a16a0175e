"""The console in a real browser: Debian's chromium, headless, driven by Selenium through Debian's
chromedriver, both named explicitly (Selenium's manager never runs, nothing is downloaded), against an
edge on a real port. The first admin comes from `souk users create-admin`'s own code; a regular user
is refused; a form without its CSRF token is refused and changes nothing; an ad approved from the
queue appears in MillionAvto's public search; a report is resolved from its page; a moderator banned
from the bans page loses his sessions at once (his API token is refused, his open console session
ends); the audit log shows what was done.

Screenshots of the main pages are written to `var/test-artifacts/console/` (under the repository).
Skipped only where /usr/bin/chromedriver is missing and not on CI (`CI` unset): on CI they run."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from nodes.cli import cmd_create_admin
from tests.conftest import Cluster
from tests.support.ads import ADS, CAR
from tests.support.console import PASSWORD, account, console_at, given_role
from tests.support.http import json_of

pytestmark = [
    pytest.mark.domains("identity", "catalog", "market", "moderation"),
    pytest.mark.database_agnostic,
]

T = TypeVar("T")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[4] / "var" / "test-artifacts" / "console"
ADMIN_EMAIL, ADMIN_PASSWORD = "root@example.com", "correct horse battery"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--window-size=1280,900")  # fmt: skip


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    if not CHROMEDRIVER.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMEDRIVER} is missing on CI: .ci/run installs chromium and chromium-driver")
        pytest.skip(f"{CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def click(driver: WebDriver, by: str, what: str) -> None:
    """Click, and wait for the page it leads to (the old one gone, the new one loaded)."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(by, what).click()
    WebDriverWait(driver, 10).until(expected_conditions.staleness_of(old))
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")


def shot(driver: WebDriver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def sign_in(driver: WebDriver, base: str, email: str, password: str) -> None:
    driver.get(base + "/admin/login")
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(password)
    click(driver, By.CSS_SELECTOR, "form.stacked button[type=submit]")


def text_of(driver: WebDriver, css: str) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, css).text)


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

    async def run(fn: Callable[..., T], *args: object) -> T:
        """A step of the browser's, in a thread: Selenium blocks, and this loop serves the edge."""
        return await asyncio.to_thread(fn, browser, *args)

    # A regular user, with his right password, is refused as a wrong password is.
    await run(sign_in, base, "user@example.com", PASSWORD)
    assert await run(text_of, "[role=alert]") == "Invalid email or password."
    await run(shot, "login-refused")

    await run(sign_in, base, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert await run(text_of, "h1") == "Dashboard"
    assert await run(text_of, "#ads-waiting") == "1"
    await run(shot, "dashboard")

    await run(click, By.LINK_TEXT, "Ads")
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
    await run(click, By.LINK_TEXT, "Reports")
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

    await run(click, By.LINK_TEXT, "Audit log")
    actions = await run(cell_texts, "td.action")
    assert actions == ["ban_user", "sign_in", "resolve_report", "approve_ad", "sign_in"]
    await run(shot, "audit")
    await run(click, By.CSS_SELECTOR, "form.signout button")
    assert await run(text_of, "h1") == "Staff sign-in"
