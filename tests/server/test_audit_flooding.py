"""Issue 16, item 6: a flood of refused sign-ins cannot fill the audit log (blocked attempts are
counted into one row per window), events that belong to no team reach no admin, and user creation
and record views are audited."""

from __future__ import annotations

from server import cli
from server.services import audit
from tests.server.web_helpers import seed_activity
from tests.server.world import PASSWORD


def _events(database, team_id):
    with database.read() as session:
        return audit.list_events(session, team_id=team_id, limit=10_000)


def _login(client, username, password="wrong"):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def _sign_ins(events, outcome):
    return [e for e in events if e.action == "sign_in" and e.outcome == outcome]


def test_blocked_sign_ins_are_counted_into_one_row_per_window(client, world, database, settings, clock):
    for window in range(2):
        for _ in range(settings.sign_in_attempts):
            assert _login(client, "sue").status_code == 401
        for _ in range(25 + window):
            assert _login(client, "sue").status_code == 429
        clock.advance(seconds=settings.sign_in_window_seconds)
    events = _events(database, world.team_a)
    assert len(_sign_ins(events, "failure")) == 2 * settings.sign_in_attempts
    blocked = _sign_ins(events, "blocked")
    assert sorted(e.count for e in blocked) == [25, 26]
    assert {e.actor for e in blocked} == {"Sue"} and all(e.details["via"] == "api" for e in blocked)


def test_the_audit_page_says_how_many_times_a_blocked_sign_in_was_tried(client, world, settings):
    for _ in range(settings.sign_in_attempts + 7):
        _login(client, "sue")
    page = client.get("/review/audit", headers=world["ada"].web)
    assert page.status_code == 200 and "7 times" in page.text


def test_events_that_belong_to_no_team_are_shown_to_no_admin(client, world, database, settings):
    for _ in range(settings.sign_in_attempts + 3):  # an unknown username: failures, then blocked
        _login(client, "mallory")
    assert client.post("/api/v1/enroll", json={"code": "WRONG234", "device_name": "x"}).status_code == 401
    for team in (world.team_a, world.team_b):
        events = _events(database, team)
        assert not [e for e in events if e.outcome in ("failure", "blocked")], team
    page = client.get("/review/audit", headers=world["ada"].web)
    assert page.status_code == 200 and "failure" not in page.text and "blocked" not in page.text


def test_user_creation_is_audited_with_who_added_them(client, world, database, settings):
    made = client.post(
        "/api/v1/users",
        json={"username": "dina", "display_name": "Dina", "role": "specialist"},
        headers=world["ada"].web,
    )
    assert made.status_code == 201, made.text
    assert cli.main(["create-user", "--team", "IPS South", "--role", "supervisor", "--no-password", "eve"],
                    settings=settings) == 0  # fmt: skip
    created = [e for e in _events(database, world.team_a) if e.action == "user_created"]
    dina = next(e for e in created if e.target == made.json()["user_id"])
    assert (dina.actor, dina.details) == ("Ada", {"role": "specialist"})
    by_operator = [e for e in _events(database, world.team_b) if e.action == "user_created"]
    assert (by_operator[0].actor, by_operator[0].details) == ("", {"role": "supervisor"})  # newest first


def test_record_page_views_are_audited_once_per_viewer_record_and_hour(client, world, database, clock):
    seeded = seed_activity(client, world)
    url = f"/review/records/{seeded.alice_visit}"
    for _ in range(3):
        assert client.get(url, headers=world["sue"].web).status_code == 200
    assert client.get(url, headers=world["sam"].web).status_code == 404
    clock.advance(hours=1)
    assert client.get(url, headers=world["sue"].web).status_code == 200
    views = [e for e in _events(database, world.team_a) if e.action == "record_viewed"]
    assert sorted((e.actor, e.target, e.count) for e in views) == [
        ("Sue", seeded.alice_visit, 1),
        ("Sue", seeded.alice_visit, 3),
    ]
    assert not [e for e in _events(database, world.team_b) if e.action == "record_viewed"]
    page = client.get("/review/audit", headers=world["ada"].web)
    assert "Record viewed" in page.text and "3 times" in page.text
    assert PASSWORD not in page.text
