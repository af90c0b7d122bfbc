"""The engine sends batch N+1 while it writes down the answer to batch N: against the real API."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from app.store import SyncOutcome
from sync.client import SyncClient
from sync.engine import SyncEngine
from sync.protocol import Operation, PullResponse, PushResponse
from tests.sync.harness import ServerProcess, Team, enroll_device
from tests.sync.records import employer, save


@dataclass
class Watching:
    """The real client, plus the batches it was given."""

    client: SyncClient
    batches: list[list[Operation]] = field(default_factory=list)
    pushed: list[threading.Event] = field(default_factory=lambda: [threading.Event() for _ in range(9)])
    on_push: Callable[[int], object] = lambda number: None  # what the specialist does meanwhile

    def push(self, operations: list[Operation]) -> PushResponse:
        self.batches.append(operations)
        self.pushed[len(self.batches) - 1].set()
        self.on_push(len(self.batches))
        return self.client.push(operations)

    def pull(self, cursor: str | None, *, limit: int = 500) -> PullResponse:
        return self.client.pull(cursor, limit=limit)


def test_the_next_batch_goes_up_before_the_last_answer_is_written_down(server: ServerProcess, team: Team):
    device = enroll_device(server, team, "alice")
    for n in range(7):
        save(device.store, employer(f"Employer {n}"))
    watching = Watching(device.client)
    record_outcomes = device.store.record_outcomes
    sent_first: list[bool] = []

    def record_after_the_next_push(outcomes: Sequence[SyncOutcome]) -> None:
        # A one-at-a-time engine would only send batch 2 after this returns: the wait would time out.
        if len(sent_first) < 2:  # batches 1 and 2 each have a next batch
            sent_first.append(watching.pushed[len(sent_first) + 1].wait(timeout=10))
        record_outcomes(outcomes)

    device.store.record_outcomes = record_after_the_next_push  # type: ignore[method-assign]
    report = SyncEngine(device.store, watching, batch_size=3).sync_once()

    assert [len(batch) for batch in watching.batches] == [3, 3, 1]
    assert sent_first == [True, True]
    assert report.pushed == 7 and device.store.pending_count() == 0


def test_an_edit_made_while_its_record_is_in_flight_waits_for_the_servers_answer(
    server: ServerProcess, team: Team
):
    device = enroll_device(server, team, "alice")
    bakery = employer("Harbour Bakery")
    save(device.store, bakery)
    for n in range(4):
        save(device.store, employer(f"Employer {n}"))
    watching = Watching(device.client)
    # The specialist edits the bakery while the batch carrying it is on its way to the server.
    watching.on_push = lambda number: number == 1 and save(
        device.store, replace(bakery, notes="Ask for Sam", version=2)
    )

    SyncEngine(device.store, watching, batch_size=2).sync_once()

    carrying = [[op for op in batch if op.record_id == bakery.id] for batch in watching.batches]
    first, *later = [ops for ops in carrying if ops]
    assert watching.batches[0][0].record_id == bakery.id and first[0].base_version == 0
    # Not in the batch sent while the first was in flight, and then on the base the server gave.
    assert not carrying[1]
    assert len(later) == 1 and later[0][0].base_version == 1
    assert (later[0][0].data or {})["notes"] == "Ask for Sam"
    stored = device.store.get("employer", bakery.id)
    assert stored is not None and stored.sync.state == "synced" and stored.sync.server_version == 2
    assert device.store.pending_count() == 0


def test_a_queue_that_grows_during_the_pass_ends_the_pass_with_every_sent_batch_written_down(
    server: ServerProcess, team: Team
):
    device = enroll_device(server, team, "alice")
    for n in range(4):
        save(device.store, employer(f"Employer {n}"))
    # The specialist keeps saving while the phone syncs: one new record per request.
    watching = Watching(
        device.client, on_push=lambda number: save(device.store, employer(f"Saved during sync {number}"))
    )

    SyncEngine(device.store, watching, batch_size=2).sync_once()  # ends though the queue never empties

    sent = [operation for batch in watching.batches for operation in batch]
    assert len(watching.batches) == 4 // 2 + 3  # the bound: rounds for the starting queue + 3
    for operation in sent:
        stored = device.store.get("employer", operation.record_id)
        assert stored is not None and stored.sync.state == "synced", operation.record_id
    assert device.store.pending_count() == len(watching.batches) + 4 - len(sent)
