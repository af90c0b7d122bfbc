"""Every role against every endpoint. A new route without a row here fails the test."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from server import cli
from server.db.database import Database
from server.db.models import RecordRow
from server.main import create_app
from server.services import accounts
from tests.server.web_helpers import csrf_from, seed_activity
from tests.server.world import CURRENT_APP, PASSWORD, new_id, op, pull_all, push, sample

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
    ("POST", "/api/v1/records/{record_id}/replies"): DEVICE,  # the record's owner only: else 404
    ("PUT", "/api/v1/attachments/{attachment_id}"): DEVICE,
    ("GET", "/api/v1/attachments/{attachment_id}"): DEVICE,
    ("PUT", "/api/v1/attachments/{attachment_id}/content"): DEVICE,
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
    headers = {**CURRENT_APP, **headers}  # as today's app: a sync call without it is answered 426
    bodies = {
        "/api/v1/enroll": {"code": "WRONG123", "device_name": "x"},
        "/api/v1/auth/login": {"username": "sue", "password": PASSWORD},
        "/api/v1/sync/push": {"operations": []},
        "/api/v1/enrollment-codes": {"username": "bob"},
        "/api/v1/users": {"username": f"u{new_id()[-8:]}", "display_name": "New", "role": "specialist"},
        "/api/v1/records/{record_id}/review": {"state": "approved"},
        "/api/v1/records/{record_id}/comments": {"body": "Looks good"},
        "/api/v1/records/{record_id}/replies": {"id": new_id(), "body": "Thanks"},
        "/api/v1/attachments/{attachment_id}": photo_upload(client, world, device),
    }
    for (method, path), rule in sorted(RULES.items()):
        url = path.replace("{record_id}", seeker).replace("{device_id}", world["carl"].device_id or "")
        url = url.replace("{attachment_id}", PHOTO_ID)
        if path.endswith("/logout"):
            continue  # checked last: it ends the session the other calls use
        if path.endswith("/content"):  # raw bytes: the first half of the declared photo
            chunk = {"Content-Range": "bytes 0-9/20", "Content-Type": "application/octet-stream"}
            response = client.request(method, url, content=b"0123456789", headers={**headers, **chunk})
        else:
            response = client.request(method, url, json=bodies.get(path), headers=headers)
        client.cookies.clear()  # the login call sets a cookie; each call must carry only `headers`
        status = response.status_code
        assert status < 500, (method, path, caller, response.text)
        if rule == PUBLIC:
            assert status != 403, (method, path, caller)
        elif _allowed(rule, caller):
            # carl's device is in another team: a supervisor's revoke sees "not found", never a leak
            # and a reply to alice's record from sue's phone finds no record of sue's
            not_found = path.endswith("/revoke") or (path.endswith("/replies") and device != "alice")
            expected = {404} if not_found else {200, 201, 204}
            assert status in expected, (method, path, caller, response.text)
        else:
            assert status == _denied_status(rule, caller), (method, path, caller, response.text)
            assert "error" in response.json()
    logout = client.post("/api/v1/auth/logout", headers=headers)
    assert logout.status_code == (204 if _allowed(USER, caller) else 401)


PHOTO_ID = "photo-1"


def photo_upload(client, world, device) -> dict[str, Any]:
    """A photo declared (not yet sent) for a visit of the caller's device user (alice's otherwise):
    only a record's owner uploads its photos."""
    owner = world[device if device in ("alice", "sue") else "alice"]
    visit = new_id()
    push(client, owner, op("employer_visit", visit))
    body = {"record_id": visit, "record_kind": "employer_visit", "size": 20, "sha256": "0" * 64,
            "content_type": "image/jpeg"}  # fmt: skip
    assert client.put(f"/api/v1/attachments/{PHOTO_ID}", json=body, headers=owner.bearer).status_code == 201
    return body


# -- own team / other team on the JSON API ---------------------------------------------------------

# Team A's things, reached by a reviewer of team A (allowed) and of team B (sam: "not found").
TEAM_SCOPED: list[tuple[str, str, dict[str, Any] | None, set[int]]] = [
    ("GET", "/api/v1/records/{record_id}", None, {200}),
    ("PUT", "/api/v1/records/{record_id}/review", {"state": "approved"}, {204}),
    ("POST", "/api/v1/records/{record_id}/comments", {"body": "Looks good"}, {201}),
    ("POST", "/api/v1/records/{record_id}/resolve", None, {204}),
    ("POST", "/api/v1/enrollment-codes", {"username": "bob"}, {201}),
    ("POST", "/api/v1/devices/{device_id}/revoke", None, {204}),
]


@pytest.mark.parametrize("reviewer", ["sue", "ada", "sam"])
def test_reviewers_reach_their_own_teams_things_and_never_another_teams(client, world, reviewer):
    seeded = seed_activity(client, world)
    member = world[reviewer]
    own_team = member.team_id == world.team_a
    for method, path, body, allowed in TEAM_SCOPED:
        url = path.replace("{record_id}", seeded.alice_visit).replace(
            "{device_id}", world["bob"].device_id or ""
        )
        response = client.request(method, url, json=body, headers=member.web)
        expected = allowed if own_team else {404}
        assert response.status_code in expected, (reviewer, method, path, response.text)
        if not own_team:
            assert response.json()["error"]["code"] == "not_found"
    listed = (
        client.get("/api/v1/records", headers=member.web).text
        + client.get("/api/v1/devices", headers=member.web).text
    )
    team_a_ids = [seeded.alice_visit, seeded.employer, seeded.seeker, world["alice"].device_id or "?"]
    for marker in team_a_ids:
        assert (marker in listed) is own_team, (reviewer, marker)


# -- every supervisor page -------------------------------------------------------------------------

PAGE_RULES: dict[tuple[str, str], str] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/review"): SUPERVISOR,
    ("GET", "/review/export.csv"): SUPERVISOR,
    ("GET", "/review/export.geojson"): SUPERVISOR,
    ("GET", "/review/fidelity"): SUPERVISOR,
    ("GET", "/review/fidelity.csv"): SUPERVISOR,
    ("GET", "/review/fidelity/job-seekers.csv"): SUPERVISOR,
    ("GET", "/review/outcomes"): SUPERVISOR,
    ("GET", "/review/outcomes.csv"): SUPERVISOR,
    ("GET", "/review/map"): SUPERVISOR,
    ("GET", "/review/audit"): ADMIN,
    ("GET", "/review/archived"): SUPERVISOR,
    ("GET", "/review/archived/export.csv"): SUPERVISOR,
    ("GET", "/review/records/{record_id}"): SUPERVISOR,
    ("GET", "/review/records/{record_id}/photos/{attachment_id}"): SUPERVISOR,
    ("POST", "/review/records/{record_id}/review"): SUPERVISOR,
    ("POST", "/review/records/{record_id}/comments"): SUPERVISOR,
    ("POST", "/review/records/{record_id}/resolve"): SUPERVISOR,
    ("GET", "/review/team"): SUPERVISOR,
    ("POST", "/review/team/codes"): SUPERVISOR,
    ("POST", "/review/team/phones/{device_id}/revoke"): SUPERVISOR,
    ("POST", "/review/team/members"): ADMIN,
    ("POST", "/review/team/members/{user_id}/disable"): ADMIN,
    ("POST", "/review/team/members/{user_id}/password"): ADMIN,
    ("POST", "/review/team/code-format"): ADMIN,
}
PAGE_FORMS = {
    "/review/records/{record_id}/review": {"state": "approved"},
    "/review/records/{record_id}/comments": {"body": "Well done"},
    "/review/team/codes": {"user_id": "{bob}"},
    "/review/team/members": {"username": "newcomer", "display_name": "New Comer", "role": "specialist"},
    "/review/team/code-format": {"choice": "digits"},
}
# Team pages that answer a POST with the page itself (a secret shown once), not a redirect.
PAGE_POSTS_SHOWN = {"/review/team/codes", "/review/team/members/{user_id}/password"}
# Team pages that act on one of team A's people or phones: another team gets "not found".
TEAM_A_TARGETS = {
    "/review/team/codes",
    "/review/team/phones/{device_id}/revoke",
    "/review/team/members/{user_id}/disable",
    "/review/team/members/{user_id}/password",
}
# page caller -> (username, or None for no session)
PAGE_CALLERS = {
    "anonymous": None,
    "specialist": "alice",
    "supervisor": "sue",
    "admin": "ada",
    "other_supervisor": "sam",
    "other_admin": "bea",
}


def _page_routes(app) -> set[tuple[str, str]]:
    """Routes left out of the OpenAPI document: the pages. FastAPI 0.16x wraps included routers
    (`original_router`); page routers are included without a prefix, so their paths are whole."""

    def walk(routes):
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            elif getattr(route, "original_router", None) is not None:
                yield from walk(route.original_router.routes)

    pages = {
        (method, route.path)
        for route in walk(app.routes)
        if not route.include_in_schema
        for method in route.methods - {"HEAD"}
    }
    assert pages, "no page routes found: has FastAPI changed how it keeps included routers?"
    return pages


def sent_photo(client, owner, visit: str) -> str:
    """A photo of ``visit`` uploaded whole by its owner's phone; its id."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="JPEG")
    data = out.getvalue()
    body = {"record_id": visit, "record_kind": "employer_visit", "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "content_type": "image/jpeg"}  # fmt: skip
    client.put("/api/v1/attachments/page-photo", json=body, headers=owner.bearer)
    headers = {**owner.bearer, "Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"}
    sent = client.put("/api/v1/attachments/page-photo/content", content=data, headers=headers)
    assert sent.json()["complete"] is True, sent.text
    return "page-photo"


def test_every_page_has_a_rule(app):
    assert _page_routes(app) == set(PAGE_RULES)


def _csrf(app, session: str | None) -> tuple[str, str]:
    """A CSRF cookie value and the form token for this session (or, signed out, for that cookie),
    as a browser gets them from any page."""
    with TestClient(app, base_url="http://127.0.0.1") as browser:
        if session:
            browser.cookies.set("fieldwork_session", session)
        page = browser.get("/login")
        return page.cookies.get("fieldwork_csrf", "unused"), csrf_from(page.text)


@pytest.mark.parametrize("caller", list(PAGE_CALLERS))
def test_every_page_for_every_role_and_team_leaks_nothing(app, client, world, database, clock, caller):
    seeded = seed_activity(client, world)
    client.put(
        f"/api/v1/records/{seeded.alice_visit}/review", json={"state": "approved"}, headers=world["sue"].web
    )
    with database.write() as session:
        accounts.create_user(session, team_id=world.team_b, username="bea", display_name="Bea",
                             role=accounts.Role.ADMIN, password=PASSWORD, clock=clock)  # fmt: skip
    photo = sent_photo(client, world["alice"], seeded.alice_visit)
    username = PAGE_CALLERS[caller]
    token = None
    if username is not None:
        with database.write() as session:
            token, _ = accounts.login(session, username=username, password=PASSWORD, clock=clock, hours=1)
    csrf_cookie, csrf_token = _csrf(app, token)
    cookie = f"fieldwork_csrf={csrf_cookie}" + (f"; fieldwork_session={token}" if token else "")
    role = {None: None, "alice": "specialist", "sue": "supervisor", "sam": "supervisor"}.get(
        username, "admin"
    )
    own_team = username in ("sue", "ada")
    # What team A's pages show and team B's must never: names, codes, ids, team A's phone.
    markers = ["Harbour Bakery", "JS-07", seeded.alice_visit, seeded.seeker, world["alice"].device_id]
    markers += [] if username == "alice" else ["Alice"]  # her own name in her own header is no leak
    for (method, path), rule in sorted(PAGE_RULES.items()):
        if rule == PUBLIC:
            continue  # sign-in and sign-out: tests/server/test_web_pages.py
        url = path.replace("{record_id}", seeded.alice_visit).replace("{user_id}", world["bob"].user_id)
        url = url.replace("{device_id}", world["alice"].device_id or "").replace("{attachment_id}", photo)
        fields = {
            key: value.replace("{bob}", world["bob"].user_id)
            for key, value in PAGE_FORMS.get(path, {}).items()
        }
        form = {"csrf_token": csrf_token, **fields} if method == "POST" else None
        response = client.request(method, url, data=form, headers={"Cookie": cookie}, follow_redirects=False)
        client.cookies.clear()
        status, where = response.status_code, (caller, method, path)
        assert status < 500, (*where, response.text[:500])
        if role is None:
            assert status == 303 and response.headers["location"].startswith("/login?next="), where
            continue
        allowed = role == "admin" if rule == ADMIN else role in ("supervisor", "admin")
        if not allowed:
            assert status == 403, where
        elif ("{record_id}" in path or path in TEAM_A_TARGETS) and not own_team:
            assert status == 404, where  # another team's record: "not found", never "forbidden"
        else:
            shown = method == "GET" or path in PAGE_POSTS_SHOWN
            assert status == (200 if shown else 303), (*where, response.text[:300])
        if not (own_team and allowed):
            leaked = [marker for marker in markers if marker and marker in response.text]
            assert not leaked, (*where, leaked)


# -- a revoked device and a disabled user are refused at once, on every instance -------------------


def test_revocation_and_disabling_take_effect_at_once_on_every_instance(world, settings, clock, client):
    """Two app instances on one database: what one instance (or the CLI) revokes, the other refuses
    on its very next request; nothing is cached."""
    other = create_app(settings, clock=clock, database=Database(settings.database_url))
    with TestClient(other, base_url="http://127.0.0.1") as second:
        pull = "/api/v1/sync/pull"
        assert second.get(pull, headers=world["bob"].bearer).status_code == 200
        client.post(f"/api/v1/devices/{world['bob'].device_id}/revoke", headers=world["sue"].web)
        assert second.get(pull, headers=world["bob"].bearer).status_code == 401

        assert cli.main(["disable-user", "alice"], settings=settings) == 0
        for device in ("alice", "alice_tablet"):
            refused = second.post("/api/v1/sync/push", json={"operations": []}, headers=world[device].bearer)
            assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_token"

        assert second.get("/review", headers=world["sue"].web).status_code == 200
        assert cli.main(["disable-user", "sue"], settings=settings) == 0
        assert second.get("/api/v1/auth/me", headers=world["sue"].web).status_code == 401
        page = second.get("/review", headers=world["sue"].web, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        login = second.post("/api/v1/auth/login", json={"username": "sue", "password": PASSWORD})
        assert login.status_code == 401
    other.state.db.dispose()


def test_a_device_of_another_team_can_neither_read_nor_change_a_teams_records(client, world, database):
    """Devices are team-scoped too: carl (team B) pushing to team A's record ids makes his own team's
    record at most, and pulls nothing of team A's."""
    seeded = seed_activity(client, world)
    with database.read() as session:
        before = session.scalar(select(RecordRow.data).where(RecordRow.record_id == seeded.employer))
    results = push(
        client,
        world["carl"],
        op("employer", seeded.employer, base=1, data=sample("employer", name="Taken Over")),
    )
    assert results[0]["status"] in ("applied", "rejected")
    with database.read() as session:
        rows = session.execute(
            select(RecordRow.team_id, RecordRow.data).where(RecordRow.record_id == seeded.employer)
        ).all()
    team_a = [data for team, data in rows if team == world.team_a]
    assert team_a == [before]  # team A's copy is untouched
    pulled, _ = pull_all(client, world["carl"])
    assert not [c for c in pulled if c["data"] and "Harbour Bakery" in str(c["data"])]
    assert {c["record_id"] for c in pulled} <= {seeded.employer}  # at most his own copy
