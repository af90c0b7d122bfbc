"""A sync request without the `Fieldwork-Protocol` header comes from a protocol-1 app (today's app
has sent it on every request since protocol 1): it gets the same 426 "app_update_required" as an
explicit version 1, before anything is read or served, so no pull hands it a `job` or an
`employer_disclosure` and no cursor moves past them. Today's client, which sends the header,
pushes and pulls as before (server.api.protocol_gate)."""

from __future__ import annotations

from sqlalchemy import func, select

from server.db.models import RecordRow
from sync.client import SyncClient
from sync.protocol import PROTOCOL_VERSION, Operation
from tests.server.world import new_id, op, push, sample


def _records(database) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(RecordRow)) or 0)


def _told_to_update(response) -> None:
    assert response.status_code == 426, response.text
    error = response.json()["error"]
    assert error["code"] == "app_update_required" and "Update the app" in error["message"]
    assert error["details"] == {"received": None, "supported": [PROTOCOL_VERSION]}
    assert set(response.json()) == {"error"}  # no changes, no cursor


def _job_for_a_new_seeker(client, world) -> None:
    seeker = new_id()
    push(client, world["alice"], op("job_seeker", seeker, data=sample("job_seeker")))
    job = {"job_seeker_id": seeker, "employer_id": new_id(), "started_on": "2026-04-20"}
    (result,) = push(client, world["alice"], op("job", new_id(), data=job))
    assert result["status"] == "applied", result


def test_a_pull_without_the_header_is_told_to_update_and_served_nothing(client, world):
    _job_for_a_new_seeker(client, world)  # a kind a protocol-1 app does not know
    token_only = {"Authorization": f"Bearer {world['alice_tablet'].token}"}
    _told_to_update(client.get("/api/v1/sync/pull", headers=token_only))
    _told_to_update(client.get("/api/v1/sync/pull", params={"cursor": "", "limit": 1}, headers=token_only))
    # The same device, updated, then pulls everything from where it was: nothing was skipped.
    pulled = client.get("/api/v1/sync/pull", headers=world["alice_tablet"].bearer)
    assert pulled.status_code == 200
    assert sorted(c["kind"] for c in pulled.json()["changes"]) == ["job", "job_seeker"]


def test_a_push_without_the_header_is_told_to_update_and_nothing_is_stored(client, world, database):
    token_only = {"Authorization": f"Bearer {world['alice'].token}"}
    for body in (
        {"operations": [op("employer", new_id())], "protocol_version": PROTOCOL_VERSION},
        {"operations": [op("employer", new_id())]},  # no version in the body either
        {"operations": [op("employer", new_id())], "protocol_version": PROTOCOL_VERSION - 1},
    ):
        _told_to_update(client.post("/api/v1/sync/push", json=body, headers=token_only))
    assert _records(database) == 0


def test_without_the_header_even_an_unknown_token_hears_426_and_nothing_else(client):
    # The gate answers before authentication, as it does for an explicit older version.
    _told_to_update(client.get("/api/v1/sync/pull", headers={"Authorization": "Bearer nope"}))
    _told_to_update(client.post("/api/v1/sync/push", json={"operations": []}))


def test_the_header_is_asked_only_of_sync_routes(client, world):
    assert client.get("/api/v1/health").status_code == 200
    token_only = {"Authorization": f"Bearer {world['alice'].token}"}
    assert client.get("/api/v1/attachments/photo-9", headers=token_only).status_code == 404


def test_todays_client_sends_the_header_and_syncs_over_a_real_socket(live_server, world, database):
    employer = Operation(
        op_id=new_id(), kind="employer", record_id=new_id(), base_version=0, data=sample("employer")
    )
    phone, tablet = (
        SyncClient(live_server.url, world["alice"].token),
        SyncClient(live_server.url, world["alice_tablet"].token),
    )
    try:
        (result,) = phone.push([employer]).results
        page = tablet.pull(None)
    finally:
        phone.close()
        tablet.close()
    assert result.status == "applied"
    assert [c.record_id for c in page.changes] == [employer.record_id]
    assert _records(database) == 1
