"""Enrollment, device tokens, revocation and web sessions."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from server.db.models import Device, EnrollmentCode
from server.services import accounts
from tests.server.world import CURRENT_APP, PASSWORD


def _issue(client, supervisor, username):
    response = client.post("/api/v1/enrollment-codes", json={"username": username}, headers=supervisor.web)
    assert response.status_code == 201, response.text
    return response.json()["code"]


def test_an_enrollment_code_works_once(client, world):
    code = _issue(client, world["sue"], "bob")
    first = client.post("/api/v1/enroll", json={"code": code, "device_name": "Bob's new phone"})
    assert first.status_code == 200
    assert first.json()["user_name"] == "Bob" and first.json()["team_name"] == "IPS North"
    again = client.post("/api/v1/enroll", json={"code": code, "device_name": "thief"})
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "invalid_enrollment_code"


def test_codes_forgive_case_spaces_and_dashes(client, world):
    code = _issue(client, world["sue"], "bob")
    typed = f"{code[:4].lower()}-{code[4:]} "
    assert client.post("/api/v1/enroll", json={"code": typed, "device_name": "phone"}).status_code == 200


def test_an_enrollment_code_expires(client, world, clock):
    code = _issue(client, world["sue"], "bob")
    clock.advance(minutes=16)
    response = client.post("/api/v1/enroll", json={"code": code, "device_name": "phone"})
    assert response.status_code == 401


def test_tokens_and_codes_are_stored_only_as_hashes(client, world, database):
    code = _issue(client, world["sue"], "bob")
    token = client.post("/api/v1/enroll", json={"code": code, "device_name": "phone"}).json()["token"]
    assert len(token) >= 43  # 32 random bytes, base64url
    with database.read() as session:
        devices = session.scalars(select(Device)).all()
        codes = session.scalars(select(EnrollmentCode)).all()
    assert hashlib.sha256(token.encode()).hexdigest() in {device.token_hash for device in devices}
    stored = repr([vars(device) for device in devices]) + repr([vars(row) for row in codes])
    assert token not in stored and code not in stored


def test_a_revoked_device_gets_401_at_once(client, world):
    alice, sue = world["alice"], world["sue"]
    assert client.get("/api/v1/sync/pull", headers=alice.bearer).status_code == 200
    revoked = client.post(f"/api/v1/devices/{alice.device_id}/revoke", headers=sue.web)
    assert revoked.status_code == 204
    response = client.get("/api/v1/sync/pull", headers=alice.bearer)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"
    assert client.post("/api/v1/sync/push", json={"operations": []}, headers=alice.bearer).status_code == 401


def test_a_push_without_a_valid_token_is_refused_before_its_batch_is_read(client, world):
    # The token is checked first (server.api.sync.push): whatever the body, an unknown caller
    # hears 401, never what is wrong with a batch it may not send.
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        for body in (b"{not json", b'{"operations": "none"}', b'{"operations": [], "protocol_version": 99}'):
            answer = client.post(
                "/api/v1/sync/push",
                content=body,
                headers={**CURRENT_APP, **headers, "Content-Type": "application/json"},
            )
            assert answer.status_code == 401, (headers, body, answer.text)
    alice = world["alice"]
    json_type = {"Content-Type": "application/json"}
    answer = client.post("/api/v1/sync/push", content=b"{not json", headers={**alice.bearer, **json_type})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_json"


def test_supervisors_cannot_touch_other_teams(client, world):
    sam = world["sam"]
    assert (
        client.post(f"/api/v1/devices/{world['alice'].device_id}/revoke", headers=sam.web).status_code == 404
    )
    response = client.post("/api/v1/enrollment-codes", json={"username": "alice"}, headers=sam.web)
    assert response.status_code == 404
    assert client.get("/api/v1/sync/pull", headers=world["alice"].bearer).status_code == 200


def test_login_sets_a_session_that_logout_ends_everywhere(client, world):
    response = client.post("/api/v1/auth/login", json={"username": "sue", "password": PASSWORD})
    assert response.status_code == 200 and response.json()["role"] == "supervisor"
    token = response.cookies["fieldwork_session"]
    headers = {"Cookie": f"fieldwork_session={token}"}
    client.cookies.clear()
    assert client.get("/api/v1/auth/me", headers=headers).json()["username"] == "sue"
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_wrong_passwords_and_unknown_users_look_the_same(client, world):
    wrong = client.post("/api/v1/auth/login", json={"username": "sue", "password": "nope"})
    unknown = client.post("/api/v1/auth/login", json={"username": "zed", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"


def test_a_session_expires(client, world, clock):
    clock.advance(hours=13)
    assert client.get("/api/v1/auth/me", headers=world["sue"].web).status_code == 401


def test_an_enrolled_device_syncs_right_away(client, world):
    code = _issue(client, world["sue"], "bob")
    token = client.post("/api/v1/enroll", json={"code": code, "device_name": "phone"}).json()["token"]
    response = client.get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {token}", **CURRENT_APP})
    assert response.status_code == 200


def test_password_hashes_are_argon2(database, world):
    with database.read() as session:
        user = accounts.find_user(session, username="sue")
    assert user.password_hash is not None and user.password_hash.startswith("$argon2")
