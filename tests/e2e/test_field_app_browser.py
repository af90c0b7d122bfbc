"""The field app in a real browser: it renders offline (no CDN), and a visit can be logged by tapping.

Starts `python -m app.main --web --demo` on a loopback port with a fresh store, drives Debian's
Chromium through Playwright with a fake GPS, and keeps screenshots under artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
KENDAL = {"latitude": 54.32921, "longitude": -2.74472, "accuracy": 15}
STARTUP_ATTEMPTS = 120  # x 0.25 s
UI_TIMEOUT_MS = 60_000

pytestmark = pytest.mark.browser


def chromium_or_fail() -> str:
    path = shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    if path is None:
        message = "Debian's chromium is not installed (apt-get install -y chromium chromium-driver)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    store = tmp_path_factory.mktemp("device") / "store"
    log = (tmp_path_factory.mktemp("log") / "app.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.main",
            "--web",
            "--demo",
            "--port",
            str(port),
            "--store",
            str(store),
            "--fix-timeout",
            "10",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(STARTUP_ATTEMPTS):
            if process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.25)
        else:
            pytest.fail("the field app did not start serving")
        if process.poll() is not None:
            pytest.fail(f"the field app exited: {Path(log.name).read_text()}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def page(app_url: str):
    executable = chromium_or_fail()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            permissions=["geolocation"],
            geolocation=KENDAL,
        )
        page = context.new_page()
        page.set_default_timeout(UI_TIMEOUT_MS)
        page.goto(app_url)
        # Flutter draws on a canvas; clicking this hidden element turns on the accessibility tree.
        page.wait_for_selector("flt-semantics-placeholder", state="attached")
        page.locator("flt-semantics-placeholder").dispatch_event("click")
        yield page
        context.close()
        browser.close()


def by_id(page, identifier: str):
    return page.locator(f'[flt-semantics-identifier="{identifier}"]')


def tap(page, identifier: str) -> None:
    """Tap the control inside a Semantics(identifier=...) wrapper (the wrapper itself takes no taps)."""
    by_id(page, identifier).locator("[flt-tappable]").first.click()


def choose(page, name: str) -> None:
    """Tap a choice chip and wait until the app has redrawn it as selected."""
    page.get_by_role("checkbox", name=name).click()
    page.locator(f'[role="checkbox"][aria-label="{name}"][aria-checked="true"]').wait_for(state="attached")


def text_of(locator) -> str:
    return locator.get_attribute("aria-label") or locator.inner_text()


def shot(page, name: str) -> Path:
    page.wait_for_timeout(500)  # the semantics tree updates before the pixels
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


def pending(page) -> int:
    label = text_of(by_id(page, "sync-status"))
    match = re.search(r"(\d+) waiting to sync", label)
    assert match, label
    return int(match.group(1))


def test_today_renders_the_app_not_a_blank_or_error_page(page):
    sync = by_id(page, "sync-status")
    sync.wait_for(state="attached")
    path = shot(page, "field-app-today.png")
    assert path.stat().st_size > 10_000  # a blank canvas compresses to almost nothing
    assert "Not connected to your team yet" in text_of(sync)
    assert page.get_by_role("tab", name="Employers").count() == 1
    assert by_id(page, "log-visit").count() == 1
    assert page.get_by_text("Riverside Café").count() >= 1  # the demo's next step due today


def test_log_a_visit_by_tapping_with_a_gps_fix(page):
    by_id(page, "sync-status").wait_for(state="attached")
    before = pending(page)
    tap(page, "log-visit")
    choose(page, "Castle Street Pharmacy")
    outcome = by_id(page, "field-outcome").locator("textarea, input").first
    outcome.fill("Met the manager; seasonal roles in spring")
    page.get_by_role("checkbox", name="In 1 week").click()
    by_id(page, "field-next_step_on").locator("input").first.wait_for(state="attached")
    location = by_id(page, "visit-location")
    page.wait_for_function(
        "el => (el.getAttribute('aria-label') || el.innerText).includes('GPS 54.32921, -2.74472')",
        arg=location.element_handle(),
    )
    shot(page, "field-app-visit-form.png")
    tap(page, "save-visit")
    by_id(page, "sync-status").wait_for(state="attached")
    page.wait_for_function(
        "n => { const el = document.querySelector('[flt-semantics-identifier=\"sync-status\"]');"
        " const m = el && /([0-9]+) waiting to sync/.exec(el.getAttribute('aria-label') || el.innerText);"
        " return m && m[1] == n; }",
        arg=str(before + 1),
    )
    assert page.get_by_text("Castle Street Pharmacy").count() >= 1
    shot(page, "field-app-today-after-visit.png")


def test_disclosure_guard_shows_its_message_and_a_reason_field(page):
    by_id(page, "sync-status").wait_for(state="attached")
    before = pending(page)
    tap(page, "log-visit")
    choose(page, "Riverside Café")
    choose(page, "KD-102 (no disclosure)")
    by_id(page, "disclosure-warning").wait_for(state="attached")
    tap(page, "save-visit")
    page.get_by_text("KD-102 has not agreed to disclose to employers", exact=False).first.wait_for(
        state="attached"
    )
    shot(page, "field-app-disclosure-refused.png")
    reason = by_id(page, "field-disclosure_reason").locator("textarea, input").first
    # Flutter web sometimes takes typed text a moment after Playwright's fill: if the form is
    # still showing (the save was refused again), type once more, up to three times.
    for _ in range(3):
        reason.fill("KD-102 asked me to talk to the owner about adjustments")
        page.wait_for_timeout(300)
        tap(page, "save-visit")
        sync = by_id(page, "sync-status")
        try:
            sync.wait_for(state="attached", timeout=5000)
            break
        except PlaywrightTimeout:
            continue
    assert pending(page) == before + 1
