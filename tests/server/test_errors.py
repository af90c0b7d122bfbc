"""One JSON error shape with stable codes; bad input is a precise 4xx, never a 500; OpenAPI is complete."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.errors import ErrorCode
from tests.server.test_authorization import RULES
from tests.server.world import CURRENT_APP

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
op_keys = st.sampled_from(["op_id", "kind", "record_id", "base_version", "data", "delete", "x"])
junk_operations = st.lists(st.dictionaries(op_keys, json_values, max_size=7) | json_values, max_size=6)

WRITE_ENDPOINTS = [
    ("POST", "/api/v1/sync/push", "device"),
    ("POST", "/api/v1/enroll", None),
    ("POST", "/api/v1/auth/login", None),
    ("POST", "/api/v1/enrollment-codes", "web"),
    ("POST", "/api/v1/users", "admin"),
    ("PUT", "/api/v1/records/{id}/review", "web"),
    ("POST", "/api/v1/records/{id}/comments", "web"),
]


def _assert_error_shape(response, status=None):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] in {code.value for code in ErrorCode}
    if status is not None:
        assert response.status_code == status


def test_unknown_paths_and_methods_use_the_error_shape(client):
    _assert_error_shape(client.get("/api/v1/nope"), 404)
    _assert_error_shape(client.delete("/api/v1/sync/pull", headers=CURRENT_APP), 405)
    assert client.get("/api/v1/nope").json()["error"]["code"] == "not_found"
    assert (
        client.delete("/api/v1/sync/pull", headers=CURRENT_APP).json()["error"]["code"]
        == "method_not_allowed"
    )


def test_request_validation_errors_use_the_error_shape(client, world):
    response = client.get("/api/v1/sync/pull", params={"limit": 0}, headers=world["alice"].bearer)
    _assert_error_shape(response, 422)
    assert "query.limit" in response.json()["error"]["details"]["fields"]
    _assert_error_shape(client.post("/api/v1/enroll", json={"code": "x"}), 422)
    _assert_error_shape(client.get("/api/v1/sync/pull", headers=CURRENT_APP), 401)
    nul = client.post("/api/v1/enroll", json={"code": "AB\x00", "device_name": "x"})
    _assert_error_shape(nul, 422)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=junk_operations)
def test_junk_operations_get_per_operation_results_never_a_500(client, world, operations):
    response = client.post(
        "/api/v1/sync/push", json={"operations": operations}, headers=world["alice"].bearer
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) == len(operations)
    assert all(result["status"] in ("rejected", "applied", "already_applied") for result in results)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_values | st.binary(max_size=64).map(lambda raw: raw))
def test_junk_bodies_never_cause_a_500_anywhere(client, world, body):
    headers_for = {
        "device": world["alice"].bearer,
        "web": world["sue"].web,
        "admin": world["ada"].web,
        None: {},
    }
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    for method, path, auth in WRITE_ENDPOINTS:
        url = path.replace("{id}", "00000000-0000-0000-0000-000000000000")
        headers = {**headers_for[auth], "Content-Type": "application/json"}
        response = client.request(method, url, content=content, headers=headers)
        assert response.status_code < 500, (path, body, response.text)
        if response.status_code >= 400:
            _assert_error_shape(response)


def test_openapi_documents_every_route_and_the_wire_schema(client):
    document = client.get("/openapi.json").json()
    assert {path for _, path in RULES} == set(document["paths"])
    schemas = document["components"]["schemas"]
    assert {"PushRequest", "Operation", "PushResponse", "PullResponse", "ErrorBody"} <= set(schemas)
    push = document["paths"]["/api/v1/sync/push"]["post"]
    assert push["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PushRequest"
    }
    assert {"401", "413"} <= set(push["responses"])
    # /docs is served on the embedded SQLite default only (tests/server/test_headers.py)
    assert client.get("/docs").status_code == (200 if client.app.state.settings.is_sqlite else 404)
