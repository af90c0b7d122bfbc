"""A push body is built from each operation's bytes, encoded once: the engine encodes an operation
to count the batch's bytes, and the client sends the body joined from those same bytes."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

import sync.engine
from app.store import LocalStore
from app.store.layout import OUTBOX, row_key
from app.store.sealing import new_key
from app.store.txn import Transaction
from sync.client import SyncClient
from sync.engine import SyncEngine
from sync.protocol import Operation, PushRequest
from sync.wire import operation_json, push_body, push_request_body
from tests.sync.records import employer, save, visit


def operations() -> list[Operation]:
    return [
        Operation(
            op_id="op-1",
            kind="employer",
            record_id="rec-1",
            base_version=3,
            data={"name": "Café \u00e9 \u2603", "n": 1.0, "count": 2, "tags": ["a", None], "ok": True},
        ),
        Operation(op_id="op-2", kind="employer_visit", record_id="rec-2", base_version=0, delete=True),
    ]


@pytest.mark.parametrize("count", [0, 1, 2])
def test_a_body_joined_from_encoded_operations_is_the_body_encoded_whole(count: int) -> None:
    ops = operations()[:count]
    whole = {
        "operations": [
            {
                "op_id": op.op_id,
                "kind": op.kind,
                "record_id": op.record_id,
                "base_version": op.base_version,
                "data": op.data,
                "delete": op.delete,
            }
            for op in ops
        ],
        "protocol_version": 2,
    }
    expected = json.dumps(whole, separators=(",", ":")).encode()
    assert push_body([operation_json(op) for op in ops], 2) == expected
    assert push_request_body(PushRequest(operations=ops, protocol_version=2)) == expected


def test_the_engine_encodes_each_operation_once_and_the_client_sends_those_bytes(monkeypatch) -> None:
    store = LocalStore.in_memory()
    place = save(store, employer())
    for _ in range(4):
        save(store, visit(place.data["id"]))
    sent: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/sync/pull"):
            return httpx.Response(200, json={"changes": [], "next_cursor": "c1", "has_more": False})
        body = (
            gzip.decompress(request.content) if request.headers.get("content-encoding") else request.content
        )
        sent.append(body)
        results = [
            {
                "op_id": o["op_id"],
                "kind": o["kind"],
                "record_id": o["record_id"],
                "status": "applied",
                "version": 1,
            }
            for o in json.loads(body)["operations"]
        ]
        return httpx.Response(200, json={"results": results, "protocol_version": 2})

    encoded: list[str] = []

    def counting(op: Operation) -> bytes:
        encoded.append(op.op_id)
        return operation_json(op)

    def encode_whole(request: PushRequest) -> bytes:
        raise AssertionError("the client encoded a batch the engine had encoded already")

    monkeypatch.setattr(sync.engine, "operation_json", counting)
    monkeypatch.setattr("sync.client.push_request_body", encode_whole)
    client = SyncClient("http://api.test", "tok", transport=httpx.MockTransport(handler))
    queued = [entry.op_id for entry in store.outbox()]
    report = SyncEngine(store, client).sync_once()
    assert report.pushed == 5 and store.pending_count() == 0
    assert sorted(encoded) == sorted(queued)  # once each
    assert [o["op_id"] for body in sent for o in json.loads(body)["operations"]] == queued


@pytest.mark.parametrize("durable", [False, True])
def test_the_outbox_follows_queue_order_when_rows_are_stored_out_of_it(durable: bool, tmp_path) -> None:
    """The outbox reads rows in their stored order when that is queue order (the usual case) and
    sorts them when it is not: here rows whose stored order is not their seq order."""
    store = LocalStore.open(tmp_path, key=new_key()) if durable else LocalStore.in_memory()
    txn = Transaction(store.storage)
    for n, seq in enumerate([5, 2, 9, 1]):
        row = {"op_id": f"op-{seq}", "kind": "employer", "record_id": f"e{n}", "queued_at": "t"}
        txn.put(OUTBOX, row_key("employer", f"e{n}"), {**row, "attempts": 0, "deleted": False, "seq": seq})
    txn.commit()
    assert [e.op_id for e in store.outbox()] == ["op-1", "op-2", "op-5", "op-9"]
    assert [e.op_id for e in store.outbox(limit=2)] == ["op-1", "op-2"]
