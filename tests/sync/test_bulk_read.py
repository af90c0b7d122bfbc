"""The engine reads a batch's queued records in one call (LocalStore.get_many) instead of one
`get` per operation, and builds the same operations from them."""

from __future__ import annotations

import pytest

from app.domain.outbox import SyncOutcome
from app.store import LocalStore
from app.store.errors import StoreError
from sync.engine import SyncEngine
from sync.protocol import Operation, OperationResult, PullResponse, PushResponse
from tests.sync.records import employer, save, visit


def filled_store() -> tuple[LocalStore, list[tuple[str, str]]]:
    store = LocalStore.in_memory()
    place = save(store, employer())
    visits = [save(store, visit(place.data["id"])) for _ in range(3)]
    # One confirmed by the server (a base version to send), one deleted on the phone since.
    first = store.outbox()[0]
    store.record_outcomes(
        [
            SyncOutcome(
                op_id=first.op_id,
                kind="employer",
                record_id=first.record_id,
                state="synced",
                server_version=4,
            )
        ]
    )
    edited = {**place.data, "name": "Harbour Bakery & Cafe"}
    store.save("employer", edited, op_id="op-edit", queued_at="2026-05-04T10:00:00+00:00")
    store.delete(
        "employer_visit", visits[0].data["id"], op_id="op-delete", queued_at="2026-05-04T10:00:00+00:00"
    )
    keys = [("employer", place.data["id"]), *(("employer_visit", v.data["id"]) for v in visits)]
    return store, [*keys, ("employer", "no-such-record")]


def test_get_many_gives_what_get_gives_for_each_key_in_order() -> None:
    store, keys = filled_store()
    many = store.get_many(keys)
    assert many == [store.get(kind, record_id) for kind, record_id in keys]
    assert many[0] is not None and many[0].sync.server_version == 4
    assert many[1] is not None and many[1].deleted
    assert many[-1] is None
    assert store.get_many([]) == []


def test_get_many_hands_out_copies() -> None:
    store, keys = filled_store()
    first = store.get_many(keys[:1])[0]
    assert first is not None
    first.data["name"] = "changed by the caller"
    again = store.get(*keys[0])
    assert again is not None and again.data["name"] == "Harbour Bakery & Cafe"


def test_get_many_refuses_an_invalid_kind_as_get_does() -> None:
    store, _ = filled_store()
    for kind in ("", "_meta", "employer/visit"):
        with pytest.raises(StoreError, match="invalid record kind"):
            store.get(kind, "x")
        with pytest.raises(StoreError, match="invalid record kind"):
            store.get_many([("employer", "x"), (kind, "x")])


class RecordingApi:
    def __init__(self) -> None:
        self.pushed: list[Operation] = []

    def push(self, operations: list[Operation]) -> PushResponse:
        self.pushed.extend(operations)
        return PushResponse(
            results=[
                OperationResult(
                    op_id=op.op_id,
                    kind=op.kind,
                    record_id=op.record_id,
                    status="applied",
                    version=op.base_version + 1,
                )
                for op in operations
            ]
        )

    def pull(self, cursor: str | None, *, limit: int = 500) -> PullResponse:
        return PullResponse(changes=[], next_cursor="c1", has_more=False)


def test_an_engine_pass_reads_each_batch_once_and_never_one_record_at_a_time(monkeypatch) -> None:
    store, _ = filled_store()
    expected = []
    for entry in store.outbox():
        stored = store.get(entry.kind, entry.record_id)
        assert stored is not None
        expected.append(
            (entry.op_id, entry.record_id, stored.sync.server_version, entry.deleted, stored.data)
        )
    reads: list[int] = []
    get_many = store.get_many

    def counting(keys: list[tuple[str, str]]) -> list[object]:
        reads.append(len(keys))
        return get_many(keys)  # type: ignore[return-value]

    def one_at_a_time(kind: str, record_id: str) -> None:
        raise AssertionError("the engine read a queued record on its own")

    monkeypatch.setattr(store, "get_many", counting)
    monkeypatch.setattr(store, "get", one_at_a_time)
    api = RecordingApi()
    report = SyncEngine(store, api, batch_size=2).sync_once()
    assert report.pushed == len(expected) and store.pending_count() == 0
    assert reads and sum(reads) >= len(expected) and max(reads) <= 2
    assert [
        (op.op_id, op.record_id, op.base_version, op.delete, None if op.delete else op.data)
        for op in api.pushed
    ] == [
        (op_id, rid, base, deleted, None if deleted else data) for op_id, rid, base, deleted, data in expected
    ]
