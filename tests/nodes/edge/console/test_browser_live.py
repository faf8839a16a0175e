"""The console's live waiting work in a real browser (see `tests/support/browser.py`): signed in, an
admin's dashboard and navigation show an ad posted meanwhile, without reloading (the console's script
on `/admin/live`)."""

from __future__ import annotations

import argparse

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from nodes.cli import cmd_create_admin
from tests.conftest import Cluster
from tests.support.ads import ADS, CAR
from tests.support.browser import browser, shot, sign_in, steps, text_of
from tests.support.console import account
from tests.support.http import json_of

pytestmark = [
    pytest.mark.domains("identity", "catalog", "market", "moderation"),
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


async def test_an_ad_posted_meanwhile_shows_on_the_badge_without_reloading(
    cluster: Cluster, browser: WebDriver
) -> None:
    await cmd_create_admin(cluster.settings, argparse.Namespace(email=ADMIN_EMAIL, password=ADMIN_PASSWORD))
    edge = cluster.edge_a
    _owner, owner_headers = await account(edge.post, "owner@example.com")
    base = str(edge.make_url("")).rstrip("/")
    run = steps(browser)

    await run(sign_in, base, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert await run(text_of, "h1") == "Dashboard"
    await run(shows, {"#ads-waiting": "0", BADGE: "", "#reports-open": "0"})  # a badge of 0 shows nothing
    await run(mark_page)

    await json_of(await edge.post(ADS, json=CAR, headers=owner_headers), 201)
    await run(shows, {"#ads-waiting": "1", BADGE: "1"})
    assert await run(same_page)
    await run(shot, "dashboard-live")
