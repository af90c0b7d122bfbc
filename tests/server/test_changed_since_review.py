"""A record edited after its review is "changed since review" until a supervisor reviews it again:
on the activity page, its filter, the record page, exports, the records API, the pull and the phone.
Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.domain.records import Employer, EmployerVisit
from app.records import RecordService
from app.state.detail import RecordDetailState
from app.store import LocalStore
from server.db.database import Database
from server.db.migrate import upgrade
from server.db.models import RecordRow
from server.db.models import Review as ReviewRow
from server.services.reviews import shown_review_state
from sync.client import SyncClient
from sync.engine import SyncEngine
from sync.protocol import changed_since_review
from sync.wire import decode_pull_response
from tests.server.test_migration_upgrade import ALICE, EMPLOYER, SUE, VISIT, T, _insert, _seed_at_0001
from tests.server.test_migration_upgrade import empty_url as empty_url  # the fixture, on both databases
from tests.server.web_helpers import csrf_from, seed_activity, sign_in
from tests.server.world import Member, new_id, op, push, sample

VERSION_FIELD = re.compile(r'name="version" value="(\d+)"')
CHANGED = "changed_since_review"


def review(
    client: TestClient, record_id: str, state: str, comment: str = "", *, page: str | None = None
) -> None:
    """Submit the record page's review form as a browser would, from `page` if given (the page the
    supervisor had open), else from the page as it is now."""
    html = page if page is not None else client.get(f"/review/records/{record_id}").text
    found = VERSION_FIELD.search(html)
    assert found, "the review form carries no version"
    data = {"state": state, "comment": comment, "csrf_token": csrf_from(html), "version": found.group(1)}
    response = client.post(f"/review/records/{record_id}/review", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text


def edit_visit(client: TestClient, member: Member, record_id: str, *, base: int, **fields: Any) -> None:
    data = sample("employer_visit", occurred_at="2026-05-01T09:00:00+00:00", **fields)
    (result,) = push(client, member, op("employer_visit", record_id, base=base, data=data))
    assert result["status"] == "applied" and result["version"] == base + 1, result


def activity_badge(html: str, record_id: str) -> str:
    """The review badge's text on the activity row that links to `record_id`."""
    row = html[html.index(f'href="/review/records/{record_id}"') :].split("</tr>", 1)[0]
    found = re.search(r'<span class="badge state-([a-z_]+)">([^<]+)</span>', row)
    assert found, row
    return f"{found.group(1)}: {found.group(2)}"


def listed(client: TestClient, query: str) -> str:
    response = client.get(f"/review?{query}")
    assert response.status_code == 200, response.text
    return response.text


def test_an_edit_after_approval_shows_changed_since_review_on_the_activity_page_until_reviewed_again(
    client, world
):
    seeded = seed_activity(client, world)
    sign_in(client, "sue")
    review(client, seeded.alice_visit, "approved")
    assert activity_badge(listed(client, ""), seeded.alice_visit) == "approved: Approved"

    edit_visit(client, world["alice"], seeded.alice_visit, base=1, outcome="Met the manager")
    assert activity_badge(listed(client, ""), seeded.alice_visit) == f"{CHANGED}: Changed since review"

    review(client, seeded.alice_visit, "approved")
    assert activity_badge(listed(client, ""), seeded.alice_visit) == "approved: Approved"


def test_the_activity_filter_finds_changed_records_and_leaves_them_out_of_their_old_decision(client, world):
    seeded = seed_activity(client, world)
    sign_in(client, "sue")
    review(client, seeded.alice_visit, "approved")
    review(client, seeded.bob_visit, "needs_changes", "Who did you meet?")
    review(client, seeded.alice_check_in, "approved")
    edit_visit(client, world["alice"], seeded.alice_visit, base=1, outcome="Met the manager")
    edit_visit(client, world["bob"], seeded.bob_visit, base=1, outcome="Met Ray, the owner")

    changed = listed(client, f"state={CHANGED}")
    assert seeded.alice_visit in changed and seeded.bob_visit in changed
    assert seeded.alice_check_in not in changed and seeded.opening not in changed
    approved = listed(client, "state=approved")
    assert seeded.alice_check_in in approved and seeded.alice_visit not in approved
    assert seeded.bob_visit not in listed(client, "state=needs_changes")
    assert f'<option value="{CHANGED}" selected>Changed since review</option>' in changed

    client.post(
        f"/review/records/{seeded.bob_visit}/comments",
        data={"body": "Thanks", "csrf_token": csrf_from(changed)},
        follow_redirects=False,
    )
    assert seeded.bob_visit in listed(client, f"state={CHANGED}")  # a comment is not a review
    review(client, seeded.bob_visit, "approved")
    assert seeded.bob_visit not in listed(client, f"state={CHANGED}")
    assert seeded.bob_visit in listed(client, "state=approved")


def test_the_record_page_says_which_version_was_reviewed_and_that_it_was_edited_since(client, world):
    seeded = seed_activity(client, world)
    sign_in(client, "sue")
    review(client, seeded.alice_visit, "needs_changes", "Add the outcome")
    edit_visit(client, world["alice"], seeded.alice_visit, base=1, outcome="Met the manager")

    html = client.get(f"/review/records/{seeded.alice_visit}").text
    headline = html[html.index("<h1>") :].split("</p>", 1)[0]
    assert '<span class="badge state-changed_since_review">Changed since review</span>' in headline
    note = html[html.index('id="changed-since-review"') :].split("</p>", 1)[0]
    assert "Needs changes at version 1" in note and "(now version 2)" in note
    assert 'value="needs_changes" checked' in html  # the form starts from the last decision
    assert "Decision on version 2" in html
    history = html[html.index('id="h-history"') :]
    assert "1 <span" in history and "reviewed: needs changes" in history

    review(client, seeded.alice_visit, "approved")
    html = client.get(f"/review/records/{seeded.alice_visit}").text
    assert 'id="changed-since-review"' not in html
    assert '<span class="badge state-approved">Approved</span>' in html


def test_a_review_saved_from_a_page_opened_before_an_edit_leaves_that_edit_changed(client, world):
    seeded = seed_activity(client, world)
    sign_in(client, "sue")
    opened_at_v1 = client.get(f"/review/records/{seeded.alice_visit}").text
    edit_visit(client, world["alice"], seeded.alice_visit, base=1, outcome="Met the manager")
    review(client, seeded.alice_visit, "approved", page=opened_at_v1)
    assert activity_badge(listed(client, ""), seeded.alice_visit) == f"{CHANGED}: Changed since review"


def test_exports_and_the_records_api_show_the_same_state(client, world):
    seeded = seed_activity(client, world)
    sign_in(client, "sue")
    review(client, seeded.alice_visit, "approved")
    review(client, seeded.alice_check_in, "approved")
    edit_visit(client, world["alice"], seeded.alice_visit, base=1, outcome="Met the manager")

    rows = list(csv.DictReader(io.StringIO(client.get("/review/export.csv").content.decode("utf-8-sig"))))
    states = {row["record_id"]: row["review_state"] for row in rows}
    assert states[seeded.alice_visit] == CHANGED and states[seeded.alice_check_in] == "approved"
    (feature,) = client.get("/review/export.geojson").json()["features"]
    assert feature["properties"]["review_state"] == CHANGED
    api = client.get("/api/v1/records", params={"review_state": CHANGED}).json()
    assert [(r["record_id"], r["review_state"]) for r in api] == [(seeded.alice_visit, CHANGED)]
    approved = client.get("/api/v1/records", params={"review_state": "approved"}).json()
    assert [r["record_id"] for r in approved] == [seeded.alice_check_in]


def test_a_pull_carries_the_version_the_review_was_made_on(client, world):
    seeded = seed_activity(client, world)
    sign_in(client, "sue")
    review(client, seeded.alice_visit, "approved")
    edit_visit(client, world["alice"], seeded.alice_visit, base=1, outcome="Met the manager")
    pulled = decode_pull_response(
        client.get("/api/v1/sync/pull", headers=world["alice_tablet"].bearer).json()
    )
    (change,) = [c for c in pulled.changes if c.record_id == seeded.alice_visit]
    assert change.version == 2 and change.review is not None
    assert (change.review.state, change.review.reviewed_version) == ("approved", 1)


def test_the_sql_rule_agrees_with_the_protocols_rule(client, world, database: Database):
    record_id = new_id()
    alice = world["alice"]
    push(client, alice, op("employer_visit", record_id))
    for base in (1, 2):
        push(client, alice, op("employer_visit", record_id, base=base))
    sign_in(client, "sue")
    review(client, record_id, "approved")
    for state in ("unreviewed", "approved", "needs_changes"):
        for reviewed_version in (None, 1, 2, 3, 4):
            with database.write() as session:
                session.execute(sa.update(ReviewRow).values(state=state, reviewed_version=reviewed_version))
                shown = session.scalar(
                    sa.select(shown_review_state())
                    .select_from(RecordRow)
                    .outerjoin(ReviewRow, ReviewRow.record_pk == RecordRow.pk)
                    .where(RecordRow.record_id == record_id)
                )
            changed = changed_since_review(state, reviewed_version=reviewed_version, version=3)
            assert shown == (CHANGED if changed else state), (state, reviewed_version)


def test_the_phone_shows_changed_since_review_after_its_own_edit_and_clears_on_the_next_review(
    live_server, client, world, clock
):
    store = LocalStore.in_memory()
    service = RecordService(store, clock=clock, new_id=new_id)
    phone = SyncClient(live_server.url, world["alice"].token)
    employer = service.save(Employer(name="Harbour Bakery")).data["id"]
    visit = service.save(EmployerVisit(employer_id=employer, occurred_at=clock.now())).data["id"]
    SyncEngine(store, phone).sync_once()
    sign_in(client, "sue")
    review(client, visit, "approved")
    SyncEngine(store, phone).sync_once()
    assert RecordDetailState(service, "employer_visit", visit).review_state == "approved"

    record = service.load("employer_visit", visit)
    assert isinstance(record, EmployerVisit)
    service.save(dataclasses.replace(record, outcome="Met the manager"))
    assert RecordDetailState(service, "employer_visit", visit).review_state == CHANGED  # not sent yet
    SyncEngine(store, phone).sync_once()
    detail = RecordDetailState(service, "employer_visit", visit)
    assert (detail.review_state, detail.review_label) == (CHANGED, "Edited since your supervisor's review")
    assert activity_badge(listed(client, ""), visit) == f"{CHANGED}: Changed since review"

    review(client, visit, "approved")
    SyncEngine(store, phone).sync_once()
    assert RecordDetailState(service, "employer_visit", visit).review_state == "approved"
    phone.close()
    store.close()


def test_upgrading_backfills_the_version_each_existing_review_was_made_on(empty_url):
    upgrade(empty_url, "0001")
    _seed_at_0001(empty_url)  # the visit approved at version 1, at T
    upgrade(empty_url, "0010")
    engine = sa.create_engine(empty_url)
    later = T + timedelta(hours=2)
    with engine.begin() as db:  # the visit edited after its review; the employer reviewed, no time
        _insert(db, "record_versions", {"record_pk": 2, "version": 2, "deleted": False, "op_id": "op-v2",
                                        "author_user_id": ALICE, "author_device_id": None, "data": {},
                                        "conflicts": [], "created_at": later})  # fmt: skip
        db.execute(sa.text("UPDATE records SET version = 2 WHERE pk = 2"))
        _insert(db, "reviews", {"record_pk": 1, "state": "approved", "reviewed_by": SUE, "reviewed_at": None})
    engine.dispose()
    upgrade(empty_url, "head")
    database = Database(empty_url)
    with database.read() as session:
        rows = session.execute(
            sa.select(RecordRow.record_id, ReviewRow.reviewed_version, shown_review_state()).join(
                ReviewRow, ReviewRow.record_pk == RecordRow.pk
            )
        ).all()
    database.dispose()
    assert sorted(rows) == sorted([(VISIT, 1, CHANGED), (EMPLOYER, 1, "approved")])
