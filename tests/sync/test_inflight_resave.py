"""A save made while a push of the same record is on the air, against the real API on loopback.

The reproduction of the lost update: phone B pushes an edit of a shared employer on base v1; while
that push is in flight the specialist saves the employer again on B. The server merges B's first
edit with phone A's accepted sector. B's newer op must not bring back B's stale sector.
"""

from __future__ import annotations

import threading
import uuid

from app.store import LocalStore
from sync.engine import SyncEngine
from sync.protocol import Operation, PullResponse, PushResponse
from tests.sync.harness import Device, ServerProcess, Team, enroll_device
from tests.sync.records import employer, save
from tests.sync.server_view import server_records


class GatedApi:
    """The real client, with the first push held after it is built until the test releases it."""

    def __init__(self, device: Device) -> None:
        self._client = device.client
        self.sent = threading.Event()
        self.release = threading.Event()
        self.operations: list[Operation] = []

    def push(self, operations: list[Operation]) -> PushResponse:
        if not self.sent.is_set():
            self.operations = list(operations)
            self.sent.set()
            assert self.release.wait(timeout=30), "the test never released the push"
        return self._client.push(operations)

    def pull(self, cursor: str | None, *, limit: int = 500) -> PullResponse:
        return self._client.pull(cursor, limit=limit)


def _edit(store: LocalStore, record_id: str, **changes: object) -> None:
    stored = store.get("employer", record_id)
    assert stored is not None
    store.save("employer", {**stored.data, **changes}, op_id=str(uuid.uuid4()), queued_at="t")


def test_a_resave_during_a_push_keeps_the_other_phones_accepted_value(server: ServerProcess, team: Team):
    phone_a = enroll_device(server, team, "alice")
    phone_b = enroll_device(server, team, "bob")
    shop = employer("Harbour Bakery", notes="", hiring_needs="")
    save(phone_a.store, shop)
    phone_a.engine.sync_once()
    phone_b.engine.sync_once()
    _edit(phone_a.store, shop.id, sector="retail")  # A's accepted value, at v2
    phone_a.engine.sync_once()

    _edit(phone_b.store, shop.id, notes="met the manager")  # on base v1
    gated = GatedApi(phone_b)
    engine = SyncEngine(phone_b.store, gated)
    passing = threading.Thread(target=engine.sync_once)
    passing.start()
    assert gated.sent.wait(timeout=30)
    in_flight = [(o.base_version, o.data and o.data["notes"]) for o in gated.operations]
    assert in_flight == [(1, "met the manager")]
    _edit(phone_b.store, shop.id, hiring_needs="two bakers")  # saved while the push is on the air
    gated.release.set()
    passing.join(timeout=60)
    assert not passing.is_alive()

    phone_b.engine.sync_once()
    phone_a.engine.sync_once()
    final = server_records(team)[shop.id]
    assert final["data"]["sector"] == "retail"
    assert final["data"]["notes"] == "met the manager"
    assert final["data"]["hiring_needs"] == "two bakers"
    assert not final["flagged"]
    for phone in (phone_a, phone_b):
        stored = phone.store.get("employer", shop.id)
        assert stored is not None and stored.sync.state == "synced", phone.name
        assert {k: stored.data[k] for k in ("sector", "notes", "hiring_needs")} == {
            "sector": "retail",
            "notes": "met the manager",
            "hiring_needs": "two bakers",
        }, phone.name
