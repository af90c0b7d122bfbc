"""/openapi.json documents the `Fieldwork-Protocol` header on every /api/v1/sync/* operation as a
required header whose one allowed value is this server's protocol version, so a third-party script
written from the document sends it; one that leaves it out still gets 426 (server.api.protocol_gate)."""

from __future__ import annotations

from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

SYNC = "/api/v1/sync/"


def test_every_sync_operation_documents_the_protocol_header_as_required(client):
    paths = client.get("/openapi.json").json()["paths"]
    operations = [
        (f"{method.upper()} {path}", operation)
        for path, item in paths.items()
        if path.startswith(SYNC)
        for method, operation in item.items()
    ]
    assert {name for name, _ in operations} >= {f"POST {SYNC}push", f"GET {SYNC}pull"}
    for name, operation in operations:
        headers = [p for p in operation.get("parameters", []) if p["in"] == "header"]
        assert [p["name"] for p in headers] == [PROTOCOL_HEADER], name
        [header] = headers
        assert header["required"] is True, name
        assert header["schema"] == {"type": "integer", "enum": [PROTOCOL_VERSION]}, name
        assert "426" in header["description"] and "426" in operation["responses"], name
    # The pull keeps its query parameters beside the header.
    pull = paths[f"{SYNC}pull"]["get"]
    assert {p["name"] for p in pull["parameters"]} == {"cursor", "limit", PROTOCOL_HEADER}


def test_a_sync_request_without_the_documented_header_still_gets_426(client, world):
    token_only = {"Authorization": f"Bearer {world['alice'].token}"}
    pulled = client.get(f"{SYNC}pull", headers=token_only)
    pushed = client.post(f"{SYNC}push", json={"operations": []}, headers=token_only)
    for response in (pulled, pushed):
        assert response.status_code == 426, response.text
        assert response.json()["error"]["code"] == "app_update_required"
    with_header = client.get(f"{SYNC}pull", headers={**token_only, PROTOCOL_HEADER: str(PROTOCOL_VERSION)})
    assert with_header.status_code == 200, with_header.text
