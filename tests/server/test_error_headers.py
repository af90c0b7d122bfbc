"""Issue 16, item 2 of round two: an unexpected error's 500 carries the browser headers too.

`ContainUnexpected` turns any exception into the standard 500; it sits inside `SecurityHeaders`, so
that answer gets the same CSP, frame-ancestors, nosniff, Referrer-Policy and no-store as every
other. The app is the real one from create_app, with routes added that fail."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from server.main import create_app
from tests.server.test_headers import _assert_browser_headers

SECRET_TEXT = "Jo Bloggs, schizophrenia"


def _fail() -> None:
    raise RuntimeError(SECRET_TEXT)


async def _fail_async() -> None:
    raise KeyError(SECRET_TEXT)


@pytest.fixture
def failing_client(settings, clock, database):
    app = create_app(settings, clock=clock, database=database)
    app.add_api_route("/api/v1/fails", _fail, methods=["GET", "POST"])
    app.add_api_route("/review/fails", _fail_async, methods=["GET"])
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/api/v1/fails"), ("POST", "/api/v1/fails"), ("GET", "/review/fails")]
)
def test_an_unexpected_errors_500_carries_the_browser_headers(failing_client, caplog, method, path):
    with caplog.at_level(logging.ERROR):
        response = failing_client.request(method, path, json={} if method == "POST" else None)
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    _assert_browser_headers(response, f"{method} {path}")
    assert response.headers["cache-control"] == "no-store"
    assert "server" not in response.headers
    assert SECRET_TEXT not in response.text and SECRET_TEXT not in caplog.text
    assert any(
        "unexpected error" in record.getMessage() for record in caplog.records
    )  # logged once, withheld
