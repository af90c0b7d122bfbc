"""CSRF: every state-changing route is found in the app's router table and driven as a forger
would drive it. Web forms: no token, a wrong token, another session's token, a token for a cookie
the forger planted, and a foreign, same-site or `null` Origin. Cookie-authenticated JSON routes:
the plain HTML forms that could reach them (no token, a wrong token, another session's token, a
text/plain body shaped like JSON) and the same foreign origins. Every one is a 403 with the
standard error body; the same request sent from the site itself is not (so a refusal is the
check's doing, not a missing record's). A new POST route is driven automatically, or, if it is
an API route that does not read the session cookie, it must be listed here with the reason.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from server.api import deps
from server.services import accounts
from server.web.common import verify_csrf
from tests.server.web_helpers import csrf_from, seed_activity
from tests.server.world import PASSWORD, World

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
SITE = "http://127.0.0.1"  # the test client's own origin
# API routes that take no session cookie, so a forged form has nothing to ride on.
NOT_COOKIE_AUTHENTICATED = {
    ("POST", "/api/v1/enroll"): "a one-time enrollment code in a JSON body",
    ("POST", "/api/v1/auth/login"): "a password in a JSON body; it sets the session, uses none",
    ("POST", "/api/v1/sync/push"): "the phone's bearer device token",
    ("PUT", "/api/v1/attachments/{attachment_id}"): "the phone's bearer device token",
    ("PUT", "/api/v1/attachments/{attachment_id}/content"): "the phone's bearer device token",
    ("POST", "/api/v1/records/{record_id}/replies"): "the phone's bearer device token",
}
FOREIGN = [
    {"Origin": "https://evil.example"},
    {"Origin": "http://reviews.127.0.0.1"},  # a sibling host on the same site
    {"Origin": "null"},
    {"Origin": SITE, "Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "cross-site"},
]
JSON_BODIES: dict[str, Any] = {
    "/api/v1/records/{record_id}/review": {"state": "approved"},
    "/api/v1/records/{record_id}/comments": {"body": "Looks good"},
    "/api/v1/enrollment-codes": {"username": "bob"},
    "/api/v1/users": {
        "username": "newbie",
        "display_name": "New",
        "role": "specialist",
        "password": PASSWORD,
    },
}


def _walk(routes: list[Any]) -> Any:
    """Every route with its whole path and its dependencies, however deep its router was included."""
    for route in routes:
        if hasattr(route, "effective_candidates"):  # FastAPI 0.16x: an included router
            yield from _walk(route.effective_candidates())
        elif hasattr(route, "dependant") and getattr(route, "methods", None):
            yield route


def _calls(dependant: Any) -> set[Any]:
    found: set[Any] = set()
    for sub in dependant.dependencies:
        found.add(sub.call)
        found |= _calls(sub)
    return found


def state_changing_routes(app: Any) -> list[tuple[str, str, set[Any]]]:
    routes = [
        (method, route.path, _calls(route.dependant))
        for route in _walk(app.routes)
        for method in sorted(route.methods & STATE_CHANGING)
    ]
    assert routes, "no routes found: has FastAPI changed how it keeps included routers?"
    return routes


def _url(path: str, world: World, record_id: str) -> str:
    values = {"record_id": record_id, "device_id": world["alice"].device_id, "user_id": world["bob"].user_id}
    for name, value in values.items():
        path = path.replace("{" + name + "}", str(value))
    assert "{" not in path, f"teach test_csrf a value for the parameters of {path}"
    return path


def _send(client: TestClient, method: str, url: str, *, cookies: dict[str, str], **kwargs: Any) -> Any:
    client.cookies.clear()  # only the cookies each case names
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), **kwargs.pop("headers", {})}
    return client.request(method, url, headers=headers, follow_redirects=False, **kwargs)


def _assert_refused(response: Any, case: str) -> None:
    assert response.status_code == 403, (case, response.status_code, response.text[:300])
    error = response.json()["error"]
    assert error["code"] == "forbidden" and error["message"] and error["details"] == {}, case


def _session(database: Any, clock: Any, username: str) -> str:
    with database.write() as session:
        token, _ = accounts.login(session, username=username, password=PASSWORD, clock=clock, hours=1)
    return token


def _token(client: TestClient, cookies: dict[str, str]) -> str:
    return csrf_from(_send(client, "GET", "/login", cookies=cookies).text)


def test_every_state_changing_route_is_a_form_a_cookie_route_or_listed(app):
    for method, path, calls in state_changing_routes(app):
        if not path.startswith("/api/"):
            assert verify_csrf in calls, f"{method} {path}: a web form without CsrfChecked"
        elif deps.session_token not in calls:
            assert (method, path) in NOT_COOKIE_AUTHENTICATED, (
                f"{method} {path} reads no session cookie: list it in NOT_COOKIE_AUTHENTICATED with why"
            )


def test_every_web_form_refuses_forged_posts(app, client, world, database, clock):
    record = seed_activity(client, world).alice_visit
    forms = [(m, p) for m, p, _ in state_changing_routes(app) if not p.startswith("/api/")]
    assert len(forms) >= 5, forms  # sign-in, sign-out, review, comment, resolve at least
    for method, path in forms:
        url = _url(path, world, record)
        mine = {"fieldwork_session": _session(database, clock, "ada")}
        token = _token(client, mine)
        others = _token(client, {"fieldwork_session": world["sue"].session or ""})
        # A forger on the same site plants a CSRF cookie and fetches the token for it itself.
        planted = {"fieldwork_csrf": "planted-by-forger"}
        planted_token = _token(client, planted)
        cases: dict[str, tuple[dict[str, str], dict[str, str], dict[str, str]]] = {
            "no token": (mine, {}, {}),
            "wrong token": (mine, {"csrf_token": token[:-2] + ("AA" if token[-2:] != "AA" else "BB")}, {}),
            "another session's token": (mine, {"csrf_token": others}, {}),
            "a planted cookie's token": ({**mine, **planted}, {"csrf_token": planted_token}, {}),
        }
        cases |= {f"valid token from {h}": (mine, {"csrf_token": token}, h) for h in map(dict, FOREIGN)}
        for case, (cookies, form, headers) in cases.items():
            response = _send(client, method, url, cookies=cookies, data=form, headers=headers)
            _assert_refused(response, f"{method} {path}: {case}")
        sent_from_site = _send(client, method, url, cookies=mine, data={"csrf_token": token},
                               headers={"Origin": SITE, "Sec-Fetch-Site": "same-origin"})  # fmt: skip
        assert sent_from_site.status_code != 403, (method, path, sent_from_site.text[:300])


def test_every_cookie_authenticated_json_route_refuses_forms_and_other_origins(
    app, client, world, database, clock
):
    record = seed_activity(client, world).alice_visit
    routes = [
        (m, p)
        for m, p, calls in state_changing_routes(app)
        if p.startswith("/api/") and deps.session_token in calls
    ]
    assert {("POST", "/api/v1/records/{record_id}/resolve"), ("POST", "/api/v1/auth/logout")} <= set(routes)
    for method, path in routes:
        url = _url(path, world, record)
        mine = {"fieldwork_session": _session(database, clock, "ada")}
        token = _token(client, mine)
        others = _token(client, {"fieldwork_session": world["sue"].session or ""})
        body = JSON_BODIES.get(path)
        forms: dict[str, dict[str, Any]] = {
            "a form with no token": {"data": {"state": "approved"}},
            "a form with a wrong token": {"data": {"csrf_token": "not-a-token"}},
            "a form with another session's token": {"data": {"csrf_token": others}},
            "a form with this session's own token": {"data": {"csrf_token": token}},
            "a multipart form": {"files": {"state": (None, "approved")}},
            "a text/plain form shaped like JSON": {
                "content": b'{"state": "approved", "x": "="}',
                "headers": {"Content-Type": "text/plain"},
            },
        }
        forms |= {f"JSON from {h}": {"json": body, "headers": h} for h in map(dict, FOREIGN)}
        for case, kwargs in forms.items():
            _assert_refused(_send(client, method, url, cookies=mine, **kwargs), f"{method} {path}: {case}")
        sent_from_site = _send(client, method, url, cookies=mine, json=body, headers={"Origin": SITE})
        assert sent_from_site.status_code != 403, (method, path, sent_from_site.text[:300])


def test_a_forged_review_with_a_planted_cookie_changes_nothing(client, world):
    """The attack the old double-submit token allowed: a same-site page sets the CSRF cookie to a
    value whose token it fetched for itself, then posts a review as the signed-in supervisor."""
    record = seed_activity(client, world).alice_visit
    planted = {"fieldwork_csrf": "planted-by-forger"}
    forged_token = _token(client, planted)
    victim = {"fieldwork_session": world["sue"].session or "", **planted}
    form = {"csrf_token": forged_token, "state": "approved"}
    _assert_refused(_send(client, "POST", f"/review/records/{record}/review", cookies=victim, data=form), "")
    detail = _send(client, "GET", "/api/v1/records?review_state=approved", cookies=victim)
    assert record not in detail.text


def test_sign_in_from_another_origin_is_refused_even_with_its_own_token(client, world):
    browser = {"fieldwork_csrf": "anonymous-browser"}
    token = _token(client, browser)
    form = {"csrf_token": token, "username": "sue", "password": PASSWORD}
    forged = _send(
        client, "POST", "/login", cookies=browser, data=form, headers={"Origin": "https://evil.example"}
    )
    _assert_refused(forged, "login from another origin")
    assert "fieldwork_session" not in forged.headers.get("set-cookie", "")
    other_browser = _send(client, "POST", "/login", cookies={"fieldwork_csrf": "another"}, data=form)
    _assert_refused(other_browser, "login with another browser's token")
    own = _send(client, "POST", "/login", cookies=browser, data=form, headers={"Origin": SITE})
    assert own.status_code == 303


def test_a_browser_gets_the_refusal_as_a_page(client, world):
    cookies = {"fieldwork_session": world["sue"].session or ""}
    page = _send(client, "POST", "/logout", cookies=cookies, data={"csrf_token": "x"},
                 headers={"Accept": "text/html,application/xhtml+xml"})  # fmt: skip
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "did not come from this site" in page.text


def test_phones_and_scripts_send_no_origin_and_are_not_refused(client, world):
    """The device API and a script with the session cookie send no browser headers at all."""
    pushed = client.post("/api/v1/sync/push", json={"operations": []}, headers=world["alice"].bearer)
    assert pushed.status_code == 200
    coded = client.post("/api/v1/enrollment-codes", json={"username": "bob"}, headers=world["sue"].web)
    assert coded.status_code == 201


def test_an_allowed_origin_setting_admits_a_proxy_s_public_origin(settings, clock, database, world):
    from server.main import create_app

    behind = settings.model_copy(update={"allowed_origins": "https://reviews.example.org/"})
    proxied = create_app(behind, clock=clock, database=database)
    code = {"json": {"username": "bob"}}
    with TestClient(proxied, base_url="http://10.0.0.5:8000") as client:
        public = {**world["sue"].web, "Origin": "https://reviews.example.org"}
        assert client.post("/api/v1/enrollment-codes", headers=public, **code).status_code == 201
        foreign = {**world["sue"].web, "Origin": "https://evil.example"}
        assert client.post("/api/v1/enrollment-codes", headers=foreign, **code).status_code == 403
