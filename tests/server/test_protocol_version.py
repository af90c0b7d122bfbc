"""An app on an older sync protocol gets 426 "app_update_required" and nothing is written."""

from __future__ import annotations

from sqlalchemy import func, select

from server.db.models import RecordRow
from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.server.world import new_id, op

OLD = PROTOCOL_VERSION - 1


def _count(database) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(RecordRow)) or 0)


def _update_required(response) -> None:
    assert response.status_code == 426, response.text
    error = response.json()["error"]
    assert error["code"] == "app_update_required"
    assert "Update the app" in error["message"]
    assert error["details"] == {"received": OLD, "supported": [PROTOCOL_VERSION]}


def test_an_older_app_is_told_to_update_on_push_and_pull_and_nothing_is_stored(client, world, database):
    old = {**world["alice"].bearer, PROTOCOL_HEADER: str(OLD)}
    batch = {"operations": [op("employer", new_id())], "protocol_version": OLD}
    _update_required(client.post("/api/v1/sync/push", json=batch, headers=old))
    _update_required(client.get("/api/v1/sync/pull", headers=old))
    # A push body naming the older version is refused too, whatever the header says.
    _update_required(client.post("/api/v1/sync/push", json=batch, headers=world["alice"].bearer))
    assert _count(database) == 0


def test_the_current_version_syncs_and_a_garbled_or_newer_one_is_a_400(client, world, database):
    current = {**world["alice"].bearer, PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    batch = {"operations": [op("employer", new_id())]}
    pushed = client.post("/api/v1/sync/push", json=batch, headers=current)
    assert pushed.status_code == 200 and _count(database) == 1
    for value in ("one", str(PROTOCOL_VERSION + 1)):
        response = client.get("/api/v1/sync/pull", headers={**current, PROTOCOL_HEADER: value})
        assert response.status_code == 400, value
        assert response.json()["error"]["code"] == "unsupported_protocol_version"


def test_the_gate_is_only_on_sync_routes(client):
    assert client.get("/api/v1/health", headers={PROTOCOL_HEADER: str(OLD)}).status_code == 200
