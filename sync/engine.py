"""One sync pass: push the outbox in batches, then pull after the stored cursor and apply.

Durability order is the point of this module. An outbox entry leaves the queue, and the cursor
moves, only in the same local durable write that records what the server said (the store's
`record_outcomes` and `apply_remote`). A checkpoint written before the data is how PouchDB lost
changes (pouchdb #1240); a crash here at any moment at worst repeats a request, and the server's
per-operation ids make a repeat harmless.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from app.domain.outbox import OutboxEntry, RemoteChange, SyncOutcome, conflict_reason
from sync.errors import PayloadTooLarge, SyncError
from sync.protocol import (
    MAX_BATCH_OPERATIONS,
    Operation,
    OperationResult,
    PullResponse,
    PushRequest,
    PushResponse,
)
from sync.replies import KeepsReplies, SendsReplies, send_waiting_replies
from sync.store import QueuedRecord, SyncStore
from sync.wire import operation_json, push_request_body

# The API refuses bodies over 8 MiB (server.settings.Settings.max_body_bytes), measured after gzip
# is undone, so on exactly the JSON built here. Half of it leaves room for a server or a proxy set
# a little lower, and is still a few hundred full-length visits per request.
MAX_BATCH_BYTES = 4 * 1024 * 1024
_EMPTY_BODY_BYTES = len(push_request_body(PushRequest(operations=[])))
_MIN_BATCH_BYTES = 16 * 1024  # a lowered aim never goes below this; one record always goes alone
HANDOFF_WAIT_S = 1.0  # how long the engine waits for its idle sender thread to take a batch up
SENT_WAIT_S = 0.25  # and, when the API can tell, for the request to have gone out


class SyncApi(Protocol):
    def push(self, operations: list[Operation]) -> PushResponse: ...
    def pull(self, cursor: str | None, *, limit: int = ...) -> PullResponse: ...


@runtime_checkable
class PreparesPush(Protocol):
    """An API that can encode a push body ahead of sending it (SyncClient does)."""

    def prepare_push(self, operations: list[Operation]) -> None: ...


@runtime_checkable
class PreparesEncodedPush(Protocol):
    """An API that can build a push body from operations the engine has encoded already, each
    with sync.wire.operation_json (SyncClient does): the engine encodes each one once, to count
    the batch's bytes, and the body reuses those bytes."""

    def prepare_encoded_push(self, operations: list[Operation], encoded: list[bytes]) -> None: ...


@runtime_checkable
class SignalsSent(Protocol):
    """An API whose push can say when its request has gone out (SyncClient's can)."""

    def push_noting_sent(self, operations: list[Operation], sent: threading.Event) -> PushResponse: ...


@runtime_checkable
class ReadsMany(Protocol):
    """A store that reads many records at once, each as `get` would (LocalStore does)."""

    def get_many(self, keys: Sequence[tuple[str, str]]) -> Sequence[QueuedRecord | None]: ...


@runtime_checkable
class DefersCompaction(Protocol):
    """A store whose housekeeping can wait for the end of a pass (LocalStore's can)."""

    def compaction_deferred(self) -> AbstractContextManager[None]: ...


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
    code_format: str | None = None  # the team's job-seeker code format, as the last pull said


class SyncEngine:
    def __init__(
        self,
        store: SyncStore,
        api: SyncApi,
        *,
        batch_size: int = MAX_BATCH_OPERATIONS,
        max_batch_bytes: int = MAX_BATCH_BYTES,
        pull_limit: int = 500,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self._store = store
        self._api = api
        self._batch_size = min(batch_size, MAX_BATCH_OPERATIONS)
        self._max_batch_bytes = max_batch_bytes  # a record over it is rejected on the phone
        # What a batch aims for: lowered by a 413 (a server or a proxy with a smaller body limit),
        # so the rest of the pass, and later passes, do not meet the same refusal batch by batch.
        self._batch_bytes = max_batch_bytes
        self._pull_limit = pull_limit
        self._on_progress = on_progress or (lambda progress: None)

    def sync_once(self) -> SyncReport:
        """Push everything queued, then pull everything new. Raises SyncError when cut off;
        whatever completed before that is already durable, so the next pass resumes from there."""
        report = SyncReport()
        # The store's housekeeping (LocalStore folds its journal into a snapshot) waits while
        # batches are written down one after another; each write is durable as ever. The one held
        # back runs while the last batch is on the air, when this device has nothing else to do,
        # rather than after the pull (on a pass that stops early, at its end).
        with ExitStack() as deferral:
            if isinstance(self._store, DefersCompaction):
                deferral.enter_context(self._store.compaction_deferred())
            self.push_outbox(report, while_last_in_flight=deferral.close)
            if isinstance(self._store, KeepsReplies) and isinstance(self._api, SendsReplies):
                report.requests += send_waiting_replies(self._store, self._api)  # their records are up
            self.pull_changes(report)
        return report

    def push_outbox(
        self, report: SyncReport, *, while_last_in_flight: Callable[[], object] = lambda: None
    ) -> None:
        """Push the queue in batches, one request ahead. While the server applies batch N, this
        device builds batch N+1; as soon as N's answer arrives, N+1 goes up, and N's answer is
        written down while the server works on N+1 (two processes, so the work overlaps). A batch
        leaves out the records of the batch in flight, whose server versions are about to change,
        so every operation is built on the base it would have had one batch at a time.

        A batch is bounded by its encoded size as well as by count. A record too large to go even
        alone is rejected on the phone, never sent. A batch the server still refuses as too large
        (413) is sent again in halves before the next one goes up (see _send_in_halves).
        `while_last_in_flight` runs once no batch is left to build and the last one is on the air."""
        total = self._store.pending_count()
        stopping = False
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fieldwork-push") as sender:
            first, _ = self._next_batch(busy=frozenset(), report=report, total=total)
            in_flight = (first, self._send(sender, first)) if first else None
            # Bounded: each round takes one batch off the queue, or stops. Saves made during the
            # pass may outgrow the bound: the last round sends nothing new, so every batch sent
            # has its answer written down, and the rest waits for the next pass. A batch cut short
            # by bytes earns one more round, up to one round per queued record.
            rounds = total // self._batch_size + 3
            for round_number in range(1, total + 4):
                if in_flight is None:
                    return
                batch, answer = in_flight
                busy = frozenset(operation.record_id for operation in batch)
                last = stopping or round_number >= rounds
                upcoming, cut = (
                    ([], False) if last else self._next_batch(busy=busy, report=report, total=total)
                )
                rounds = min(rounds + 1, total + 3) if cut else rounds
                if not upcoming:
                    while_last_in_flight()
                try:
                    response: PushResponse | None = answer.result()
                except PayloadTooLarge as refused:
                    response = None
                    report.requests += 1
                    self._lower_batch_bytes(batch, refused)
                    complete = self._send_in_halves(batch, refused, report, total=total)
                    if upcoming and _body_bytes(upcoming) > self._batch_bytes:
                        # Built before the refusal: nothing is in flight, so build it again smaller.
                        upcoming, recut = self._next_batch(busy=frozenset(), report=report, total=total)
                        rounds = min(rounds + 1, total + 3) if recut else rounds
                except SyncError:
                    self._store.bump_attempts([operation.op_id for operation in batch])
                    raise
                in_flight = (upcoming, self._send(sender, upcoming)) if upcoming else None
                if response is not None:
                    report.requests += 1
                    complete = self._record(batch, response, report, total=total)
                if not complete:
                    stopping = True  # the server skipped some: they stay queued for the next pass

    def _send(self, sender: ThreadPoolExecutor, batch: list[Operation]) -> Future[PushResponse]:
        """Hand `batch` to the sender thread, and wait until that thread is running it, or better,
        until the request has gone out: this thread goes on to CPU work (writing answers down,
        building the next batch) and would otherwise keep the interpreter's lock for a whole
        switch interval each time the sender needs it back (between a request's headers and its
        body, say) before the request has even left."""
        started = threading.Event()
        sent = threading.Event()
        api = self._api

        def push() -> PushResponse:
            started.set()
            try:
                if isinstance(api, SignalsSent):
                    return api.push_noting_sent(batch, sent)
                return api.push(batch)
            finally:
                sent.set()  # whatever happened, nothing is left to send

        answer = sender.submit(push)
        started.wait(HANDOFF_WAIT_S)  # bounded: the sender is idle here, so it starts at once
        if isinstance(api, SignalsSent):
            sent.wait(SENT_WAIT_S)  # bounded: on a slow uplink this thread goes on meanwhile
        return answer

    def _next_batch(
        self, *, busy: frozenset[str], report: SyncReport, total: int
    ) -> tuple[list[Operation], bool]:
        """The oldest queued operations not in flight, in queue order, within the count and byte
        bounds; and whether the byte bound cut the batch short."""
        batch: list[Operation] = []
        encoded_batch: list[bytes] = []  # each operation's bytes in the body, encoded once
        size = _EMPTY_BODY_BYTES  # a body is the empty one plus each operation and a comma between
        too_large: list[Operation] = []
        cut = False
        # At most one batch is in flight, so twice a batch always leaves a full one after `busy`.
        queued = self._store.outbox(limit=2 * self._batch_size)
        entries = [entry for entry in queued if entry.record_id not in busy][: self._batch_size]
        for entry, stored in zip(entries, self._queued_records(entries), strict=True):
            operation = _operation(entry, stored)
            encoded = operation_json(operation)
            needed = len(encoded) + (1 if batch else 0)
            if _EMPTY_BODY_BYTES + len(encoded) > self._max_batch_bytes:
                too_large.append(operation)  # it cannot go in any batch
            elif batch and size + needed > self._batch_bytes:
                cut = True
                break
            else:
                batch.append(operation)
                encoded_batch.append(encoded)
                size += needed
        if too_large:
            self._reject_too_large(too_large, report, total=total, limit_bytes=self._max_batch_bytes)
        # Here, while the server works on the batch in flight.
        if batch and isinstance(self._api, PreparesEncodedPush):
            self._api.prepare_encoded_push(batch, encoded_batch)
        elif batch and isinstance(self._api, PreparesPush):
            self._api.prepare_push(batch)
        return batch, cut

    def _lower_batch_bytes(self, batch: list[Operation], refused: PayloadTooLarge) -> None:
        """Aim later batches at half the server's stated body limit (the default bound's own
        margin), or at half the refused batch when it did not say; never below one record."""
        target = refused.limit_bytes if refused.limit_bytes else _body_bytes(batch)
        self._batch_bytes = min(self._batch_bytes, max(target // 2, _MIN_BATCH_BYTES))

    def _send_in_halves(
        self, batch: list[Operation], refused: PayloadTooLarge, report: SyncReport, *, total: int
    ) -> bool:
        """A batch the server refused as too large (413) goes again as two halves, older first,
        with nothing else in flight; one operation refused alone is rejected on the phone with the
        reason, and the queue goes on. Bounded: each level halves, so at most 2n - 2 requests.
        False when the server did not answer every operation of some half (those stay queued)."""
        if len(batch) == 1:
            self._reject_too_large(batch, report, total=total, limit_bytes=refused.limit_bytes)
            return True
        middle = len(batch) // 2
        return all([self._send_alone(half, report, total=total) for half in (batch[:middle], batch[middle:])])

    def _send_alone(self, part: list[Operation], report: SyncReport, *, total: int) -> bool:
        try:
            response = self._api.push(part)
        except PayloadTooLarge as refused:
            report.requests += 1
            return self._send_in_halves(part, refused, report, total=total)
        except SyncError:
            self._store.bump_attempts([operation.op_id for operation in part])
            raise
        report.requests += 1
        return self._record(part, response, report, total=total)

    def _reject_too_large(
        self, operations: list[Operation], report: SyncReport, *, total: int, limit_bytes: int | None
    ) -> None:
        """Write down, durably, that these records cannot be sent as they are: the specialist sees
        why and what to do, and the queue goes on without them."""
        self._write_down(
            [_too_large(operation, limit_bytes) for operation in operations], report, total=total
        )

    def _record(
        self, batch: list[Operation], response: PushResponse, report: SyncReport, *, total: int
    ) -> bool:
        """Write the server's answers down durably; False when it did not answer every operation."""
        sent = {operation.op_id: operation for operation in batch}
        outcomes = [
            _outcome(result, sent[result.op_id]) for result in response.results if result.op_id in sent
        ]
        self._write_down(outcomes, report, total=total)
        return len(outcomes) == len(batch)

    def _write_down(self, outcomes: list[SyncOutcome], report: SyncReport, *, total: int) -> None:
        self._store.record_outcomes(outcomes)
        report.pushed += len(outcomes)
        report.rejected += sum(1 for outcome in outcomes if outcome.state == "rejected")
        report.conflicts += sum(1 for outcome in outcomes if outcome.state == "conflict")
        self._on_progress(Progress(done=report.pushed, total=total, phase="push"))

    def pull_changes(self, report: SyncReport) -> None:
        cursor = self._store.cursor()
        # A page is at most pull_limit changes; 10k pages is far beyond any real team's backlog.
        for _ in range(10_000):
            page = self._api.pull(cursor, limit=self._pull_limit)
            report.requests += 1
            changes = [_remote_change(change) for change in page.changes]
            self._store.apply_remote(changes, cursor=page.next_cursor)
            report.code_format = page.code_format or report.code_format
            report.pulled += len(changes)
            self._on_progress(Progress(done=report.pulled, total=report.pulled, phase="pull"))
            cursor = page.next_cursor
            if not page.has_more:
                return

    def _queued_records(self, entries: list[OutboxEntry]) -> list[QueuedRecord | None]:
        """The stored record of each entry: in one read when the store can (LocalStore can)."""
        if isinstance(self._store, ReadsMany):
            return list(self._store.get_many([(entry.kind, entry.record_id) for entry in entries]))
        return [self._store.get(entry.kind, entry.record_id) for entry in entries]


def _operation(entry: OutboxEntry, stored: QueuedRecord | None) -> Operation:
    """The operation that sends a queued entry, built on the stored record's server version."""
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
        return SyncOutcome(
            state="conflict",
            reason=conflict_reason([conflict.field for conflict in result.conflicts]),
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


def _body_bytes(operations: list[Operation]) -> int:
    """The push body's size for these operations, as _next_batch counts it."""
    return _EMPTY_BODY_BYTES + sum(_encoded_bytes(operation) + 1 for operation in operations) - 1


def _encoded_bytes(operation: Operation) -> int:
    """The bytes one operation adds to a push body, encoded exactly as the client encodes it."""
    return len(operation_json(operation))


def _too_large(operation: Operation, limit_bytes: int | None) -> SyncOutcome:
    """A rejection written on the phone, for a record that cannot go even alone."""
    body_bytes = _EMPTY_BODY_BYTES + _encoded_bytes(operation)  # its push body, sent alone
    limit = f"the limit is {_kb(limit_bytes)} KB" if limit_bytes else "more than the server accepts"
    return SyncOutcome(
        op_id=operation.op_id,
        kind=operation.kind,
        record_id=operation.record_id,
        state="rejected",
        reason=f"This record is too large to send ({_kb(body_bytes)} KB; {limit}). "
        "Shorten its notes and save it again.",
    )


def _kb(size: int) -> str:
    return f"{-(-size // 1024):,}"  # rounded up: a record just over the limit never reads as equal


def _remote_change(change: Any) -> RemoteChange:
    return RemoteChange(
        kind=change.kind,
        record_id=change.record_id,
        server_version=change.version,
        data=change.data,
        review=dataclasses.asdict(change.review) if change.review is not None else None,
    )
