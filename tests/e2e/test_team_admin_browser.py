"""Setting up a phone from the team page, end to end in Debian's Chromium: a supervisor signs in and
creates a connection code for a specialist; the field app (its own process) connects with the link
that code's QR holds, pasted into Connect, and syncs; the team page shows the phone's last sync
and app version; the supervisor revokes the phone, and at its next sync the phone stops and says it
was signed out. Screenshots of the team page at desktop and phone width go to artifacts/team/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.state.sync_status import SIGNED_OUT
from server.db.database import Database
from server.services import accounts
from server.services.accounts import Role
from tests.e2e.field_app import CHROMIUM_ARGS, by_id, chromium_or_fail, running_field_app, shot, tap, text_of
from tests.sync.harness import ServerProcess, make_team, migrated_database

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "team"
PASSWORD = "supervisor pass phrase"
UI_TIMEOUT_MS = 60_000
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def wait_for_sync_line(phone: Any, *parts: str) -> None:
    phone.wait_for_function(
        "parts => { const el = document.querySelector('[flt-semantics-identifier=\"sync-status\"]');"
        " const text = el && (el.getAttribute('aria-label') || el.innerText);"
        " return text && parts.every(p => text.includes(p)); }",
        arg=list(parts),
    )


def screenshots(page: Any, name: str) -> None:
    """The page at desktop and at phone width, whole length."""
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def connect_with_link(phone: Any, link: str) -> None:
    tap(phone, "connect-team")
    for _ in range(3):  # bounded: Flutter web sometimes drops text typed before its editor is attached
        code = by_id(phone, "field-code").locator("input").first
        code.wait_for(state="attached")
        code.click()
        code.fill(link)
        shot(phone, "team/field-app-connect-link.png")  # the link has filled in the server field
        tap(phone, "connect")
        phone.wait_for_function(
            "() => !document.querySelector('[flt-semantics-identifier=\"connect\"]')"
            " || document.querySelector('[flt-semantics-identifier=\"connect-error\"]')"
        )
        if by_id(phone, "connect-error").count() == 0:
            return
    pytest.fail("the field app did not connect with the link")


def test_a_supervisor_connects_a_phone_from_the_team_page_and_revoking_it_signs_it_out(
    tmp_path: Path,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    database: Database = migrated_database(f"sqlite:///{tmp_path / 'server.db'}")
    server = ServerProcess(database.url)
    server.start()
    try:
        team = make_team(database)
        team.add("alice")
        team.add("sue", Role.SUPERVISOR)
        with database.write() as session:
            accounts.set_password(session, user_id=team.users["sue"], password=PASSWORD)
        app_args = ["--no-gps", "--store", str(tmp_path / "device" / "store")]
        with running_field_app(app_args, log_path=tmp_path / "app.log") as app_url:
            _run(server, team.team_id, app_url)
    finally:
        server.kill()
        database.dispose()


def _run(server: ServerProcess, team_id: str, app_url: str) -> None:
    executable = chromium_or_fail()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            desk = browser.new_context(viewport=DESKTOP).new_page()
            desk.set_default_timeout(UI_TIMEOUT_MS)
            errors: list[str] = []
            desk.on("pageerror", lambda exc: errors.append(str(exc)))
            desk.goto(f"{server.url}/login?next=/review/team")
            desk.get_by_label("Username").fill(f"sue-{team_id[-8:]}")
            desk.get_by_label("Password").fill(PASSWORD)
            desk.get_by_role("button", name="Sign in").click()
            desk.get_by_role("heading", name="Team and phones").wait_for()
            assert "No phone yet." in desk.content()
            screenshots(desk, "01-team-empty")

            desk.get_by_role("button", name="Connect a phone for Alice").click()
            desk.get_by_role("heading", name="Connection code for Alice").wait_for()
            link = desk.locator("#code-link").input_value()
            assert link.startswith("fieldwork://enroll?server=") and desk.locator(".qr svg").count() == 1
            screenshots(desk, "02-code")

            phone = browser.new_context(viewport=PHONE).new_page()
            phone.set_default_timeout(UI_TIMEOUT_MS)
            phone.goto(app_url)
            phone.wait_for_selector("flt-semantics-placeholder", state="attached")
            phone.locator("flt-semantics-placeholder").dispatch_event("click")
            by_id(phone, "sync-status").wait_for(state="attached")
            connect_with_link(phone, link)
            wait_for_sync_line(phone, "Synced")

            desk.goto(f"{server.url}/review/team")
            row = desk.locator("table.phones tbody tr").first
            assert "just now" in row.inner_text() and "0.1.0" in row.inner_text(), row.inner_text()
            screenshots(desk, "03-team-phone-synced")

            desk.get_by_text("Revoke…").click()
            desk.locator("button.danger", has_text="Revoke").click()
            desk.locator("#team-notice").wait_for()
            assert "Revoked" in desk.locator("table.phones tbody tr").first.inner_text()
            screenshots(desk, "04-team-phone-revoked")
            assert errors == []

            tap(phone, "sync-now")
            wait_for_sync_line(phone, SIGNED_OUT[:40])
            assert (
                "Connect" in text_of(by_id(phone, "sync-status")) or by_id(phone, "connect-team").count() == 1
            )
            shot(phone, "team/field-app-signed-out.png")
        finally:
            browser.close()
