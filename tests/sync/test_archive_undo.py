"""Archive and Undo in every interleaving with sync, against the real API on loopback (issue 17,
item 6): Undo before any sync, while the delete's push is on the air, and after the server applied
the tombstone. Each ends with the record live on the server and the phone, as it was, once, with no
conflict. And another phone's edit of an archived record: a conflict with its reason, the copy kept.
"""

from __future__ import annotations

import threading

from app.domain.clock import SystemClock, new_id
from app.records import RecordService
from app.store import StoredRecord
from sync.engine import SyncEngine
from tests.sync.harness import Device, ServerProcess, Team, enroll_device
from tests.sync.records import employer, save, visit
from tests.sync.server_view import server_records
from tests.sync.test_inflight_resave import GatedApi


def _phone_with_a_visit(server: ServerProcess, team: Team) -> tuple[Device, RecordService, str]:
    phone = enroll_device(server, team, "alice")
    shop = employer("Harbour Bakery")
    save(phone.store, shop)
    record_id = save(phone.store, visit(shop.id, outcome="met the manager")).data["id"]
    phone.engine.sync_once()
    return phone, RecordService(phone.store, clock=SystemClock(), new_id=new_id), record_id


def _assert_restored(phone: Device, team: Team, before: StoredRecord, *, versions: int) -> None:
    record_id = before.data["id"]
    on_server = server_records(team)[record_id]
    assert not on_server["deleted"] and not on_server["flagged"]
    assert on_server["data"]["outcome"] == "met the manager"
    assert on_server["versions"] == versions
    local = phone.store.get("employer_visit", record_id)
    assert local is not None and not local.deleted and local.sync.state == "synced"
    assert local.sync.server_version == on_server["version"]
    assert {k: v for k, v in local.data.items() if k != "version"} == {
        k: v for k, v in before.data.items() if k != "version"
    }
    assert phone.store.outbox() == []
    assert [v.id for v in RecordService(phone.store, clock=SystemClock(), new_id=new_id).visits()] == [
        record_id
    ]


def test_undo_before_any_sync_cancels_the_archive_and_changes_nothing_on_the_server(server, team):
    phone, service, record_id = _phone_with_a_visit(server, team)
    archived = service.archive("employer_visit", record_id)
    service.restore(archived)
    phone.engine.sync_once()
    _assert_restored(phone, team, archived, versions=1)  # no tombstone, no new version
    assert server_records(team)[record_id]["version"] == 1


def test_undo_while_the_delete_is_on_the_air_brings_the_record_back(server, team):
    phone, service, record_id = _phone_with_a_visit(server, team)
    archived = service.archive("employer_visit", record_id)
    gated = GatedApi(phone)
    passing = threading.Thread(target=SyncEngine(phone.store, gated).sync_once)
    passing.start()
    assert gated.sent.wait(timeout=30)
    assert [(o.record_id, o.delete) for o in gated.operations] == [(record_id, True)]
    service.restore(archived)  # the delete is held on the air
    gated.release.set()
    passing.join(timeout=60)
    assert not passing.is_alive()
    assert server_records(team)[record_id]["deleted"]  # the delete landed; its answer was ignored
    phone.engine.sync_once()
    _assert_restored(phone, team, archived, versions=3)  # created, archived, restored


def test_undo_after_the_server_applied_the_tombstone_restores_it_for_every_phone(server, team):
    phone, service, record_id = _phone_with_a_visit(server, team)
    other = enroll_device(server, team, "alice")  # the specialist's second phone
    other.engine.sync_once()
    archived = service.archive("employer_visit", record_id)
    phone.engine.sync_once()
    assert phone.store.get("employer_visit", record_id) is None  # purged: the delete is done
    assert server_records(team)[record_id]["deleted"]
    other.engine.sync_once()
    assert other.store.get("employer_visit", record_id) is None

    service.restore(archived)
    phone.engine.sync_once()
    _assert_restored(phone, team, archived, versions=3)
    other.engine.sync_once()
    mirrored = other.store.get("employer_visit", record_id)
    assert mirrored is not None and mirrored.sync.state == "synced"
    assert mirrored.data["outcome"] == "met the manager"


def test_an_edit_from_another_phone_of_an_archived_record_is_a_conflict_and_keeps_its_copy(server, team):
    phone, service, record_id = _phone_with_a_visit(server, team)
    other = enroll_device(server, team, "alice")
    other.engine.sync_once()
    service.archive("employer_visit", record_id)
    phone.engine.sync_once()

    stale = other.store.get("employer_visit", record_id)
    assert stale is not None
    edited = {**stale.data, "outcome": "they want a trial shift"}
    other.store.save("employer_visit", edited, op_id=new_id(), queued_at="2026-05-04T09:00:00+00:00")
    other.engine.sync_once()
    kept = other.store.get("employer_visit", record_id)
    assert kept is not None and kept.sync.state == "conflict"
    assert kept.data["outcome"] == "they want a trial shift"
    assert (kept.sync.reason or "").startswith("Archived on another phone")
    on_server = server_records(team)[record_id]
    assert on_server["deleted"] and on_server["flagged"]  # the archive stands, the edit is in history

    # Saving again after reading the reason brings the record back, with the edit.
    other.store.save("employer_visit", kept.data, op_id=new_id(), queued_at="2026-05-04T09:05:00+00:00")
    other.engine.sync_once()
    on_server = server_records(team)[record_id]
    assert not on_server["deleted"] and on_server["data"]["outcome"] == "they want a trial shift"


def test_a_record_archived_before_it_ever_synced_comes_back_once_after_undo(server, team):
    phone = enroll_device(server, team, "alice")
    service = RecordService(phone.store, clock=SystemClock(), new_id=new_id)
    shop = employer("Harbour Bakery")
    save(phone.store, shop)
    first = save(phone.store, visit(shop.id, outcome="met the manager")).data["id"]
    second = save(phone.store, visit(shop.id, outcome="met the manager")).data["id"]
    undone_early = service.archive("employer_visit", first)
    service.restore(undone_early)  # the create never left the phone
    undone_late = service.archive("employer_visit", second)
    phone.engine.sync_once()  # the server never had it: nothing to delete there
    assert second not in server_records(team)
    service.restore(undone_late)
    phone.engine.sync_once()
    records = server_records(team)
    for record_id in (first, second):
        assert records[record_id]["versions"] == 1 and not records[record_id]["deleted"]
    assert phone.store.outbox() == []
