"""Headers and defaults: a CSP with no inline script on every answer, frame-ancestors 'none',
nosniff, a Referrer-Policy, no-store on personal data; templates with no inline script, handler or
style; /docs only where enabled and pinned; Secure cookies except on SQLite over loopback; no
start on PostgreSQL with the development key; no `server` header from `fieldwork serve`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from server import cli
from server.browser_policy import tile_origin
from server.main import create_app
from server.settings import INSECURE_DEV_KEY, Settings, UnsafeSettings
from tests.server.web_helpers import csrf_from, seed_activity, sign_in
from tests.server.world import PASSWORD
from tests.sync.harness import free_port

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "server" / "web" / "templates"
PERSONAL = ["/review", "/review/map", "/review/fidelity", "/review/audit", "/review/team",
            "/review/export.csv", "/review/export.geojson", "/api/v1/records", "/review/outcomes",
            "/review/outcomes.csv", "/review/fidelity.csv", "/review/fidelity/job-seekers.csv"]  # fmt: skip


def _directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def _assert_browser_headers(response: Any, where: str) -> None:
    policy = _directives(response.headers["content-security-policy"])
    assert policy["script-src"] == "script-src 'self'", where
    assert "unsafe" not in response.headers["content-security-policy"], where
    assert policy["frame-ancestors"] == "frame-ancestors 'none'", where
    assert policy["default-src"] == "default-src 'none'", where
    assert response.headers["x-content-type-options"] == "nosniff", where
    assert response.headers["referrer-policy"] == "same-origin", where
    assert response.headers["x-frame-options"] == "DENY", where


def test_every_answer_carries_the_browser_headers_and_personal_data_is_not_cached(client, world):
    sign_in(client, "ada")
    record = seed_activity(client, world).alice_visit
    personal = {path: client.get(path) for path in [*PERSONAL, f"/review/records/{record}"]}
    for path, response in personal.items():
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
    others = {
        "sign-in page": client.get("/login"),
        "a 404 page": client.get("/review/records/nope"),
        "an API error": client.get("/api/v1/sync/pull"),
        "a refusal": client.post("/logout", headers={"Origin": "https://evil.example"}),
        "a static file": client.get("/static/map.js"),
    }
    for where, response in {**personal, **others}.items():
        assert response.status_code < 500, where
        _assert_browser_headers(response, where)
    assert "no-store" not in others["a static file"].headers.get("cache-control", "")


def test_templates_have_no_inline_script_handler_or_style():
    scripts = re.compile(r"<script\b([^>]*)>", re.I)
    for template in sorted(TEMPLATES.glob("*.html")):
        text = template.read_text()
        for attributes in scripts.findall(text):
            assert "src=" in attributes or 'type="application/json"' in attributes, (
                template.name,
                attributes,
            )
        assert not re.search(r"\son[a-z]+\s*=", text, re.I), template.name
        assert not re.search(r"\sstyle\s*=", text, re.I), template.name
        assert "javascript:" not in text.lower(), template.name


def test_a_configured_tile_server_is_the_only_other_image_origin(settings, clock, database):
    assert (
        tile_origin("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")
        == "https://*.tile.openstreetmap.org"
    )
    assert tile_origin("") is None and tile_origin("javascript:alert(1)") is None
    tiled = settings.model_copy(update={"map_tile_url": "https://tiles.example.org/{z}/{x}/{y}.png"})
    with TestClient(create_app(tiled, clock=clock, database=database), base_url="http://127.0.0.1") as client:
        policy = _directives(client.get("/login").headers["content-security-policy"])
    assert policy["img-src"] == "img-src 'self' data: https://tiles.example.org"


def test_docs_are_served_on_sqlite_by_default_pinned_and_a_setting_overrides(settings, clock, database):
    def docs_with(choice: bool | None) -> Any:
        chosen = settings.model_copy(update={"docs": choice})
        with TestClient(
            create_app(chosen, clock=clock, database=database), base_url="http://127.0.0.1"
        ) as client:
            assert client.get("/openapi.json").status_code == 200  # the document itself stays
            assert client.get("/redoc").status_code == 404
            return client.get("/docs")

    assert docs_with(False).status_code == 404
    assert docs_with(None).status_code == (200 if settings.is_sqlite else 404)  # PostgreSQL: off
    docs = docs_with(True)
    sources = re.findall(r'<script src="([^"]+)"', docs.text)
    assert docs.status_code == 200 and sources and "<script>" not in docs.text
    for source in sources:
        assert source.startswith("/static/") or re.search(r"@\d+\.\d+\.\d+/", source), source
    assert "https://cdn.jsdelivr.net" in _directives(docs.headers["content-security-policy"])["script-src"]


def _cookies_secure(app: Any, base_url: str) -> dict[str, bool]:
    """Sign in as a browser would (the cookies sent back by hand: a client's jar would hold back a
    Secure cookie over plain http); which cookies came with the Secure flag."""
    with TestClient(app, base_url=base_url) as client:
        page = client.get("/login")
        browser = page.cookies["fieldwork_csrf"]
        client.cookies.clear()
        form = {"username": "sue", "password": PASSWORD, "csrf_token": csrf_from(page.text)}
        login = client.post(
            "/login", data=form, headers={"Cookie": f"fieldwork_csrf={browser}"}, follow_redirects=False
        )
        assert login.status_code == 303, login.text[:200]
    cookies = page.headers.get_list("set-cookie") + login.headers.get_list("set-cookie")
    return {cookie.split("=", 1)[0]: "; secure" in cookie.lower() for cookie in cookies}


def test_cookies_are_secure_except_on_sqlite_over_loopback(settings, clock, database, world):
    app = create_app(settings.model_copy(update={"cookie_secure": None}), clock=clock, database=database)
    on_loopback = _cookies_secure(app, "http://127.0.0.1")
    assert set(on_loopback) == {"fieldwork_csrf", "fieldwork_session"}
    assert on_loopback == dict.fromkeys(on_loopback, not settings.is_sqlite)
    assert all(_cookies_secure(app, "http://10.0.0.7").values())  # SQLite, but not on loopback
    forced = create_app(settings.model_copy(update={"cookie_secure": True}), clock=clock, database=database)
    assert all(_cookies_secure(forced, "http://127.0.0.1").values())


def test_postgresql_with_the_development_key_refuses_to_start(capsys):
    unsafe = Settings(database_url="postgresql://127.0.0.1:1/none", secret_key=INSECURE_DEV_KEY)
    with pytest.raises(UnsafeSettings, match="FIELDWORK_SECRET_KEY"):
        create_app(unsafe)
    assert cli.main(["serve", "--port", "1"], settings=unsafe) == 2
    assert "refusing to start: FIELDWORK_SECRET_KEY is the development default" in capsys.readouterr().err
    create_app(Settings(database_url="sqlite:///:memory:", secret_key=INSECURE_DEV_KEY))  # development


def test_fieldwork_serve_sends_no_server_header(tmp_path: Path):
    port = free_port()
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert process.stdout is not None
        assert b"Fieldwork API on" in process.stdout.readline()  # printed once migrated, before uvicorn
        health = None
        deadline = time.monotonic() + 20
        while health is None and time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
            except httpx.TransportError:
                time.sleep(0.05)
        assert health is not None and health.status_code == 200
        assert "server" not in health.headers
    finally:
        process.kill()
        process.wait(timeout=10)
