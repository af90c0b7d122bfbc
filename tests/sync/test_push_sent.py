"""The engine's thread goes on to its own work (writing answers down, building the next batch) only
once the sender has the request out: otherwise that work keeps the interpreter's lock while the
sender waits to write the body (a switch interval each time), and the server waits with it."""

from __future__ import annotations

import gzip
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.store import LocalStore
from sync import engine as engine_module
from sync.client import SyncClient
from sync.engine import SyncEngine
from sync.protocol import Operation, PushResponse
from tests.sync.applying_api import ApplyingApi
from tests.sync.records import employer, save, visit

WAIT_S = 10.0  # what a broken client or engine gets before the test calls it broken


class OneRequestServer:
    """A bare HTTP/1.1 server on loopback for one request: it keeps the raw request, and answers
    only once the client has said the request is out (or the wait gives up)."""

    def __init__(self, sent: threading.Event) -> None:
        self._sent = sent
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.head = b""
        self.body = b""
        self.sent_before_answer = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        connection, _ = self._listener.accept()
        with connection:
            data = b""
            while b"\r\n\r\n" not in data:
                data += connection.recv(65536)
            self.head, _, self.body = data.partition(b"\r\n\r\n")
            length = int(self._header(b"content-length") or 0)
            while len(self.body) < length:
                self.body += connection.recv(65536)
            self.sent_before_answer = self._sent.wait(WAIT_S)
            answer = json.dumps({"results": []}).encode()
            connection.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%b"
                % (len(answer), answer)
            )

    def _header(self, name: bytes) -> bytes | None:
        for line in self.head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == name:
                return value.strip()
        return None

    def close(self) -> None:
        self._thread.join(WAIT_S)
        self._listener.close()


def test_a_push_says_it_is_out_once_its_whole_body_is_written_and_sends_it_with_a_length():
    sent = threading.Event()
    server = OneRequestServer(sent)
    client = SyncClient(f"http://127.0.0.1:{server.port}", "tok-1")
    operations = [
        Operation(op_id=f"op-{n}", kind="employer", record_id=f"rec-{n}", base_version=0, data={"n": n})
        for n in range(200)
    ]
    try:
        client.push_noting_sent(operations, sent)
    finally:
        client.close()
        server.close()
    assert server.sent_before_answer  # set while the server still held its answer back
    assert server._header(b"transfer-encoding") is None  # one body of known length, not chunks
    assert int(server._header(b"content-length") or 0) == len(server.body)
    pushed = json.loads(gzip.decompress(server.body))
    assert [op["op_id"] for op in pushed["operations"]] == [f"op-{n}" for n in range(200)]


class Order:
    """What happened, in order, across the engine's thread and its sender thread."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.store_called = threading.Event()
        self._lock = threading.Lock()

    def note(self, event: str) -> None:
        with self._lock:
            self.events.append(event)


class NotedStore:
    """The real store; each call the engine's thread makes while a batch is out is noted."""

    def __init__(self, store: LocalStore, order: Order) -> None:
        self._store = store
        self._order = order

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._store, name)
        if name not in ("outbox", "record_outcomes", "get_many"):
            return value

        def noted(*args: Any, **kwargs: Any) -> Any:
            self._order.note(f"store.{name}")
            self._order.store_called.set()
            return value(*args, **kwargs)

        return noted


class SlowToSendApi(ApplyingApi):
    """Applies everything. The first batch takes a while to go out: the sender holds its `sent`
    back until the engine's thread touches the store, or a moment has passed."""

    def __init__(self, order: Order) -> None:
        self._order = order
        self.pushes = 0

    def push_noting_sent(self, operations: list[Operation], sent: threading.Event) -> PushResponse:
        self.pushes += 1
        if self.pushes == 1:
            self._order.store_called.clear()
            self._order.store_called.wait(0.5)  # an engine that does not wait touches it at once
            self._order.note("first batch out")
        sent.set()
        return self.push(operations)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    opened = LocalStore.open(tmp_path / "store")
    yield opened
    opened.close()


def test_the_engine_builds_the_next_batch_only_once_the_batch_before_is_out(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(engine_module, "SENT_WAIT_S", WAIT_S)  # the bound is not what is tested
    place = save(store, employer())
    for _ in range(19):
        save(store, visit(place.data["id"]))
    order = Order()
    report = SyncEngine(NotedStore(store, order), SlowToSendApi(order), batch_size=10).sync_once()
    assert report.pushed == 20 and store.pending_count() == 0
    first_out = order.events.index("first batch out")
    # The reads that build the first batch come before it; nothing of the second batch's before
    # the first is out.
    assert order.events[first_out + 1] == "store.outbox"
    assert order.events[:first_out] == ["store.outbox", "store.get_many"]
