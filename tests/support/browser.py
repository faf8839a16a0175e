"""The console in a real browser, for tests: Debian's chromium, headless, driven by Selenium through
Debian's chromedriver, both named explicitly (Selenium's manager never runs, nothing is downloaded).
The `browser` fixture (import it into a test module) is skipped only where /usr/bin/chromedriver is
missing and not on CI (`CI` unset): on CI it runs. Screenshots go to `var/test-artifacts/console/`.

Selenium blocks: a test runs each step in a thread (`steps`), so that its loop serves the edge."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

T = TypeVar("T")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "console"
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


def steps(driver: WebDriver) -> Callable[..., Awaitable[Any]]:
    """`await run(fn, *args)`: `fn(driver, *args)` in a thread."""

    async def run(fn: Callable[..., T], *args: object) -> T:
        return await asyncio.to_thread(fn, driver, *args)

    return run


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
