"""One sync pass: push the outbox in batches, then pull after the stored cursor and apply.

Durability order is the point of this module. An outbox entry leaves the queue, and the cursor
moves, only in the same local durable write that records what the server said (the store's
`record_outcomes` and `apply_remote`). A checkpoint written before the data is how PouchDB lost
changes (pouchdb #1240); a crash here at any moment at worst repeats a request, and the server's
per-operation ids make a repeat harmless.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from app.store import LocalStore, OutboxEntry, RemoteChange, SyncOutcome
from sync.errors import SyncError
from sync.protocol import (
    MAX_BATCH_OPERATIONS,
    Operation,
    OperationResult,
    PullResponse,
    PushResponse,
)


class SyncApi(Protocol):
    def push(self, operations: list[Operation]) -> PushResponse: ...
    def pull(self, cursor: str | None, *, limit: int = ...) -> PullResponse: ...


@runtime_checkable
class PreparesPush(Protocol):
    """An API that can encode a push body ahead of sending it (SyncClient does)."""

    def prepare_push(self, operations: list[Operation]) -> None: ...


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    phase: str  # "push" or "pull"


@dataclass
class SyncReport:
    pushed: int = 0
    rejected: int = 0
    conflicts: int = 0
    pulled: int = 0
    requests: int = 0


class SyncEngine:
    def __init__(
        self,
        store: LocalStore,
        api: SyncApi,
        *,
        batch_size: int = MAX_BATCH_OPERATIONS,
        pull_limit: int = 500,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self._store = store
        self._api = api
        self._batch_size = min(batch_size, MAX_BATCH_OPERATIONS)
        self._pull_limit = pull_limit
        self._on_progress = on_progress or (lambda progress: None)

    def sync_once(self) -> SyncReport:
        """Push everything queued, then pull everything new. Raises SyncError when cut off;
        whatever completed before that is already durable, so the next pass resumes from there."""
        report = SyncReport()
        self.push_outbox(report)
        self.pull_changes(report)
        return report

    def push_outbox(self, report: SyncReport) -> None:
        """Push the queue in batches, one request ahead. While the server applies batch N, this
        device builds batch N+1; as soon as N's answer arrives, N+1 goes up, and N's answer is
        written down while the server works on N+1 (two processes, so the work overlaps). A batch
        leaves out the records of the batch in flight, whose server versions are about to change,
        so every operation is built on the base it would have had one batch at a time."""
        total = self._store.pending_count()
        stopping = False
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fieldwork-push") as sender:
            first = self._next_batch(busy=frozenset())
            in_flight = (first, sender.submit(self._api.push, first)) if first else None
            # Bounded: each round takes one batch off the queue, or stops. Saves made during the
            # pass may outgrow the bound: the last round sends nothing new, so every batch sent
            # has its answer written down, and the rest waits for the next pass.
            rounds = total // self._batch_size + 3
            for round_number in range(1, rounds + 1):
                if in_flight is None:
                    return
                batch, answer = in_flight
                busy = frozenset(operation.record_id for operation in batch)
                last = stopping or round_number == rounds
                upcoming = None if last else self._next_batch(busy=busy)
                try:
                    response = answer.result()
                except SyncError:
                    self._store.bump_attempts([operation.op_id for operation in batch])
                    raise
                report.requests += 1
                in_flight = (upcoming, sender.submit(self._api.push, upcoming)) if upcoming else None
                if not self._record(batch, response, report, total=total):
                    stopping = True  # the server skipped some: they stay queued for the next pass

    def _next_batch(self, *, busy: frozenset[str]) -> list[Operation]:
        # At most one batch is in flight, so twice a batch always leaves a full one after `busy`.
        entries = self._store.outbox(limit=2 * self._batch_size)
        ready = [entry for entry in entries if entry.record_id not in busy][: self._batch_size]
        batch = [self._operation(entry) for entry in ready]
        if batch and isinstance(self._api, PreparesPush):
            self._api.prepare_push(batch)  # here, while the server works on the batch in flight
        return batch

    def _record(
        self, batch: list[Operation], response: PushResponse, report: SyncReport, *, total: int
    ) -> bool:
        """Write the server's answers down durably; False when it did not answer every operation."""
        sent = {operation.op_id: operation for operation in batch}
        outcomes = [
            _outcome(result, sent[result.op_id]) for result in response.results if result.op_id in sent
        ]
        self._store.record_outcomes(outcomes)
        report.pushed += len(outcomes)
        report.rejected += sum(1 for outcome in outcomes if outcome.state == "rejected")
        report.conflicts += sum(1 for outcome in outcomes if outcome.state == "conflict")
        self._on_progress(Progress(done=report.pushed, total=total, phase="push"))
        return len(outcomes) == len(batch)

    def pull_changes(self, report: SyncReport) -> None:
        cursor = self._store.cursor()
        # A page is at most pull_limit changes; 10k pages is far beyond any real team's backlog.
        for _ in range(10_000):
            page = self._api.pull(cursor, limit=self._pull_limit)
            report.requests += 1
            changes = [_remote_change(change) for change in page.changes]
            self._store.apply_remote(changes, cursor=page.next_cursor)
            report.pulled += len(changes)
            self._on_progress(Progress(done=report.pulled, total=report.pulled, phase="pull"))
            cursor = page.next_cursor
            if not page.has_more:
                return

    def _operation(self, entry: OutboxEntry) -> Operation:
        stored = self._store.get(entry.kind, entry.record_id)
        base_version = stored.sync.server_version if stored else 0
        if entry.deleted or stored is None:
            return Operation(
                op_id=entry.op_id,
                kind=entry.kind,  # type: ignore[arg-type]
                record_id=entry.record_id,
                base_version=base_version,
                delete=True,
            )
        return Operation(
            op_id=entry.op_id,
            kind=entry.kind,  # type: ignore[arg-type]
            record_id=entry.record_id,
            base_version=base_version,
            data=dict(stored.data),
        )


def _outcome(result: OperationResult, sent: Operation) -> SyncOutcome:
    common: dict[str, Any] = {
        "op_id": result.op_id,
        "kind": result.kind,
        "record_id": result.record_id,
        "server_version": result.version,
    }
    if result.status in ("applied", "already_applied"):
        # Rewriting a record the server kept exactly as sent would only cost a durable write.
        merged = None if result.data == sent.data else result.data
        return SyncOutcome(state="synced", server_data=merged, **common)
    if result.status == "conflict":
        fields = ", ".join(conflict.field for conflict in result.conflicts) or "some fields"
        return SyncOutcome(
            state="conflict",
            reason=f"Also changed on the server; the server's {fields} was kept. Check and edit if needed.",
            server_data=result.data,
            conflicts=[dataclasses.asdict(conflict) for conflict in result.conflicts],
            **common,
        )
    return SyncOutcome(
        state="rejected",
        reason=result.message or "The server did not accept this record.",
        field_errors=dict(result.errors),
        **common,
    )


def _remote_change(change: Any) -> RemoteChange:
    return RemoteChange(
        kind=change.kind,
        record_id=change.record_id,
        server_version=change.version,
        data=change.data,
        review=dataclasses.asdict(change.review) if change.review is not None else None,
    )
