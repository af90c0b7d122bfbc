"""Driving the Flet field app in Debian's Chromium: start it, open a page, find and tap controls.

Flutter draws on a canvas; clicking the hidden `flt-semantics-placeholder` turns on the
accessibility tree, whose `flt-semantics-identifier` attributes come from `ft.Semantics(identifier=)`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
    # A camera that shows a test pattern, granted without a prompt where a context allows "camera".
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
STARTUP_ATTEMPTS = 120  # x 0.25 s
# Counts the messages the app's server sends the page, so a helper can wait for the server's answer
# to a tap (the redraw its handler sends) and not only for the canvas's own reaction to it.
COUNT_ANSWERS = """
(() => {
    const Native = window.WebSocket;
    window.fieldworkAnswers = 0;
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener("message", () => { window.fieldworkAnswers += 1; });
        }
    };
})();
"""
UI_TIMEOUT_MS = 60_000


def chromium_or_fail() -> str:
    """Debian's Chromium; missing it fails under CI=true and skips elsewhere."""
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


@contextmanager
def running_field_app(args: Sequence[str], *, log_path: Path) -> Iterator[str]:
    """`python -m app.main --web` with `args` on a free loopback port; yields its URL."""
    port = free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.main", "--web", "--port", str(port), *args],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=os.environ | {"PYTHONUNBUFFERED": "1", "FIELDWORK_GEOCODER": "off"},  # no test goes online
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            for _ in range(STARTUP_ATTEMPTS):
                if process.poll() is not None:
                    pytest.fail(f"the field app exited: {log_path.read_text()}")
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.25)
            else:
                pytest.fail("the field app did not start serving")
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def app_page(url: str, **context_options: Any) -> Iterator[Any]:
    """A phone-sized Chromium page on the app, with the accessibility tree turned on."""
    executable = chromium_or_fail()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, **context_options)
        context.add_init_script(COUNT_ANSWERS)
        page = context.new_page()
        page.set_default_timeout(UI_TIMEOUT_MS)
        page.goto(url)
        page.wait_for_selector("flt-semantics-placeholder", state="attached")
        page.locator("flt-semantics-placeholder").dispatch_event("click")
        try:
            yield page
        finally:
            context.close()
            browser.close()


def by_id(page: Any, identifier: str) -> Any:
    return page.locator(f'[flt-semantics-identifier="{identifier}"]')


def tap(page: Any, identifier: str) -> None:
    """Tap the control inside a Semantics(identifier=...) wrapper (the wrapper itself takes no taps)."""
    by_id(page, identifier).locator("[flt-tappable]").first.click()


def tap_until(page: Any, identifier: str, shown: str, *, tries: int = 3, wait_ms: int = 20_000) -> None:
    """Tap `identifier` until `shown` is attached. The first tap after the app starts can land
    while the app is still replacing the first Today (the store opens on a thread) and be lost;
    a tap is only repeated while the control is still there and `shown` is not."""
    target = by_id(page, shown)
    for attempt in range(tries):  # bounded
        if attempt and (target.count() or not by_id(page, identifier).count()):
            break
        try:
            by_id(page, identifier).locator("[flt-tappable]").first.click(timeout=wait_ms)
            target.wait_for(state="attached", timeout=wait_ms)
            return
        except PlaywrightTimeout:  # the click itself has also been seen to hang once, in CI
            continue
    target.wait_for(state="attached")


def search_picker(page: Any, picker: str, typed: str) -> None:
    """Type into a search picker (`{picker}-search`) until its first match shows: Flutter web
    sometimes takes Playwright's fill a moment late, or drops it, so at most three times."""
    search = by_id(page, f"{picker}-search").locator("input").first
    first_match = by_id(page, f"{picker}-match-0")
    for _ in range(3):
        search.fill(typed)
        try:
            first_match.wait_for(state="attached", timeout=5000)
            return
        except PlaywrightTimeout:
            continue
    first_match.wait_for(state="attached")


def choose(page: Any, name: str) -> None:
    """Tap a choice chip and wait until the app has redrawn it as selected. A chip shows itself
    selected at once, before the server has the tap; the server's redraw may replace the controls
    around it, and a tap that comes before that redraw lands on a control the server no longer has
    and is lost. So this waits for the server's answer too."""
    answers = page.evaluate("window.fieldworkAnswers")
    page.get_by_role("checkbox", name=name).click()
    page.wait_for_function("n => window.fieldworkAnswers > n", arg=answers)
    page.locator(f'[role="checkbox"][aria-label="{name}"][aria-checked="true"]').wait_for(state="attached")


def text_of(locator: Any) -> str:
    return str(locator.get_attribute("aria-label") or locator.inner_text())


# A 390x844 screenshot of a drawn screen is tens of KiB; a blank canvas compresses to almost nothing.
DRAWN_BYTES = 10_000
DRAWN_SHOTS = 40  # bound on screenshots while the canvas is still blank
NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def shot(page: Any, name: str) -> Path:
    """A screenshot once the screen is drawn. The semantics tree (what tests wait on) updates
    before the pixels, and nothing on the page says when the pixels are done: two identical
    screenshots a frame apart can both still show the screen before, so this keeps the fixed
    pause for that. A canvas still blank after it (a loaded machine) is shot again a frame later,
    up to a bound."""
    page.wait_for_timeout(500)  # the semantics tree updates before the pixels
    path = ARTIFACTS / name
    current = page.screenshot()
    for _ in range(DRAWN_SHOTS):
        if len(current) > DRAWN_BYTES:
            break
        page.evaluate(NEXT_FRAME)
        current = page.screenshot()
    path.write_bytes(current)
    return path
