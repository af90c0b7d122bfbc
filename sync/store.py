"""What the sync engine needs of the phone's store: its own seam, so sync imports no app.store.

app.store.LocalStore fits it structurally (mypy checks that where app/device_sync.py hands the
store to SyncEngine); the values passed across are app.domain.outbox's. The store must make each
of `record_outcomes` and `apply_remote` one durable write: the engine's durability order rests on
it (see sync.engine).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from app.domain.outbox import OutboxEntry, RemoteChange, SyncOutcome


class ServerVersion(Protocol):
    @property
    def server_version(self) -> int: ...


class QueuedRecord(Protocol):
    """A record as the store holds it: its data and what the server last confirmed."""

    @property
    def data(self) -> Mapping[str, Any]: ...
    @property
    def sync(self) -> ServerVersion: ...


class SyncStore(Protocol):
    def pending_count(self) -> int: ...
    def outbox(self, *, limit: int | None = None) -> Sequence[OutboxEntry]: ...
    def get(self, kind: str, record_id: str) -> QueuedRecord | None: ...
    def bump_attempts(self, op_ids: Sequence[str]) -> None: ...
    def record_outcomes(self, outcomes: Sequence[SyncOutcome]) -> None: ...
    def cursor(self) -> str | None: ...
    def apply_remote(self, changes: Sequence[RemoteChange], *, cursor: str) -> None: ...
