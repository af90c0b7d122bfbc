"""The Content-Security-Policy in a real Chromium: a supervisor signs in, reviews and comments (real
form posts, so the Origin check sees what a browser sends), opens every page and the map, and
signs out; the browser reports no CSP violation (console or `securitypolicyviolation` events) and
no script error, the map still draws its points, and the legend still has its colours. The same
check must see a violation when a page does break the policy (the test's own control)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.domain.enums import GeotagSource
from app.domain.records import Geotag
from server.db.database import Database
from server.services import accounts
from server.services.accounts import Role
from tests.e2e.field_app import CHROMIUM_ARGS, chromium_or_fail
from tests.sync.harness import ServerProcess, Team, enroll_device, make_team
from tests.sync.records import employer, save, visit

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "csp"
PASSWORD = "supervisor pass phrase"
UI_TIMEOUT_MS = 30_000
# Runs before any page script, outside the page's policy (Playwright injects it through CDP).
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def team(database: Database, server: ServerProcess) -> Team:
    built = make_team(database)
    built.add("alice")
    built.add("sue", Role.SUPERVISOR)
    with database.write() as session:
        accounts.set_password(session, user_id=built.users["sue"], password=PASSWORD)
    return built


@pytest.fixture
def page(browser_context: Any) -> Any:
    opened = browser_context.new_page()
    opened.set_default_timeout(UI_TIMEOUT_MS)
    opened.console_lines = []  # type: ignore[attr-defined]
    opened.page_errors = []  # type: ignore[attr-defined]
    opened.on("console", lambda message: opened.console_lines.append(f"{message.type}: {message.text}"))
    opened.on("pageerror", lambda error: opened.page_errors.append(str(error)))
    return opened


@pytest.fixture
def browser_context() -> Iterator[Any]:
    executable = chromium_or_fail()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1024, "height": 900})
        context.add_init_script(WATCH_VIOLATIONS)
        yield context
        browser.close()


def _violations(page: Any) -> list[str]:
    console = [line for line in page.console_lines if "Content Security Policy" in line]
    return console + list(page.evaluate("window.__violations"))


def _field_visits(server: ServerProcess, team: Team) -> str:
    phone = enroll_device(server, team, "alice")
    bakery = employer("Harbour Bakery", latitude=51.5074, longitude=-0.1278)  # a far visit gets flagged
    save(phone.store, bakery)
    near = Geotag(latitude=51.5075, longitude=-0.1279, accuracy_m=9.0, fixed_at=datetime.now(UTC),
                  source=GeotagSource.GPS)  # fmt: skip
    far = Geotag(latitude=51.52, longitude=-0.10, accuracy_m=12.0, source=GeotagSource.GPS)
    reviewed = visit(bakery.id, geotag=near)
    for record in (reviewed, visit(bakery.id, geotag=far)):
        save(phone.store, record)
    assert phone.engine.sync_once().rejected == 0
    return reviewed.id


def test_review_pages_and_the_map_run_under_the_policy(server: ServerProcess, team: Team, page: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    visit_id = _field_visits(server, team)
    first = page.goto(f"{server.url}/login")
    assert "content-security-policy" in first.headers and "server" not in first.headers
    page.get_by_label("Username").fill(f"sue-{team.team_id[-8:]}")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()  # a real form post: Origin and Sec-Fetch-Site
    page.wait_for_url("**/review")

    page.goto(f"{server.url}/review/records/{visit_id}")
    page.get_by_role("radio", name="Approved").check()
    page.get_by_role("button", name="Save review").click()
    page.wait_for_url("**#review")
    page.get_by_label("Add a comment").fill("Thanks, that is clear.")
    page.get_by_role("button", name="Add comment").click()
    page.locator("ol.thread").get_by_text("Thanks, that is clear.").wait_for()
    assert "Approved" in page.locator("p .badge").first.inner_text()

    for path in ("/review", "/review/fidelity", "/review/team"):
        page.goto(f"{server.url}{path}")
        page.locator("main h1").wait_for()
    page.goto(f"{server.url}/review/map")
    markers = page.locator("#map path.leaflet-interactive, #map .marker-cluster")
    markers.first.wait_for()
    assert markers.count() >= 1
    swatch = page.locator(".legend .swatch").first
    assert swatch.evaluate("el => getComputedStyle(el).backgroundColor") not in ("", "rgba(0, 0, 0, 0)")
    page.screenshot(path=str(SHOTS / "map.png"), full_page=True)
    violations = _violations(page)  # kept per page: a navigation clears window.__violations

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    assert violations == [] and _violations(page) == []
    assert page.page_errors == []


def test_the_check_sees_a_violation_when_a_page_breaks_the_policy(server: ServerProcess, page: Any) -> None:
    """The control: inline script and inline style on a page served under the policy are refused,
    and both ways of watching report it."""
    page.goto(f"{server.url}/login")
    page.evaluate(
        """() => {
          const holder = document.createElement("div");
          holder.innerHTML = '<span style="color: red">x</span>';
          document.body.appendChild(holder);
          const script = document.createElement("script");
          script.textContent = "window.__ran = true";
          document.body.appendChild(script);
        }"""
    )
    page.wait_for_function("() => window.__violations.length >= 2", timeout=10_000)
    assert page.evaluate("window.__ran === undefined")
    assert any("Content Security Policy" in line for line in page.console_lines)
