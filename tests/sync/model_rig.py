"""The rig of the sync model test: the real API in process, phones whose push can be held on the air.

Each phone is a real `LocalStore` and the real `SyncEngine`, talking through the real `SyncClient`
to the real FastAPI app (starlette's TestClient behind an httpx transport, so no sockets). Between
the engine and the client sits `GatedApi`: it can hold one push request "on the air" until the test
delivers it, drops its answer (the server applied it, the phone hears `Offline`) or sends it twice.

Holding a push must leave the test deterministic. The engine builds its next batch on its own
thread while the first one is in flight; the test may only touch the phone again once the engine
has finished building it and waits for the answer ("parked"). The engine's last steps before it
waits are seen from outside: its second `outbox()` read (no batch left to build) or its second
`prepare_push` (a batch was built). `WatchedStore` and `GatedApi` turn those into an event.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.domain.clock import SystemClock
from app.store import LocalStore, OutboxEntry
from server.db.database import Database
from server.db.models import RecordRow, RecordVersion
from server.services import accounts
from server.services.accounts import Role
from sync.client import SyncClient
from sync.engine import SyncEngine, SyncReport
from sync.errors import Offline
from sync.protocol import Operation, PullResponse, PushResponse
from tests.sync.harness import SECRET

WAIT_S = 30.0  # generous bound for one engine step on a loaded CI machine; never reached when green
BASE_URL = "http://testserver"


class InProcessTransport(httpx.BaseTransport):
    """Hands each request of the real SyncClient to the real app, in this process."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._client.request(
            request.method, str(request.url), content=request.read(), headers=dict(request.headers)
        )
        # TestClient has already decompressed the body: drop the headers that describe the wire form.
        headers = [
            (name, value)
            for name, value in answer.headers.items()
            if name.lower() not in ("content-encoding", "content-length")
        ]
        return httpx.Response(answer.status_code, headers=headers, content=answer.content)


class Fault(Enum):
    DELIVER = "deliver"  # the answer reaches the phone
    DROP = "drop"  # the server applies the batch, the answer is lost: the phone hears Offline
    DUPLICATE = "duplicate"  # the request reaches the server twice; the phone hears the second answer
    HOLD = "hold"  # the request stays on the air (not yet at the server) until the test answers it


class GatedApi:
    """The phone's SyncApi: the real client, with a gate that can hold one push on the air."""

    def __init__(self, client: SyncClient) -> None:
        self._client = client
        self.fault = Fault.DELIVER  # for the next push request only
        self.arrived = threading.Event()
        self.parked = threading.Event()
        self._release = threading.Event()
        self._gated = False
        self._watching = False
        self._outbox_reads = 0
        self._prepared: list[list[Operation]] = []
        self.on_air: list[Operation] = []

    def hold_next_push(self) -> None:
        """Set before the engine's pass starts (Thread.start orders these writes before its reads)."""
        self.arrived.clear()
        self.parked.clear()
        self._release.clear()
        self._outbox_reads = 0
        self._prepared = []
        self._gated = self._watching = True

    def release(self, fault: Fault) -> None:
        self.fault = fault
        self._watching = False
        self._release.set()

    def saw_outbox(self, entries: list[OutboxEntry]) -> None:
        if not self._watching:
            return
        self._outbox_reads += 1
        if self._outbox_reads == 2:
            busy = {operation.record_id for operation in self._prepared[0]} if self._prepared else set()
            if all(entry.record_id in busy for entry in entries):
                self.parked.set()  # nothing to build: the engine goes straight to waiting

    def prepare_push(self, operations: list[Operation]) -> None:
        self._client.prepare_push(operations)
        if self._watching:
            self._prepared.append(operations)
            if len(self._prepared) == 2:
                self.parked.set()  # the next batch is built: the engine goes to waiting

    def push(self, operations: list[Operation]) -> PushResponse:
        if self._gated:
            self._gated = False
            self.on_air = list(operations)
            self.arrived.set()
            if not self._release.wait(WAIT_S):
                raise Offline("the test never released this push")
        fault, self.fault = self.fault, Fault.DELIVER
        answer = self._client.push(operations)
        if fault is Fault.DUPLICATE:
            answer = self._client.push(operations)
        if fault is Fault.DROP:
            raise Offline("injected: the answer was lost")
        return answer

    def pull(self, cursor: str | None, *, limit: int = 500) -> PullResponse:
        return self._client.pull(cursor, limit=limit)


class WatchedStore(LocalStore):
    """The real store; tells the gate when the engine reads the outbox."""

    watcher: GatedApi | None = None

    def outbox(self, *, limit: int | None = None) -> list[OutboxEntry]:
        entries = super().outbox(limit=limit)
        if self.watcher is not None:
            self.watcher.saw_outbox(entries)
        return entries

    def queued(self) -> list[OutboxEntry]:
        """The outbox as the test reads it (unseen by the gate)."""
        return super().outbox()


@dataclass
class Phone:
    name: str
    user: str
    store: WatchedStore
    api: GatedApi
    engine: SyncEngine
    pass_thread: threading.Thread | None = None
    failures: list[BaseException] = field(default_factory=list)

    @property
    def in_flight(self) -> bool:
        return self.pass_thread is not None

    def start_pass(self) -> list[Operation]:
        """Start a sync pass on its own thread; return once its first push is on the air and the
        engine waits for the answer."""
        assert not self.in_flight
        self.api.hold_next_push()
        self.pass_thread = threading.Thread(target=self._sync_pass, name=f"sync-{self.name}")
        self.pass_thread.start()
        arrived = self.api.arrived.wait(WAIT_S)
        parked = arrived and self.api.parked.wait(WAIT_S)
        assert parked, f"{self.name}'s push never got on the air: {self.failures}"
        return self.api.on_air

    def finish_pass(self, fault: Fault) -> None:
        """Answer the push on the air (`fault` says how) and let the pass run to its end."""
        assert self.pass_thread is not None and fault is not Fault.HOLD
        self.api.release(fault)
        self.pass_thread.join(WAIT_S)
        assert not self.pass_thread.is_alive(), f"{self.name}'s push pass did not end"
        self.pass_thread = None
        failures, self.failures = self.failures, []
        for failure in failures:
            if not (fault is Fault.DROP and isinstance(failure, Offline)):
                raise failure

    def sync_now(self, fault: Fault) -> None:
        """A whole pass on this thread; `fault` applies to its first push request."""
        assert fault is not Fault.HOLD
        self.api.fault = fault
        try:
            self.engine.sync_once()
        except Offline:
            if fault is not Fault.DROP:
                raise

    def pull(self) -> None:
        self.engine.pull_changes(SyncReport())

    def _sync_pass(self) -> None:
        try:
            self.engine.sync_once()
        except Exception as exc:  # handed to the test thread by finish_pass
            self.failures.append(exc)


def enroll_team(database: Database, client: TestClient, owners: dict[str, str]) -> tuple[str, list[Phone]]:
    """A new team, its specialists (the owners) and one enrolled phone per name in `owners`, made
    in one write (enrollment has its own tests; every example here needs a fresh team)."""
    clock, suffix = SystemClock(), uuid.uuid4().hex[:12]
    with database.write() as session:
        org = accounts.create_organisation(session, name=f"Model Trust {suffix}", clock=clock)
        team_id = accounts.create_team(session, organisation_id=org, name="IPS Model", clock=clock)
        users = {
            user: accounts.create_user(
                session,
                team_id=team_id,
                username=f"{user}-{suffix}",
                display_name=user.title(),
                role=Role.SPECIALIST,
                password=None,
                clock=clock,
            )
            for user in sorted(set(owners.values()))
        }
        tokens = {}
        for phone, user in owners.items():
            code, _ = accounts.issue_enrollment_code(
                session, user_id=users[user], issued_by=None, clock=clock, secret=SECRET, minutes=15
            )
            enrolled = accounts.enroll_device(
                session, code=code, device_name=phone, clock=clock, secret=SECRET
            )
            tokens[phone] = enrolled.token
    return team_id, [
        _phone(client, name=phone, user=user, token=tokens[phone]) for phone, user in owners.items()
    ]


def _phone(client: TestClient, *, name: str, user: str, token: str) -> Phone:
    api = GatedApi(SyncClient(BASE_URL, token, transport=InProcessTransport(client)))
    store = WatchedStore.in_memory()
    assert isinstance(store, WatchedStore)
    store.watcher = api
    # Batches of two, so a pass often sends more than one request (the engine's pipeline runs).
    engine = SyncEngine(store, api, batch_size=2)
    return Phone(name=name, user=user, store=store, api=api, engine=engine)


@dataclass(frozen=True)
class ServerConflict:
    record_id: str
    version: int
    field: str
    kept: Any
    other: Any


@dataclass
class ServerTruth:
    records: dict[str, dict[str, Any]]  # record id -> data (live records only)
    conflicts: list[ServerConflict]


def server_truth(database: Database, team_id: str) -> ServerTruth:
    with database.read() as session:
        rows = session.execute(
            select(RecordRow.record_id, RecordRow.data, RecordRow.deleted).where(RecordRow.team_id == team_id)
        ).all()
        versions = session.execute(
            select(RecordRow.record_id, RecordVersion.version, RecordVersion.conflicts)
            .join(RecordVersion, RecordVersion.record_pk == RecordRow.pk)
            .where(RecordRow.team_id == team_id)
        ).all()
    records = {record_id: data for record_id, data, deleted in rows if not deleted and data is not None}
    conflicts = [
        ServerConflict(record_id, version, str(item.get("field")), item.get("kept"), item.get("other"))
        for record_id, version, items in versions
        for item in (items or [])
    ]
    return ServerTruth(records=records, conflicts=conflicts)


def phones_conflicts(phones: Iterator[Phone] | list[Phone]) -> set[tuple[str, str, Any]]:
    """(record id, field, losing value) for every conflict a phone shows its specialist."""
    found: set[tuple[str, str, Any]] = set()
    for phone in phones:
        for record in phone.store.needs_attention():
            for name, value in (record.sync.conflict or {}).items():
                found.add((str(record.data["id"]), name, value))
    return found
