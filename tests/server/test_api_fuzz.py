"""Schemathesis against the OpenAPI document the real app serves, over a real socket: every
operation, valid and invalid inputs, with the credentials each needs. No 5xx, ever; every 4xx is
the documented error shape ({"error": {"code", "message", "details"}}). Bounded: a fixed number of
examples per operation and mode, derandomized so a failure reproduces."""

from __future__ import annotations

from typing import Any

import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, given
from schemathesis import GenerationMode

from server.services import accounts
from tests.server.web_helpers import seed_activity
from tests.server.world import PASSWORD, World

EXAMPLES = 25  # per operation and mode: 16 operations x 2 modes x 25 is ~800 requests


def _credentials(path: str, world: World, sessions: dict[str, str]) -> dict[str, str]:
    """What a legitimate caller of this operation would send."""
    if path.startswith("/api/v1/sync/"):
        return world["alice"].bearer
    if path in ("/api/v1/health", "/api/v1/enroll", "/api/v1/auth/login"):
        return {}
    if path == "/api/v1/auth/logout":
        return {"Cookie": f"fieldwork_session={sessions['logout']}"}  # a session it may end
    return {"Cookie": f"fieldwork_session={sessions['admin']}"}  # admins may call everything else


def _check(case: Any, response: Any) -> None:
    """`response` is schemathesis' own: header names lower case, each with a list of values."""
    where = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, where
    if 400 <= response.status_code < 500:
        assert response.headers.get("content-type", [""])[0].startswith("application/json"), where
        body = response.json()
        assert set(body) == {"error"}, where
        error = body["error"]
        assert set(error) == {"code", "message", "details"}, where
        assert isinstance(error["code"], str) and error["code"], where
        assert isinstance(error["message"], str) and isinstance(error["details"], dict), where
        if response.status_code == 429:
            assert int(response.headers["retry-after"][0]) >= 1, where


def test_every_operation_survives_fuzzing_with_the_documented_errors(
    live_server, client, world, database, clock
):
    seeded = seed_activity(client, world)
    # Valid inputs aim at real things (a team record, a team phone), so bodies reach the services.
    real = {"record_id": seeded.alice_visit, "device_id": world["bob"].device_id}
    with database.write() as session:
        logout_session, _ = accounts.login(session, username="sam", password=PASSWORD, clock=clock, hours=1)
    sessions = {"admin": world["ada"].session or "", "logout": logout_session}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 16
    http = requests.Session()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            ids = {name: real[name] for name in real if f"{{{name}}}" in operation.path}
            strategy = operation.as_strategy(
                generation_mode=mode, path_parameters=ids if mode is GenerationMode.POSITIVE else None
            )
            _fuzz(
                operation.label,
                strategy,
                mode,
                live_server.url,
                http,
                _credentials(operation.path, world, sessions),
            )
    http.close()


def _fuzz(
    label: str, strategy: Any, mode: GenerationMode, url: str, http: requests.Session, headers: dict[str, str]
) -> None:
    @given(case=strategy)
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any) -> None:
        _check(case, case.call(base_url=url, session=http, headers=headers))

    try:
        fuzz()
    except hypothesis.errors.Unsatisfiable:
        # An operation with no parameters and no body has no invalid input to send.
        assert mode is GenerationMode.NEGATIVE, label


def test_a_nul_in_any_url_is_a_400_not_a_database_error(client, world):
    """Found by probing what the fuzzer's random ids never hit: PostgreSQL text cannot hold NUL."""
    for path, headers in [
        ("/api/v1/records?owner=a%00", world["sue"].web),
        ("/api/v1/records/ab%00c", world["sue"].web),
        ("/review?owner=a%00", world["sue"].web),
        ("/review/records/ab%00c", world["sue"].web),
        ("/api/v1/sync/pull?cursor=a%00", world["alice"].bearer),
    ]:
        response = client.get(path, headers=headers)
        assert response.status_code == 400, path
        assert response.json()["error"]["code"] == "invalid_request", path


def test_a_date_filter_at_the_edge_of_the_calendar_is_a_400_not_an_overflow(client, world):
    """Found by probing: year 1 or 9999 overflowed when turned into UTC bounds (500, or a CSV cut
    off mid-stream after its 200)."""
    for path in ("/review", "/review/export.csv", "/review/export.geojson"):
        for dates in ({"since": "0001-01-01"}, {"until": "9999-12-31"}):
            response = client.get(path, params=dates, headers=world["sue"].web)
            assert response.status_code == 400, (path, dates)
            assert "between 1900 and 2999" in response.text
