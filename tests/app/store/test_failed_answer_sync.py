"""End to end: the server's answer cannot be written down (full disk), so the next pass sends the
record again, and the real server keeps it exactly once. Real store on disk, real client, real API."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.store import LocalStore, StoreFull
from server.db.database import Database
from sync.client import SyncClient
from sync.engine import SyncEngine
from sync.protocol import Operation, PullResponse, PushResponse
from tests.sync.harness import ServerProcess, Team, enroll_device, make_team
from tests.sync.records import employer, save
from tests.sync.server_view import server_records

from .conftest import SEALED_KEY
from .faults import JournalFaults


@dataclass
class Counting:
    """The real client; remembers the op ids of every push."""

    client: SyncClient
    pushed: list[str] = field(default_factory=list)

    def push(self, operations: list[Operation]) -> PushResponse:
        self.pushed += [operation.op_id for operation in operations]
        return self.client.push(operations)

    def pull(self, cursor: str | None, *, limit: int = 500) -> PullResponse:
        return self.client.pull(cursor, limit=limit)


def test_an_answer_that_could_not_be_written_down_is_asked_for_again_and_applied_once(
    server: ServerProcess, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    team: Team = make_team(database)
    team.add("alice")
    client = enroll_device(server, team, "alice").client
    store_dir = tmp_path / "phone"
    store = LocalStore.open(store_dir, key=SEALED_KEY)
    bakery = employer("Harbour Bakery")
    save(store, bakery)
    (op_id,) = [entry.op_id for entry in store.outbox()]
    faults = JournalFaults(store_dir, monkeypatch)

    faults.fail("write")  # the next journal write is record_outcomes': the disk is full
    api = Counting(client)
    with pytest.raises(StoreFull):
        SyncEngine(store, api).sync_once()

    assert faults.failed == ["write"] and api.pushed == [op_id]
    assert server_records(team)[bakery.id]["version"] == 1  # the server did apply it
    stored = store.get("employer", bakery.id)
    assert stored is not None and stored.sync.state == "pending" and stored.sync.server_version == 0
    assert [entry.op_id for entry in store.outbox()] == [op_id]
    store.close()  # the app is closed; space is freed
    faults.heal()

    with LocalStore.open(store_dir, key=SEALED_KEY) as reopened:
        assert [entry.op_id for entry in reopened.outbox()] == [op_id]  # it survived on disk
        report = SyncEngine(reopened, api).sync_once()
        assert api.pushed == [op_id, op_id] and report.pushed == 1  # sent again, same op id
        stored = reopened.get("employer", bakery.id)
        assert stored is not None and stored.sync.state == "synced" and stored.sync.server_version == 1
        assert reopened.pending_count() == 0
    on_server = server_records(team)[bakery.id]
    assert on_server["version"] == 1 and on_server["versions"] == 1  # exactly once
    assert on_server["data"]["name"] == "Harbour Bakery"
