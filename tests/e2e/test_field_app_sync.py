"""The field app syncing by itself, in a real browser against the real API on loopback.

A phone enrolls through "Connect to your team" with a supervisor's code, a visit logged by tapping
reaches the server's database, the sync line says so, a supervisor's comment comes back to Today
and the record, and a record the server refused is shown with its reason. Screenshots go to
artifacts/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from app.demo import load_demo
from app.domain.clock import SystemClock, new_id
from app.domain.codec import to_dict
from app.domain.records import Employer
from app.main import LocalClock
from app.records import RecordService
from app.store import LocalStore
from server.db.database import Database
from server.db.models import Comment
from server.services import accounts, reviews
from server.services.accounts import Role
from tests.e2e.field_app import app_page, by_id, choose, running_field_app, shot, tap, text_of
from tests.sync.harness import ServerProcess, Team, make_team, migrated_database
from tests.sync.server_view import server_records

ROOT = Path(__file__).resolve().parents[2]
BAD_EMPLOYER = "Moonbase Diner"  # its latitude is off the globe: the server refuses it
pytestmark = pytest.mark.browser


@dataclass
class Setup:
    url: str
    server: ServerProcess
    team: Team
    database: Database


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    database = migrated_database(f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.db'}")
    server = ServerProcess(database.url)
    server.start()
    team = make_team(database)
    team.add("alice")
    store_path = tmp_path_factory.mktemp("device") / "store"
    seed_a_record_the_server_refuses(store_path)
    app_args = ["--no-gps", "--store", str(store_path), "--server", server.url]
    log_path = tmp_path_factory.mktemp("log") / "app.log"
    try:
        with running_field_app(app_args, log_path=log_path) as url:
            yield Setup(url, server, team, database)
    finally:
        server.kill()
        database.dispose()


def seed_a_record_the_server_refuses(store_path: Path) -> None:
    """The demo caseload, and a record written straight to the store past the form's checks (as an
    older app version might have)."""
    store_path.parent.mkdir(parents=True, exist_ok=True)
    with LocalStore.open(store_path) as store:
        now = SystemClock().now()
        load_demo(RecordService(store, clock=LocalClock(), new_id=new_id))
        bad = Employer(
            id=new_id(), name=BAD_EMPLOYER, latitude=120.0, longitude=10.0, created_at=now, updated_at=now
        )
        store.save("employer", to_dict(bad), op_id=new_id(), queued_at=now.isoformat())


@pytest.fixture
def page(setup: Setup):
    with app_page(setup.url) as page:
        by_id(page, "sync-status").wait_for(state="attached")
        yield page


def sync_line(page) -> str:
    return text_of(by_id(page, "sync-status"))


def wait_for_sync_line(page, *parts: str) -> None:
    try:
        _wait_for_sync_line(page, *parts)
    except Exception:
        shot(page, "field-app-sync-FAILED.png")
        ids = page.eval_on_selector_all(
            "[flt-semantics-identifier]", "els => els.map(e => e.getAttribute('flt-semantics-identifier'))"
        )
        print("IDS", ids)
        pytest.fail(f"the sync line never said {parts}: it says {sync_line(page)!r}")


def _wait_for_sync_line(page, *parts: str) -> None:
    page.wait_for_function(
        "parts => { const el = document.querySelector('[flt-semantics-identifier=\"sync-status\"]');"
        " const text = el && (el.getAttribute('aria-label') || el.innerText);"
        " return text && parts.every(p => text.includes(p)); }",
        arg=list(parts),
    )


def all_text(locator) -> str:
    """Visible text plus the labels of selectable text (Flutter web puts those in aria-label)."""
    return str(
        locator.evaluate(
            "el => [el.innerText, el.getAttribute('aria-label') || '',"
            " ...Array.from(el.querySelectorAll('[aria-label]')).map(e => e.getAttribute('aria-label'))]"
            ".join(' ')"
        )
    )


def eventually(page, check: Callable[[], bool], what: str) -> None:
    for _ in range(600):  # bounded: ~60 s
        if check():
            return
        page.wait_for_timeout(100)
    pytest.fail(f"never happened: {what}")


def connect(page, setup: Setup, *, screenshot: bool = False) -> None:
    """Enroll through the Connect screen unless this app is already connected."""
    if "Not connected to your team" not in sync_line(page):
        return
    tap(page, "connect-team")
    # The Connect screen is drawn after the tap's answer: wait for it, then check it is there once.
    by_id(page, "field-server_url").first.wait_for(state="attached")
    assert by_id(page, "field-server_url").count() == 1  # prefilled from --server (see test_device_sync)
    enrollment_code = setup.team.enrollment_code("alice")
    for _ in range(3):  # bounded: Flutter web sometimes drops text typed before its editor is attached
        code = by_id(page, "field-code").locator("input").first
        code.wait_for(state="attached")
        code.click()
        code.fill(enrollment_code)
        if screenshot:
            shot(page, "field-app-connect.png")
        tap(page, "connect")
        page.wait_for_function(
            "() => !document.querySelector('[flt-semantics-identifier=\"connect\"]')"
            " || document.querySelector('[flt-semantics-identifier=\"connect-error\"]')"
        )
        if by_id(page, "connect-error").count() == 0:
            break
        assert "Type the code" in all_text(by_id(page, "connect-error"))  # any other error is real
    wait_for_sync_line(page, "Synced")


def test_a_phone_enrolls_with_a_code_and_a_logged_visit_reaches_the_server(page, setup: Setup):
    assert "Not connected to your team yet" in sync_line(page)
    connect(page, setup, screenshot=True)
    wait_for_sync_line(page, "Online", "Synced", "Nothing waiting to sync", "1 needs attention")

    def visits_on_server() -> list[dict]:
        return [r for r in server_records(setup.team).values() if r["kind"] == "employer_visit"]

    before = len(visits_on_server())
    tap(page, "log-visit")
    choose(page, "Castle Street Pharmacy")
    note = "Met the manager; two kitchen roles in June"
    by_id(page, "field-outcome").locator("textarea, input").first.fill(note)
    tap(page, "save-visit")

    eventually(page, lambda: len(visits_on_server()) == before + 1, "the visit reached the server")
    wait_for_sync_line(page, "Synced", "Nothing waiting to sync")
    shot(page, "field-app-today-synced.png")


def test_feedback_and_a_refusal_show_on_today_and_on_the_record(page, setup: Setup):
    connect(page, setup)
    visit_id = next(i for i, r in server_records(setup.team).items() if r["kind"] == "employer_visit")
    supervisor = supervisor_of(setup)
    with setup.database.write() as session:
        reviews.set_review(
            session, principal=supervisor, record_id=visit_id, state="needs_changes", clock=SystemClock()
        )
        reviews.add_comment(
            session,
            principal=supervisor,
            record_id=visit_id,
            body="Who did you meet? Add the manager's name please.",
            clock=SystemClock(),
        )
    tap(page, "sync-now")
    by_id(page, "feedback-0").wait_for(state="attached")
    by_id(page, "attention-0").wait_for(state="attached")
    assert page.get_by_text("Supervisor feedback").count() == 1
    shot(page, "field-app-today-feedback.png")

    tap(page, "feedback-0")
    by_id(page, "comment-0").wait_for(state="attached")
    assert "Sue: Who did you meet? Add the manager's name please." in all_text(by_id(page, "comment-0"))
    assert "Your supervisor asks for changes" in all_text(by_id(page, "review-state"))
    shot(page, "field-app-detail-comment.png")

    tap(page, "back")
    tap(page, "attention-0")
    refusal = by_id(page, "detail-sync")
    refusal.wait_for(state="attached")
    assert "The server refused this record" in all_text(refusal)
    assert "latitude must be between -90 and 90" in all_text(refusal)
    assert BAD_EMPLOYER in all_text(page.locator("body"))
    shot(page, "field-app-detail-rejected.png")


def test_a_reply_typed_under_the_comment_is_kept_then_reaches_the_supervisor_and_shows_once(
    page, setup: Setup
):
    connect(page, setup)
    visit_id = next(i for i, r in server_records(setup.team).items() if r["kind"] == "employer_visit")
    with setup.database.write() as session:
        reviews.add_comment(
            session,
            principal=supervisor_of(setup),
            record_id=visit_id,
            body="Which day do they interview?",
            clock=SystemClock(),
        )
    tap(page, "sync-now")
    by_id(page, "feedback-0").wait_for(state="attached")
    tap(page, "feedback-0")
    answer = "Tuesdays, with the owner."
    box = by_id(page, "field-reply").locator("textarea, input").first
    box.wait_for(state="attached")
    box.click()
    box.fill(answer)
    tap(page, "send-reply")
    eventually(
        page, lambda: any(f"You: {answer}" in text for text in thread(page)), "the reply in the thread"
    )
    shot(page, "field-app-detail-reply.png")

    def replies_on_server() -> list[str]:
        with setup.database.read() as session:
            rows = session.scalars(
                select(Comment.body).where(Comment.author_user_id == setup.team.users["alice"])
            )
            return list(rows)

    eventually(page, lambda: replies_on_server() == [answer], "the reply reached the server once")
    eventually(
        page,
        lambda: [text.splitlines()[0] for text in thread(page) if answer in text] == [f"You: {answer}"],
        "the pulled thread shows the reply once, no longer waiting to send",
    )
    shot(page, "field-app-detail-reply-synced.png")


def thread(page) -> list[str]:
    """The comments on the record page, in order, as screen readers get them."""
    texts = []
    for index in range(50):  # bounded: far more comments than any test writes
        card = by_id(page, f"comment-{index}")
        if card.count() == 0:
            break
        texts.append(all_text(card).strip())
    return texts


def supervisor_of(setup: Setup) -> accounts.Principal:
    user_id = setup.team.users.get("sue") or setup.team.add("sue", Role.SUPERVISOR)
    return accounts.Principal(
        user_id=user_id, team_id=setup.team.team_id, role=Role.SUPERVISOR, display_name="Sue", username="sue"
    )
