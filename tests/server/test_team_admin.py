"""The team page: people and phones with what each phone reported at its last sync, and what a
supervisor or admin does from it (codes with a QR link, revoking, adding, disabling, resetting),
each through the real form with its CSRF token, each audited. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.domain.clock import FakeClock
from server.db.database import Database
from server.db.models import Device
from server.db.security_models import AuditEvent
from server.services import accounts, devices
from server.services.devices import DeviceReport
from sync import client as sync_client
from sync.client import SyncClient
from tests.server.web_helpers import csrf_from, sign_in
from tests.server.world import PASSWORD, World

LINK = re.compile(r'id="code-link" type="text" readonly value="([^"]+)"')
PASSWORD_SHOWN = re.compile(r'id="new-password">([^<]+)<')


@contextmanager
def browser(app: FastAPI, username: str, password: str = PASSWORD) -> Iterator[TestClient]:
    """A signed-in browser of its own (cookies kept in its jar, as a real one keeps them)."""
    with TestClient(app, base_url="http://127.0.0.1") as page:
        signed_in = sign_in(page, username, password)
        assert signed_in.status_code == 303, signed_in.text
        yield page


def post_form(page: TestClient, action: str, **fields: str) -> Any:
    token = csrf_from(page.get("/review/team").text)
    return page.post(action, data={"csrf_token": token, **fields}, follow_redirects=False)


def events(database: Database, action: str) -> list[AuditEvent]:
    with database.read() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def pull(client: TestClient, world: World, who: str, **headers: str) -> int:
    response = client.get("/api/v1/sync/pull", headers={**world[who].bearer, **headers})
    return response.status_code


def test_the_page_shows_each_phones_last_sync_pending_count_and_version(app, client, world, clock):
    assert pull(client, world, "alice", **{"Fieldwork-Pending": "3", "Fieldwork-App-Version": "0.1.0"}) == 200
    clock.advance(minutes=7)
    with browser(app, "sue") as page:
        html = page.get("/review/team").text
    alice_phone = html.split(f'data-device="{world["alice"].device_id}"')[1].split("</tr>")[0]
    assert "7 minutes ago" in alice_phone and ">3<" in alice_phone and "0.1.0" in alice_phone
    bob_phone = html.split(f'data-device="{world["bob"].device_id}"')[1].split("</tr>")[0]
    assert "Not yet" in bob_phone  # enrolled, never pulled
    assert "Carl" not in html and world["carl"].device_id not in html  # another team's


def test_a_pull_writes_the_device_row_only_when_what_it_says_changes(database, world, clock):
    token = world["alice"].token or ""
    report = DeviceReport(pending=2, app_version="0.1.0")

    def stale(said: DeviceReport, *, at: datetime | None = None) -> bool:
        with database.read() as session:  # the row a pull reads anyway (accounts.device_lookup)
            row = session.execute(accounts.device_lookup(token)).first()
        return devices.needs_note(row, report=said, now=at or clock.now())

    assert stale(report)
    with database.write() as session:
        assert devices.note_sync(session, token=token, report=report, now=clock.now())
    assert not stale(report) and not stale(DeviceReport())
    assert stale(DeviceReport(pending=0)) and stale(DeviceReport(app_version="0.2.0"))
    later = clock.now() + devices.REFRESH + timedelta(seconds=1)
    assert stale(report, at=later)
    with database.write() as session:  # a report without headers keeps what was reported
        assert devices.note_sync(session, token=token, report=DeviceReport(), now=later)
        assert not devices.note_sync(session, token=token, report=DeviceReport(), now=later)
    with database.read() as session:
        row = session.get(Device, world["alice"].device_id)
        assert row is not None and (row.reported_pending, row.app_version) == (2, "0.1.0")


def test_pulls_write_the_device_row_only_when_it_changes(client, world, database, monkeypatch):
    writes: list[bool] = []
    real = devices.note_sync
    monkeypatch.setattr(devices, "note_sync", lambda *a, **k: writes.append(real(*a, **k)) or True)
    said = {"Fieldwork-Pending": "1", "Fieldwork-App-Version": "0.1.0"}
    for _ in range(3):
        assert pull(client, world, "bob", **said) == 200
    assert pull(client, world, "bob", **{"Fieldwork-Pending": "0"}) == 200
    assert writes == [True, True]  # the first pull and the changed count; the repeats wrote nothing


def test_malformed_reports_are_ignored_and_never_fail_the_sync(client, world, database):
    bad = {"Fieldwork-Pending": "-1", "Fieldwork-App-Version": "<script>alert(1)</script>"}
    assert pull(client, world, "alice", **bad) == 200
    assert devices.parse_report("99999999999", "1" * 41) == DeviceReport()
    assert devices.parse_report(" 12 ", "2.0.0rc1+b.7") == DeviceReport(
        pending=12, app_version="2.0.0rc1+b.7"
    )
    with database.read() as session:
        row = session.get(Device, world["alice"].device_id)
        assert row is not None and row.last_sync_at is not None
        assert (row.reported_pending, row.app_version) == (None, None)


def test_the_sync_client_reports_its_pending_count_and_version_on_each_pull(live_server, world, database):
    assert sync_client.PENDING_HEADER == devices.PENDING_HEADER
    assert sync_client.APP_VERSION_HEADER == devices.APP_VERSION_HEADER
    waiting = [5]
    api = SyncClient(live_server.url, world["bob"].token, app_version="9.9.1", pending=lambda: waiting[0])
    try:
        api.pull(None)
    finally:
        api.close()
    with database.read() as session:
        row = session.get(Device, world["bob"].device_id)
        assert row is not None and (row.reported_pending, row.app_version) == (5, "9.9.1")


def test_a_supervisor_issues_a_code_as_text_and_qr_and_the_link_enrolls_a_phone(app, client, world, database):
    with browser(app, "sue") as page:
        shown = post_form(page, "/review/team/codes", user_id=world["bob"].user_id)
    assert shown.status_code == 200, shown.text
    link = unescape(LINK.search(shown.text).group(1))  # type: ignore[union-attr]
    parts = urlsplit(link)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert (parts.scheme, parts.netloc) == ("fieldwork", "enroll")
    assert query["server"] == "http://127.0.0.1"
    assert '<svg viewBox="0 0' in shown.text and "QR code: connection link for Bob" in shown.text
    assert query["code"] in shown.text.replace(" ", "")  # the same code, typed from the text
    enrolled = client.post("/api/v1/enroll", json={"code": query["code"], "device_name": "Bob's new phone"})
    assert enrolled.status_code == 200, enrolled.text
    [issued] = events(database, "enrollment_code")
    assert (issued.actor_user_id, issued.target) == (world["sue"].user_id, world["bob"].user_id)
    assert query["code"] not in str(issued.details)


def test_a_supervisor_issues_codes_for_specialists_only_never_admins_or_other_supervisors(
    app, client, world, database, clock
):
    with database.write() as session:
        sid = accounts.create_user(session, team_id=world.team_a, username="sid", display_name="Sid",
                                   role=accounts.Role.SUPERVISOR, password=PASSWORD, clock=clock)  # fmt: skip
    with browser(app, "sue") as page:
        for target, status in ((world["ada"].user_id, 403), (sid, 403), (world["carl"].user_id, 404)):
            assert post_form(page, "/review/team/codes", user_id=target).status_code == status
        assert post_form(page, "/review/team/codes", user_id=world["sue"].user_id).status_code == 200
        html = page.get("/review/team").text
    assert html.count("Connect a phone<") + html.count("Connect another phone<") == 3  # alice, bob, sue
    for username, status in (("ada", 403), ("alice", 201)):  # the JSON API keeps the same rule
        answer = client.post(
            "/api/v1/enrollment-codes", json={"username": username}, headers=world["sue"].web
        )
        assert answer.status_code == status, answer.text
    with browser(app, "ada") as page:  # an admin may, for anyone active on the team
        assert post_form(page, "/review/team/codes", user_id=sid).status_code == 200
    assert len(events(database, "enrollment_code")) == 3


def test_revoking_a_phone_on_the_page_refuses_its_next_pull(app, client, world, database):
    assert pull(client, world, "bob") == 200
    with browser(app, "sue") as page:
        done = post_form(page, f"/review/team/phones/{world['bob'].device_id}/revoke")
        assert done.status_code == 303 and done.headers["location"] == "/review/team?done=revoked"
        assert "The phone was revoked" in page.get(done.headers["location"]).text
        other_team = post_form(page, f"/review/team/phones/{world['carl'].device_id}/revoke")
        assert other_team.status_code == 404
    assert pull(client, world, "bob") == 401 and pull(client, world, "carl") == 200
    [revoked] = events(database, "device_revoked")
    assert (revoked.actor_user_id, revoked.device_id) == (world["sue"].user_id, world["bob"].device_id)


def test_an_admin_adds_a_specialist_and_a_supervisor_who_can_then_sign_in(app, world, database):
    with browser(app, "ada") as page:
        added = post_form(page, "/review/team/members", username="dee", display_name="Dee Okafor",
                          role="specialist")  # fmt: skip
        assert added.status_code == 303 and "Dee Okafor" in page.get("/review/team").text
        made = post_form(page, "/review/team/members", username="Sol", display_name=" Sol  Reyes ",
                         role="supervisor")  # fmt: skip
        password = PASSWORD_SHOWN.search(made.text).group(1)  # type: ignore[union-attr]
        refused = [
            post_form(page, "/review/team/members", username="dee", display_name="Again", role="specialist"),
            post_form(page, "/review/team/members", username="x y", display_name="Bad", role="specialist"),
            post_form(page, "/review/team/members", username="boss", display_name="Boss", role="admin"),
        ]
    assert [r.status_code for r in refused] == [422, 422, 422]
    assert all('role="alert"' in r.text for r in refused)
    with browser(app, "sol", password) as page:
        assert "Sol Reyes" in page.get("/review/team").text
    created = [e for e in events(database, "user_created") if e.actor_user_id == world["ada"].user_id]
    assert len(created) == 2  # the world's own users were made by the operator (no actor)
    assert password not in str([e.details for e in created])


def test_only_admins_disable_and_reset_and_never_their_own_account(app, client, world, database):
    with browser(app, "sue") as page:
        for action in ("disable", "password"):
            assert post_form(page, f"/review/team/members/{world['bob'].user_id}/{action}").status_code == 403
        assert post_form(page, "/review/team/members", username="zed", display_name="Z").status_code == 403
    with browser(app, "ada") as page:
        for action in ("disable", "password"):
            assert post_form(page, f"/review/team/members/{world['ada'].user_id}/{action}").status_code == 403
            assert post_form(page, f"/review/team/members/{world['sam'].user_id}/{action}").status_code == 404
        assert post_form(page, f"/review/team/members/{world['bob'].user_id}/disable").status_code == 303
        reset = post_form(page, f"/review/team/members/{world['sue'].user_id}/password")
        password = PASSWORD_SHOWN.search(reset.text).group(1)  # type: ignore[union-attr]
    assert pull(client, world, "bob") == 401  # a disabled specialist's phone is refused
    old_session = client.get("/review/team", headers=world["sue"].web, follow_redirects=False)
    assert old_session.status_code == 303  # the reset ended sue's open sessions
    with browser(app, "sue", password) as page:
        assert page.get("/review/team").status_code == 200
    [reset_event] = events(database, "password_reset")
    assert reset_event.target == world["sue"].user_id and password not in str(reset_event.details)
    assert len(events(database, "user_disabled")) == 1


def test_every_team_form_without_its_csrf_token_is_refused_and_changes_nothing(app, client, world, database):
    forms = [
        ("/review/team/codes", {"user_id": world["bob"].user_id}),
        (f"/review/team/phones/{world['bob'].device_id}/revoke", {}),
        ("/review/team/members", {"username": "eve", "display_name": "Eve", "role": "specialist"}),
        (f"/review/team/members/{world['bob'].user_id}/disable", {}),
        (f"/review/team/members/{world['sue'].user_id}/password", {}),
    ]
    with browser(app, "ada") as page:
        page.get("/review/team")
        for action, fields in forms:
            for token in (None, "forged"):
                data = fields if token is None else {**fields, "csrf_token": token}
                assert page.post(action, data=data, follow_redirects=False).status_code == 403, action
    assert pull(client, world, "bob") == 200
    for action in ("enrollment_code", "device_revoked", "user_created", "user_disabled", "password_reset"):
        assert [e for e in events(database, action) if e.actor_user_id] == [], action


def test_a_quiet_phone_with_saves_waiting_is_marked(app, client, world, clock: FakeClock):
    assert pull(client, world, "alice", **{"Fieldwork-Pending": "4"}) == 200
    assert pull(client, world, "bob", **{"Fieldwork-Pending": "0"}) == 200
    clock.advance(days=3)
    with browser(app, "sue") as page:
        html = page.get("/review/team").text
    alice_phone = html.split(f'data-device="{world["alice"].device_id}"')[1].split("</tr>")[0]
    bob_phone = html.split(f'data-device="{world["bob"].device_id}"')[1].split("</tr>")[0]
    assert "3 days ago" in alice_phone and 'class="badge warn"' in alice_phone
    assert "3 days ago" in bob_phone and "badge warn" not in bob_phone  # nothing waiting: no worry
