"""Every role against every endpoint. A new route without a row here fails the test."""

from __future__ import annotations

import pytest

from server.services import accounts
from tests.server.world import PASSWORD, new_id, op, push

PUBLIC = "public"
DEVICE = "device"  # any enrolled, unrevoked device
USER = "user"  # any web session
SUPERVISOR = "supervisor"  # supervisor or admin web session
ADMIN = "admin"

RULES: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/health"): PUBLIC,
    ("POST", "/api/v1/enroll"): PUBLIC,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/sync/push"): DEVICE,
    ("GET", "/api/v1/sync/pull"): DEVICE,
    ("GET", "/api/v1/auth/me"): USER,
    ("POST", "/api/v1/auth/logout"): USER,
    ("POST", "/api/v1/enrollment-codes"): SUPERVISOR,
    ("GET", "/api/v1/devices"): SUPERVISOR,
    ("POST", "/api/v1/devices/{device_id}/revoke"): SUPERVISOR,
    ("POST", "/api/v1/users"): ADMIN,
    ("GET", "/api/v1/records"): SUPERVISOR,
    ("GET", "/api/v1/records/{record_id}"): SUPERVISOR,
    ("PUT", "/api/v1/records/{record_id}/review"): SUPERVISOR,
    ("POST", "/api/v1/records/{record_id}/comments"): SUPERVISOR,
    ("POST", "/api/v1/records/{record_id}/resolve"): SUPERVISOR,
}

# caller -> (device token?, web role or None)
CALLERS = {
    "anonymous": (None, None),
    "specialist_device": ("alice", None),
    "supervisor_device": ("sue", None),
    "revoked_device": ("revoked", None),
    "specialist_web": (None, "specialist"),
    "supervisor_web": (None, "supervisor"),
    "admin_web": (None, "admin"),
}


def _allowed(rule: str, caller: str) -> bool:
    device, web = CALLERS[caller]
    return {
        PUBLIC: True,
        DEVICE: device in ("alice", "sue"),
        USER: web is not None,
        SUPERVISOR: web in ("supervisor", "admin"),
        ADMIN: web == "admin",
    }[rule]


def _denied_status(rule: str, caller: str) -> int:
    _device, web = CALLERS[caller]
    if rule == DEVICE or web is None:
        return 401
    return 403


def test_every_route_has_a_rule(client):
    # FastAPI includes routers lazily, so the OpenAPI document is the complete list of routes.
    document = client.get("/openapi.json").json()
    routes = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert routes == set(RULES)


@pytest.mark.parametrize("caller", list(CALLERS))
def test_every_role_against_every_endpoint(client, world, database, clock, caller):
    seeker = new_id()
    push(client, world["alice"], op("job_seeker", seeker))
    with database.write() as session:
        alice_web, _ = accounts.login(session, username="alice", password=PASSWORD, clock=clock, hours=1)
    sessions = {"specialist": alice_web, "supervisor": world["sue"].session, "admin": world["ada"].session}
    device, web = CALLERS[caller]
    headers: dict[str, str] = {}
    if device == "revoked":
        client.post(f"/api/v1/devices/{world['bob'].device_id}/revoke", headers=world["sue"].web)
        headers = world["bob"].bearer
    elif device:
        headers = world[device].bearer
    if web:
        headers = {"Cookie": f"fieldwork_session={sessions[web]}"}
    bodies = {
        "/api/v1/enroll": {"code": "WRONG123", "device_name": "x"},
        "/api/v1/auth/login": {"username": "sue", "password": PASSWORD},
        "/api/v1/sync/push": {"operations": []},
        "/api/v1/enrollment-codes": {"username": "bob"},
        "/api/v1/users": {"username": f"u{new_id()[:8]}", "display_name": "New", "role": "specialist"},
        "/api/v1/records/{record_id}/review": {"state": "approved"},
        "/api/v1/records/{record_id}/comments": {"body": "Looks good"},
    }
    for (method, path), rule in sorted(RULES.items()):
        url = path.replace("{record_id}", seeker).replace("{device_id}", world["carl"].device_id or "")
        if path.endswith("/logout"):
            continue  # checked last: it ends the session the other calls use
        response = client.request(method, url, json=bodies.get(path), headers=headers)
        client.cookies.clear()  # the login call sets a cookie; each call must carry only `headers`
        status = response.status_code
        assert status < 500, (method, path, caller, response.text)
        if rule == PUBLIC:
            assert status != 403, (method, path, caller)
        elif _allowed(rule, caller):
            # carl's device is in another team: a supervisor's revoke sees "not found", never a leak
            expected = {404} if path.endswith("/revoke") else {200, 201, 204}
            assert status in expected, (method, path, caller, response.text)
        else:
            assert status == _denied_status(rule, caller), (method, path, caller, response.text)
            assert "error" in response.json()
    logout = client.post("/api/v1/auth/logout", headers=headers)
    assert logout.status_code == (204 if _allowed(USER, caller) else 401)
