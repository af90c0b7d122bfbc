"""The audit log records sign-ins, reviews, exports, enrollments and revocations (ids, never
personal data), admins read it on /review/audit, and exports carry only the caller's team."""

from __future__ import annotations

import json

from server import cli
from server.services import audit
from tests.server.web_helpers import csrf_from, seed_activity, sign_in
from tests.server.world import PASSWORD


def _events(database, team_id):
    with database.read() as session:
        return audit.list_events(session, team_id=team_id, limit=1000)


def test_security_events_are_audited_without_personal_data(client, world, database, settings):
    seeded = seed_activity(client, world)
    assert sign_in(client, "sue", "wrong").status_code == 401
    assert sign_in(client, "sue").status_code == 303
    page = client.get(f"/review/records/{seeded.alice_visit}")
    note = "Add the employer contact"
    form = {"csrf_token": csrf_from(page.text), "state": "needs_changes", "body": note, "comment": note}
    client.post(f"/review/records/{seeded.alice_visit}/comments", data=form)
    client.post(f"/review/records/{seeded.alice_visit}/review", data=form)
    assert client.get("/review/export.csv?kind=employer_visit").status_code == 200
    client.cookies.clear()
    issued = client.post("/api/v1/enrollment-codes", json={"username": "bob"}, headers=world["sue"].web)
    code = issued.json()["code"]
    device = client.post("/api/v1/enroll", json={"code": code, "device_name": "bob's new phone"}).json()
    assert client.post("/api/v1/enroll", json={"code": "WRONG234", "device_name": "x"}).status_code == 401
    client.post(f"/api/v1/devices/{device['device_id']}/revoke", headers=world["sue"].web)
    assert cli.main(["disable-user", "carl"], settings=settings) == 0

    events = _events(database, world.team_a)
    seen = {(e.action, e.outcome) for e in events}
    for expected in [
        ("sign_in", "failure"),
        ("sign_in", "success"),
        ("comment", "success"),
        ("review", "success"),
        ("export", "success"),
        ("enrollment_code", "success"),
        ("enrollment", "success"),
        ("device_revoked", "success"),
    ]:
        assert expected in seen, expected
    review = next(e for e in events if e.action == "review")
    assert (review.actor, review.target, review.details) == (
        "Sue",
        seeded.alice_visit,
        {"state": "needs_changes"},
    )
    revoked = next(e for e in events if e.action == "device_revoked")
    assert (revoked.actor, revoked.device_id) == ("Sue", device["device_id"])
    assert ("user_disabled", "success") in {(e.action, e.outcome) for e in _events(database, world.team_b)}
    stored = json.dumps([[e.action, e.target, e.device_id, e.details] for e in events])
    for secret in ("Harbour Bakery", "JS-07", "Add the employer contact", PASSWORD, "wrong", code):
        assert secret not in stored


def test_admins_read_the_audit_log_and_no_one_else_does(client, world):
    client.post(f"/api/v1/devices/{world['bob'].device_id}/revoke", headers=world["sue"].web)
    page = client.get("/review/audit", headers=world["ada"].web)
    assert page.status_code == 200
    assert "Phone revoked" in page.text and world["bob"].device_id in page.text
    assert 'href="/review/audit"' in page.text  # admins have it in the menu
    for reviewer in ("sue", "sam"):
        refused = client.get("/review/audit", headers=world[reviewer].web)
        assert refused.status_code == 403 and world["bob"].device_id not in refused.text
    assert 'href="/review/audit"' not in client.get("/review", headers=world["sue"].web).text


def test_exports_carry_only_the_callers_team(client, world):
    seed_activity(client, world)
    markers = ("Harbour Bakery", "JS-07", "Alice", "Bob")
    alice = world["alice"].user_id
    for path in ("/review/export.csv", "/review/export.geojson", f"/review/export.csv?owner={alice}",
                 f"/review/export.geojson?owner={alice}"):  # fmt: skip
        own = client.get(path, headers=world["sue"].web)
        other = client.get(path, headers=world["sam"].web)
        assert own.status_code == other.status_code == 200, path
        assert not [m for m in markers if m in other.text], path
        if ".csv" in path:
            assert "Alice" in own.text and len(other.text.strip().splitlines()) == 1, path  # header only
        else:
            assert json.loads(other.text)["features"] == [] and json.loads(own.text)["features"], path
