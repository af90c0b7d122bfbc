"""Supervisor review in a real browser, end to end: a specialist's phone pushes visits to the real
API (its own process, on loopback); a supervisor signs in with Debian's Chromium, filters the team
activity, opens a visit, asks for changes with a comment and exports CSV; the phone's next pull
shows the review on that record. Screenshots of every page go to artifacts/review/.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from app.domain.clock import new_id
from app.domain.enums import ContactMode, GeotagSource, VisitPurpose
from app.domain.records import Geotag, JobOpening, SupportCheckIn
from app.store.attachments import PhotoStore
from server.db.database import Database
from server.services import accounts
from server.services.accounts import Role
from sync.attachments import PhotoUploader
from tests.e2e.field_app import CHROMIUM_ARGS, chromium_or_fail
from tests.sync.harness import ServerProcess, Team, enroll_device, make_team
from tests.sync.records import employer, job_seeker, save, visit

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "review"
PASSWORD = "supervisor pass phrase"
UI_TIMEOUT_MS = 30_000


@pytest.fixture
def team(database: Database, server: ServerProcess) -> Team:
    built = make_team(database)
    built.add("alice")
    built.add("bob")
    built.add("sue", Role.SUPERVISOR)
    with database.write() as session:
        accounts.set_password(session, user_id=built.users["sue"], password=PASSWORD)
    return built


@pytest.fixture
def browser() -> Iterator[Any]:
    executable = chromium_or_fail()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _field_week(device: Any, seeker_id: str) -> tuple[str, str]:
    """A week of Alice's field work on her phone; returns (the visit to review, its employer name)."""
    now = datetime.now(UTC)
    bakery, garage = employer("Harbour Bakery"), employer("Quay Garage")
    for record in (bakery, garage):
        save(device.store, record)
    reviewed = visit(
        bakery.id,
        purpose=VisitPurpose.FOR_JOB_SEEKER,
        met_person="Dana (owner)",
        outcome="Open to a trial shift",
        job_seeker_ids=[seeker_id],
        geotag=Geotag(
            latitude=51.5074, longitude=-0.1278, accuracy_m=9.0, fixed_at=now, source=GeotagSource.GPS
        ),
    )
    save(device.store, reviewed)
    for hours, place in ((26, garage), (50, bakery)):
        tag = Geotag(latitude=51.51, longitude=-0.12, accuracy_m=30.0, source=GeotagSource.MANUAL)
        save(device.store, replace(visit(place.id, geotag=tag), occurred_at=now - timedelta(hours=hours)))
    phoned = replace(visit(garage.id, contact_mode=ContactMode.PHONE), occurred_at=now - timedelta(hours=3))
    save(device.store, phoned)
    save(device.store, JobOpening(id=new_id(), employer_id=bakery.id, title="Baker", wage=13.0,
                                  version=1))  # fmt: skip
    save(device.store, SupportCheckIn(id=new_id(), job_seeker_id=seeker_id, occurred_at=now,
                                      version=1))  # fmt: skip
    return reviewed.id, "Harbour Bakery"


def test_a_supervisor_comment_reaches_the_phone_that_pushed_the_visit(
    server: ServerProcess, team: Team, browser: Any
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = enroll_device(server, team, "alice")
    seeker = job_seeker("KT-07")
    save(phone.store, seeker)
    visit_id, employer_name = _field_week(phone, seeker.id)
    report = phone.engine.sync_once()
    assert report.rejected == 0 and phone.store.pending_count() == 0
    photo = io.BytesIO()  # a business card photographed at the visit, sent after the visit
    Image.new("RGB", (640, 400), (230, 200, 120)).save(photo, format="JPEG")
    PhotoStore(phone.store).add(
        attachment_id="card", kind="employer_visit", record_id=visit_id, photo=photo.getvalue(), added_at="t"
    )
    assert PhotoUploader(lambda: PhotoStore(phone.store), phone.client).upload_waiting().sent == 1

    context = browser.new_context(viewport={"width": 1024, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server.url}/review")
    assert "/login" in page.url  # signed out: sent to sign in
    page.get_by_label("Username").fill(f"sue-{team.team_id[-8:]}")
    page.get_by_label("Password").fill(PASSWORD)
    page.screenshot(path=str(SHOTS / "01-sign-in.png"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/review")
    page.get_by_role("heading", name="Team activity").wait_for()
    page.screenshot(path=str(SHOTS / "02-activity.png"), full_page=True)

    page.get_by_label("Record type").select_option("employer_visit")
    page.get_by_label("Specialist").select_option(label="Alice")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**kind=employer_visit**")
    rows = page.locator("table.activity tbody tr")
    assert rows.count() == 4  # Alice's four visits, no opening or check-in
    page.screenshot(path=str(SHOTS / "03-activity-filtered.png"), full_page=True)

    page.locator(f'a[href="/review/records/{visit_id}"]').click()
    page.get_by_role("heading", name="Fields").wait_for()
    assert employer_name in page.content() and "± 9 m" in page.content()
    card = page.get_by_alt_text("Photo 1 attached from the phone")
    card.wait_for()
    card.scroll_into_view_if_needed()  # photos load lazily: below the fold until the page is scrolled
    page.wait_for_function("img => img.complete && img.naturalWidth === 640", arg=card.element_handle())
    page.get_by_role("radio", name="Needs changes").check()
    page.get_by_role("button", name="Save review").click()  # no comment: refused
    page.get_by_role("alert").wait_for()
    page.get_by_role("radio", name="Needs changes").check()
    page.get_by_label("Comment to Alice").fill("Please add who else you met and the next step date.")
    page.get_by_role("button", name="Save review").click()
    page.locator("ol.thread").get_by_text("Please add who else you met").wait_for()
    assert "Needs changes" in page.locator("p .badge").first.inner_text()
    page.screenshot(path=str(SHOTS / "04-record-needs-changes.png"), full_page=True)

    page.goto(f"{server.url}/review?state=needs_changes")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    exported = Path(download_info.value.path()).read_text(encoding="utf-8-sig")  # Excel's BOM first
    table = list(csv.DictReader(io.StringIO(exported)))
    assert [row["record_id"] for row in table] == [visit_id]
    assert table[0]["review_state"] == "needs_changes"
    assert table[0]["location_check"] == "not checked"  # its employer has no point to check against

    for name, path in (("05-fidelity", "/review/fidelity"), ("06-map", "/review/map")):
        page.goto(f"{server.url}{path}")
        page.locator("main h1").wait_for()
        if name == "06-map":
            page.locator("#map .marker-cluster, #map path.leaflet-interactive").first.wait_for()
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    tablet = context.new_page()
    tablet.set_viewport_size({"width": 768, "height": 1024})
    tablet.goto(f"{server.url}/review/records/{visit_id}")
    tablet.screenshot(path=str(SHOTS / "07-record-tablet.png"), full_page=True)
    context.close()
    assert errors == []

    phone.engine.sync_once()
    stored = phone.store.get("employer_visit", visit_id)
    assert stored is not None and stored.review is not None
    assert stored.review["state"] == "needs_changes"
    assert [c["body"] for c in stored.review["comments"]] == [
        "Please add who else you met and the next step date."
    ]


def _tab_to(page: Any, target: Any, *, limit: int = 60) -> None:
    """Press Tab until `target` has the keyboard focus (bounded); fail if it never gets it."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def test_a_supervisor_reviews_a_visit_with_the_keyboard_alone(
    server: ServerProcess, team: Team, browser: Any
) -> None:
    """Sign in, filter, open a visit and ask for changes with Tab, typing, arrows and Enter: no
    mouse (no click, check or select_option) anywhere."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = enroll_device(server, team, "alice")
    bakery = employer("Harbour Bakery")
    save(phone.store, bakery)
    reviewed = visit(bakery.id, outcome="Asked about weekend shifts")
    save(phone.store, reviewed)
    assert phone.engine.sync_once().rejected == 0

    context = browser.new_context(viewport={"width": 1024, "height": 900})
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    page.goto(f"{server.url}/login")
    keys = page.keyboard
    _tab_to(page, page.get_by_label("Username"))
    keys.type(f"sue-{team.team_id[-8:]}")
    keys.press("Tab")
    keys.type(PASSWORD)
    keys.press("Enter")
    page.wait_for_url("**/review")

    keys.press("Tab")  # the first stop on every page skips the navigation
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    kind = page.get_by_label("Record type")
    _tab_to(page, kind)
    keys.type("Employer visit")  # a focused select picks the option typed
    assert kind.input_value() == "employer_visit"
    _tab_to(page, page.get_by_role("button", name="Apply filters"))
    keys.press("Enter")
    page.wait_for_url("**kind=employer_visit**")

    _tab_to(page, page.locator(f'a[href="/review/records/{reviewed.id}"]'))
    keys.press("Enter")
    page.get_by_role("heading", name="Fields").wait_for()
    approved, needs_changes = (
        page.get_by_role("radio", name="Approved"),
        page.get_by_role("radio", name="Needs changes"),
    )
    _tab_to(page, approved)  # Tab enters the group; arrows move within it
    keys.press("ArrowDown")
    assert needs_changes.is_checked()
    keys.press("Tab")
    assert page.evaluate("document.activeElement.id") == "review-comment"
    keys.type("Which manager did you meet?")
    _tab_to(page, page.get_by_role("button", name="Save review"))
    keys.press("Enter")
    page.locator("ol.thread").get_by_text("Which manager did you meet?").wait_for()
    assert "Needs changes" in page.locator("p .badge").first.inner_text()
    page.screenshot(path=str(SHOTS / "08-keyboard-review.png"), full_page=True)
    context.close()
