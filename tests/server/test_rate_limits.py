"""Failed sign-ins and enrollments are limited in the database: 429 with the error shape and
Retry-After, the same on every server instance, and lifted when the window ends."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from server.db.database import Database
from server.db.security_models import RateLimitCounter
from server.main import create_app
from tests.server.web_helpers import sign_in
from tests.server.world import PASSWORD


def _limited(response, *, window: int) -> None:
    assert response.status_code == 429, response.text
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= window and error["details"] == {"retry_after": retry_after}


def _login(client, username: str, password: str):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_failed_sign_ins_are_limited_per_username_then_lifted_after_the_window(
    client, world, settings, clock
):
    for _ in range(settings.sign_in_attempts):
        assert _login(client, "sue", "wrong").status_code == 401
    _limited(_login(client, "sue", "wrong"), window=settings.sign_in_window_seconds)
    # Even the right password waits: the limit is checked before the password.
    _limited(_login(client, "sue", PASSWORD), window=settings.sign_in_window_seconds)
    clock.advance(seconds=settings.sign_in_window_seconds)
    assert _login(client, "sue", PASSWORD).status_code == 200


def test_successful_sign_ins_are_never_limited(client, world, settings):
    for _ in range(settings.sign_in_attempts + 2):
        assert _login(client, "sue", PASSWORD).status_code == 200


def test_the_limit_holds_across_two_server_instances_on_one_database(world, settings, clock):
    """Two apps with their own engines, as two processes behind a load balancer would be."""
    apps = [create_app(settings, clock=clock, database=Database(settings.database_url)) for _ in range(2)]
    with TestClient(apps[0], base_url="http://127.0.0.1") as one, TestClient(apps[1]) as two:
        for attempt in range(settings.sign_in_attempts):
            assert _login((one, two)[attempt % 2], "ada", "wrong").status_code == 401
        for instance in (one, two):
            _limited(_login(instance, "ada", PASSWORD), window=settings.sign_in_window_seconds)
    for app in apps:
        app.state.db.dispose()


def test_wrong_enrollment_codes_are_limited_per_address(client, world, settings, clock):
    for _ in range(settings.enrollment_attempts):
        response = client.post("/api/v1/enroll", json={"code": "WRONG234", "device_name": "x"})
        assert response.status_code == 401
    _limited(
        client.post("/api/v1/enroll", json={"code": "WRONG234", "device_name": "x"}),
        window=settings.enrollment_window_seconds,
    )
    clock.advance(seconds=settings.enrollment_window_seconds)
    assert client.post("/api/v1/enroll", json={"code": "WRONG234", "device_name": "x"}).status_code == 401


def test_the_sign_in_page_says_when_to_try_again(client, world, settings):
    for _ in range(settings.sign_in_attempts):
        assert sign_in(client, "sue", "wrong").status_code == 401
    page = sign_in(client, "sue", PASSWORD)
    assert page.status_code == 429
    assert "Too many failed sign-ins" in page.text and int(page.headers["Retry-After"]) >= 1
    assert "fieldwork_session" not in page.headers.get("set-cookie", "")


def test_old_counters_are_forgotten_and_hold_no_usernames(client, world, database, clock):
    assert _login(client, "sue", "wrong").status_code == 401
    with database.read() as session:
        keys = session.scalars(select(RateLimitCounter.key_hash)).all()
    # The username from this address, the address, the username: as HMACs.
    assert len(keys) == 3 and not any("sue" in key for key in keys)
    clock.advance(days=2)
    assert _login(client, "ada", "wrong").status_code == 401
    with database.read() as session:
        assert len(session.scalars(select(RateLimitCounter.key_hash)).all()) == 3  # only ada's window
