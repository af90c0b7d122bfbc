"""NUL characters (issue 16, item 3). PostgreSQL text cannot hold one: a pushed record with one is
rejected on its field while the rest of the batch applies; a web form with one is a 400; and an
unexpected error never writes its text (a database error quotes the record) to the log. On SQLite
and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.domain.validation import NUL_MESSAGE
from server.api.errors import ContainUnexpected
from tests.server.web_helpers import csrf_from, seed_activity, sign_in
from tests.server.world import PASSWORD, World, new_id, op, pull_all, sample

SECRET = "Maryam panic attack"


def test_a_pushed_record_with_a_nul_is_rejected_on_its_field_and_the_rest_applies(
    client: TestClient, world: World
):
    alice = world["alice"]
    employer, good_visit = new_id(), new_id()
    batch = [
        op("employer", employer),
        op("employer", new_id(), data=sample("employer", notes=f"{SECRET}\u0000")),
        op("employer_visit", new_id(), data=sample("employer_visit", job_seeker_ids=["\u0000"])),
        op("support_check_in", new_id(), data=sample("support_check_in", job_seeker_id="j\u0000")),
        op("job_seeker", new_id(), data=sample("job_seeker", preferred_job_types=["café\u0000"])),
        op("employer", new_id(), op_id=f"{new_id()}\u0000"),
        op("employer_visit", good_visit, data=sample("employer_visit", employer_id=employer)),
    ]
    answer = client.post("/api/v1/sync/push", json={"operations": batch}, headers=alice.bearer)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["applied", *["rejected"] * 5, "applied"]
    assert [r["errors"] for r in results[1:5]] == [
        {"notes": NUL_MESSAGE},
        {"job_seeker_ids": NUL_MESSAGE},
        {"job_seeker_id": NUL_MESSAGE},
        {"preferred_job_types": NUL_MESSAGE},
    ]
    assert results[5]["errors"] == {"op_id": "must be a lower-case UUID"}
    changes, _ = pull_all(client, world["alice_tablet"])
    assert {change["record_id"] for change in changes} == {employer, good_visit}


@pytest.fixture
def supervisor(client: TestClient, world: World) -> TestClient:
    assert sign_in(client, "sue").status_code == 303
    return client


def form_posts(client: TestClient, world: World) -> dict[str, dict[str, str]]:
    """Every web form (path -> fields, CSRF token included) with a NUL in one free-text field."""
    seeded = seed_activity(client, world)
    page = client.get(f"/review/records/{seeded.alice_visit}")
    token = csrf_from(page.text)
    record = f"/review/records/{seeded.alice_visit}"
    return {
        "/login": {"username": "sue\u0000", "password": PASSWORD, "csrf_token": token},
        f"{record}/review": {"state": "needs_changes", "comment": f"{SECRET}\u0000", "csrf_token": token},
        f"{record}/comments": {"body": f"{SECRET}\u0000", "csrf_token": token},
        f"{record}/resolve": {"note\u0000": "x", "csrf_token": token},
        "/logout": {"csrf_token": f"{token}\u0000"},
    }


def test_every_web_form_with_a_nul_is_a_400(supervisor: TestClient, world: World):
    for path, fields in form_posts(supervisor, world).items():
        answer = supervisor.post(path, data=fields, follow_redirects=False)
        assert answer.status_code == 400, (path, answer.status_code, answer.text[:200])
        assert answer.json()["error"]["code"] == "invalid_request"
    raw = supervisor.post(
        "/login",
        content=b"username=sue\x00&password=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert raw.status_code == 400
    multipart = supervisor.post("/login", files={"username": (None, "sue\x00")}, data={"password": "x"})
    assert multipart.status_code == 400


def test_a_form_with_percent_text_that_is_not_a_nul_is_read_as_usual(supervisor: TestClient):
    page = supervisor.get("/login")
    fields = {"username": "sue%2500", "password": "100%00", "csrf_token": csrf_from(page.text)}
    assert supervisor.post("/login", data=fields, follow_redirects=False).status_code == 401


@pytest.fixture
def server_log() -> Iterator[list[str]]:
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            text = record.getMessage()
            if record.exc_info:
                text += logging.Formatter().formatException(record.exc_info)
            lines.append(text)

    handler = Keep(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    yield lines
    logging.getLogger().removeHandler(handler)


def test_an_unexpected_error_is_a_500_whose_log_has_its_type_and_place_never_its_text(
    app: FastAPI, server_log
):
    @app.get("/boom")
    def boom() -> None:
        try:
            raise ValueError(f"CONTEXT: JSON data, line 1: ...{SECRET}")
        except ValueError as inner:
            raise RuntimeError(f"could not store {SECRET}") from inner

    with TestClient(app, base_url="http://127.0.0.1") as client:  # raises whatever escapes the app
        answer = client.get("/boom")
    assert answer.status_code == 500
    assert answer.json()["error"] == {
        "code": "internal_error",
        "message": "something went wrong on the server",
        "details": {},
    }
    logged = "\n".join(server_log)
    assert "RuntimeError" in logged and "ValueError" in logged and "in boom" in logged
    assert SECRET not in logged
    assert logged.count("unexpected error on GET /boom") == 1


def test_an_error_after_the_answer_started_ends_the_connection_without_its_text(server_log):
    async def app(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError(SECRET)

    sent: list[dict[str, object]] = []

    async def send(message) -> None:
        sent.append(message)

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    asyncio.run(ContainUnexpected(app)({"type": "http", "method": "GET", "path": "/x"}, receive, send))
    assert [message["type"] for message in sent] == ["http.response.start"]  # no second answer
    assert SECRET not in "\n".join(server_log) and "RuntimeError" in "\n".join(server_log)
