"""The engine sends batch N+1 while it writes down the answer to batch N: against the real API.

Every interleaving these tests depend on is forced with events, never left to thread timing:
the engine tells the test when it has built a batch (``prepare_push``) and when it sends one
(``push``), and what the specialist does "during" a push happens at a chosen one of those points.
A wait on an event only bounds a failure: a correct engine sets the event without any delay.
"""

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
from tests.sync.server_view import server_records

FAILURE_S = 10.0  # how long a broken engine gets before the test calls it broken


def events(n: int = 12) -> list[threading.Event]:
    return [threading.Event() for _ in range(n)]


@dataclass
class Watching:
    """The real client, plus what the engine built and sent, each announced by an event."""

    client: SyncClient
    built: list[list[Operation]] = field(default_factory=list)
    batches: list[list[Operation]] = field(default_factory=list)
    was_built: list[threading.Event] = field(default_factory=events)  # [k]: batch k+1 was built
    was_sent: list[threading.Event] = field(default_factory=events)  # [k]: batch k+1 is being sent
    on_push: Callable[[int], object] = lambda number: None  # the specialist, during push `number`

    def prepare_push(self, operations: list[Operation]) -> None:
        self.client.prepare_push(operations)  # the same list: the client matches it by identity
        self.built.append(list(operations))
        self.was_built[len(self.built) - 1].set()

    def push(self, operations: list[Operation]) -> PushResponse:
        self.batches.append(list(operations))
        number = len(self.batches)
        self.was_sent[number - 1].set()
        self.on_push(number)  # before the request leaves: the server sees what was built
        return self.client.push(operations)

    def pull(self, cursor: str | None, *, limit: int = 500) -> PullResponse:
        return self.client.pull(cursor, limit=limit)

    def once_next_is_built(self, number: int, then: Callable[[], object]) -> None:
        """During push `number`: wait until the engine has built batch `number` + 1, then act."""
        assert self.was_built[number].wait(FAILURE_S), f"batch {number + 1} never built in flight"
        then()


def test_the_next_batch_goes_up_before_the_last_answer_is_written_down(server: ServerProcess, team: Team):
    device = enroll_device(server, team, "alice")
    for n in range(7):
        save(device.store, employer(f"Employer {n}"))
    watching = Watching(device.client)
    record_outcomes = device.store.record_outcomes
    recorded: list[int] = []

    def record_once_the_next_batch_is_sent(outcomes: Sequence[SyncOutcome]) -> None:
        # Calls the real record_outcomes, after holding answer N back until batch N+1 is being
        # sent. A one-at-a-time engine sends N+1 only after this returns: the wait fails.
        number = len(recorded) + 1
        if number < 3:  # batches 1 and 2 each have a next batch
            assert watching.was_sent[number].wait(FAILURE_S), f"batch {number + 1} waited for answer {number}"
        recorded.append(number)
        record_outcomes(outcomes)

    device.store.record_outcomes = record_once_the_next_batch_is_sent  # type: ignore[method-assign]
    report = SyncEngine(device.store, watching, batch_size=3).sync_once()

    assert [len(batch) for batch in watching.batches] == [3, 3, 1] and recorded == [1, 2, 3]
    assert report.pushed == 7 and device.store.pending_count() == 0


def test_the_next_batch_is_taken_up_by_the_sender_before_the_last_answer_is_written_down(
    server: ServerProcess, team: Team
):
    device = enroll_device(server, team, "alice")
    for n in range(7):
        save(device.store, employer(f"Employer {n}"))
    watching = Watching(device.client)
    record_outcomes = device.store.record_outcomes
    taken_up: list[bool] = []

    def record_and_look(outcomes: Sequence[SyncOutcome]) -> None:
        # No wait here, on purpose: the engine hands batch N+1 to its sender thread and waits
        # for that thread to take it up before writing answer N down. Otherwise this thread
        # keeps the interpreter's lock through the write, and the request leaves late.
        number = len(taken_up) + 1
        taken_up.append(number == 3 or watching.was_sent[number].is_set())
        record_outcomes(outcomes)

    device.store.record_outcomes = record_and_look  # type: ignore[method-assign]
    report = SyncEngine(device.store, watching, batch_size=3).sync_once()

    assert [len(batch) for batch in watching.batches] == [3, 3, 1] and taken_up == [True, True, True]
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
    edited = replace(bakery, notes="Ask for Sam", version=2)
    # The specialist edits the bakery while the batch carrying it is on its way to the server,
    # once the engine has built the batch that goes next.
    watching.on_push = lambda number: (
        number == 1 and watching.once_next_is_built(1, lambda: save(device.store, edited))
    )

    SyncEngine(device.store, watching, batch_size=2).sync_once()

    ids = [[op.record_id for op in batch] for batch in watching.batches]
    assert ids[0][0] == bakery.id and watching.batches[0][0].base_version == 0
    assert bakery.id not in ids[1]  # held back while the first batch was in flight...
    later = [op for batch in watching.batches[2:] for op in batch if op.record_id == bakery.id]
    # ...then sent after the answer, still on its own base: the phone did not get the merged copy
    # with that answer, so the server reads the edit against what this device sent before.
    assert len(later) == 1 and later[0].base_version == 0
    assert (later[0].data or {})["notes"] == "Ask for Sam"
    stored = device.store.get("employer", bakery.id)
    assert stored is not None and stored.sync.state == "synced" and stored.sync.server_version == 2
    assert stored.data["notes"] == "Ask for Sam"
    assert server_records(team)[bakery.id]["data"]["notes"] == "Ask for Sam"
    assert not server_records(team)[bakery.id]["flagged"]  # its own earlier op is no conflict
    assert device.store.pending_count() == 0


def test_a_queue_that_grows_during_the_pass_ends_the_pass_with_every_sent_batch_written_down(
    server: ServerProcess, team: Team
):
    device = enroll_device(server, team, "alice")
    starting = [employer(f"Employer {n}") for n in range(4)]
    for record in starting:
        save(device.store, record)
    during = [employer(f"Saved during sync {number}") for number in range(1, 6)]
    rounds = 4 // 2 + 3  # the engine's bound for this queue: rounds for the starting queue + 3

    def specialist_saves(number: int) -> None:
        # One new record per request, saved once the engine has built the batch after this one
        # (the last round builds none), so it can go at the earliest in the batch after that.
        if number < rounds:
            watching.once_next_is_built(number, lambda: save(device.store, during[number - 1]))
        else:
            save(device.store, during[number - 1])

    watching = Watching(device.client, on_push=specialist_saves)
    SyncEngine(device.store, watching, batch_size=2).sync_once()  # ends though the queue never empties

    expected = [[starting[0], starting[1]], [starting[2], starting[3]], [during[0]], [during[1]], [during[2]]]
    assert [[op.record_id for op in batch] for batch in watching.batches] == [
        [record.id for record in batch] for batch in expected
    ]
    for batch in expected:
        for record in batch:
            stored = device.store.get("employer", record.id)
            assert stored is not None and stored.sync.state == "synced", record.name
    assert [entry.record_id for entry in device.store.outbox()] == [during[3].id, during[4].id]
