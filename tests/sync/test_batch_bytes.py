"""Push batches are bounded by their encoded size as well as by count (issue 13, item 3): the
real engine and client against the real API in its own process, on loopback."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import httpx
import pytest

from app.store import LocalStore, SyncOutcome
from server.db.database import Database
from server.settings import Settings
from sync.client import PayloadTooLarge, SyncClient
from sync.engine import MAX_BATCH_BYTES, SyncEngine
from sync.protocol import Operation, PullResponse, PushResponse
from tests.sync.harness import ServerProcess, Team, enroll_device
from tests.sync.records import employer, save, visit
from tests.sync.server_view import server_records

SERVER_LIMIT: int = Settings.model_fields["max_body_bytes"].default
NARROW_LIMIT = 64 * 1024  # a server (or a proxy) set far below the engine's own bound
# Greek and Japanese: every letter goes over the wire as a 6-byte \uXXXX escape (~5.3 bytes a
# character with the spaces), so 2,000 characters are ~10.5 KB.
WORDS = "Η διευθύντρια θα δει τον υποψήφιο την Τρίτη· ζητούν βοηθό αποθήκης. 面接は来週の火曜日です。"  # noqa: RUF001


def long_text(length: int = 2000) -> str:
    return (WORDS * (length // len(WORDS) + 1))[:length]


@dataclass
class Watching:
    """The real client, plus every batch it was given and the 413s it turned into PayloadTooLarge."""

    client: SyncClient
    batches: list[list[Operation]] = field(default_factory=list)
    refused: list[PayloadTooLarge] = field(default_factory=list)
    pushed: list[threading.Event] = field(default_factory=lambda: [threading.Event() for _ in range(9)])

    def push(self, operations: list[Operation]) -> PushResponse:
        self.batches.append(operations)
        self.pushed[len(self.batches) - 1].set()
        try:
            return self.client.push(operations)
        except PayloadTooLarge as exc:
            self.refused.append(exc)
            raise

    def pull(self, cursor: str | None, *, limit: int = 500) -> PullResponse:
        return self.client.pull(cursor, limit=limit)


@dataclass
class BodySizes:
    """A fault plan that injects nothing and notes each push body's size as the server reads it."""

    sizes: list[int] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> None:
        if request.url.path.endswith("/sync/push"):
            body = request.read()  # a streamed body (the engine's) is read here first
            self.sizes.append(len(gzip.decompress(body) if request.headers.get("content-encoding") else body))


@pytest.fixture(scope="module")
def narrow_server(database: Database) -> Iterator[ServerProcess]:
    process = ServerProcess(database.url, env={"FIELDWORK_MAX_BODY_BYTES": str(NARROW_LIMIT)})
    process.start()
    yield process
    process.kill()


def states(store: LocalStore, kind: str, ids: list[str]) -> list[str | None]:
    return [(stored.sync.state if (stored := store.get(kind, record_id)) else None) for record_id in ids]


def test_the_default_byte_bound_leaves_half_the_servers_body_limit_spare():
    assert MAX_BATCH_BYTES <= SERVER_LIMIT // 2


def test_499_visits_with_long_non_ascii_notes_and_a_record_saved_after_them_all_reach_the_server(
    server: ServerProcess, team: Team
):
    bodies = BodySizes()
    device = enroll_device(server, team, "alice", plan=bodies)
    bakery = employer("Boulangerie Müller")
    save(device.store, bakery)
    visits = [visit(bakery.id, outcome=long_text(), next_step=long_text()) for _ in range(499)]
    for each in visits:
        save(device.store, each)
    later = employer("Corner Shop")
    save(device.store, later)

    report = device.engine.sync_once()

    assert sum(bodies.sizes) > SERVER_LIMIT  # one 500-operation batch would have been refused
    assert max(bodies.sizes) <= MAX_BATCH_BYTES
    assert bodies.sizes[0] > MAX_BATCH_BYTES * 0.95  # batches are filled up to the bound
    assert report.pushed == 501 and report.rejected == 0
    assert device.store.pending_count() == 0
    assert set(states(device.store, "employer_visit", [v.id for v in visits])) == {"synced"}
    on_server = server_records(team)
    assert {v.id for v in visits} | {bakery.id, later.id} <= set(on_server)
    assert on_server[visits[-1].id]["data"]["outcome"] == long_text()


def test_batches_cut_short_by_bytes_still_go_one_ahead_and_the_pass_sends_the_whole_queue(
    server: ServerProcess, team: Team
):
    device = enroll_device(server, team, "alice")
    records = [employer(f"Employer {n}", notes=long_text()) for n in range(10)]  # ~10.8 KB each
    for record in records:
        save(device.store, record)
    watching = Watching(device.client)
    record_outcomes = device.store.record_outcomes
    went_ahead: list[bool] = []

    def record_after_the_next_push(outcomes: Sequence[SyncOutcome]) -> None:
        # A one-at-a-time engine would only send the next batch after this returns: the wait fails.
        if len(went_ahead) < 4:  # batches 1 to 4 each have a next batch
            went_ahead.append(watching.pushed[len(went_ahead) + 1].wait(timeout=10))
        record_outcomes(outcomes)

    device.store.record_outcomes = record_after_the_next_push  # type: ignore[method-assign]
    # Two records fit in 25,000 bytes, three do not: five batches, more than a count bound's rounds.
    SyncEngine(device.store, watching, max_batch_bytes=25_000).sync_once()

    assert [len(batch) for batch in watching.batches] == [2, 2, 2, 2, 2]
    assert went_ahead == [True, True, True, True]
    assert device.store.pending_count() == 0


def test_a_record_too_large_to_go_alone_is_rejected_on_the_phone_unsent_and_the_rest_sync(
    server: ServerProcess, team: Team
):
    bodies = BodySizes()
    device = enroll_device(server, team, "alice", plan=bodies)
    before, after = employer("Harbour Bakery"), employer("Corner Shop")
    huge_notes = "é" * 1_500_000  # slipped past the form somehow: ~9 MB on the wire
    huge = employer("Big Notes Ltd", notes=huge_notes)
    for record in (before, huge, after):
        save(device.store, record)

    report = device.engine.sync_once()

    stored = device.store.get("employer", huge.id)
    assert stored is not None and stored.sync.state == "rejected"
    assert stored.sync.reason is not None
    assert stored.sync.reason.startswith("This record is too large to send (8,")
    assert "KB; the limit is 4,096 KB). Shorten its notes and save it again." in stored.sync.reason
    assert stored.data["notes"] == huge_notes  # nothing the specialist typed is lost
    assert max(bodies.sizes) < 10_000  # never sent: the bodies carried the two small records only
    assert states(device.store, "employer", [before.id, after.id]) == ["synced", "synced"]
    assert report.rejected == 1 and device.store.pending_count() == 0
    assert huge.id not in server_records(team)


def test_a_batch_the_server_refuses_as_too_large_is_sent_again_in_halves(
    narrow_server: ServerProcess, team: Team
):
    device = enroll_device(narrow_server, team, "alice")
    refused_whole = [employer(f"Employer {n}", notes=long_text()) for n in range(8)]  # ~10.5 KB each
    for record in refused_whole:
        save(device.store, record)
    later = employer("Corner Shop")
    save(device.store, later)
    watching = Watching(device.client)

    # Eight to a batch: the ninth record is the next batch, built while the first is in flight.
    report = SyncEngine(device.store, watching, batch_size=8).sync_once()

    ids = [[operation.record_id for operation in batch] for batch in watching.batches]
    whole = [record.id for record in refused_whole]
    assert ids == [whole, whole[:4], whole[4:], [later.id]]  # the halves in queue order, then the rest
    assert len(watching.refused) == 1 and watching.refused[0].limit_bytes == NARROW_LIMIT
    assert report.rejected == 0 and device.store.pending_count() == 0
    assert set(states(device.store, "employer", [r.id for r in [*refused_whole, later]])) == {"synced"}


def test_one_record_the_server_refuses_even_alone_is_rejected_with_the_servers_limit_and_the_queue_goes_on(
    narrow_server: ServerProcess, team: Team
):
    device = enroll_device(narrow_server, team, "alice")
    before, after = employer("Harbour Bakery"), employer("Corner Shop")
    big = employer("Big Notes Ltd", notes="é" * 12_000)  # ~72 KB: under the engine's bound, over the server's
    for record in (before, big, after):
        save(device.store, record)
    watching = Watching(device.client)

    report = SyncEngine(device.store, watching).sync_once()

    # [before, big, after] refused; [before] goes; [big, after] refused; [big] refused; [after] goes.
    assert [[op.record_id for op in batch] for batch in watching.batches] == [
        [before.id, big.id, after.id],
        [before.id],
        [big.id, after.id],
        [big.id],
        [after.id],
    ]
    stored = device.store.get("employer", big.id)
    assert stored is not None and stored.sync.state == "rejected"
    assert stored.sync.reason == (
        "This record is too large to send (71 KB; the limit is 64 KB). Shorten its notes and save it again."
    )
    assert states(device.store, "employer", [before.id, after.id]) == ["synced", "synced"]
    assert report.rejected == 1 and report.requests == 5 + 1  # five pushes, one pull
    assert device.store.pending_count() == 0


def test_after_a_413_the_rest_of_the_pass_aims_at_the_servers_limit_instead_of_meeting_it_batch_by_batch(
    narrow_server: ServerProcess, team: Team
):
    device = enroll_device(narrow_server, team, "alice")
    records = [employer(f"Employer {n}", notes=long_text()) for n in range(20)]  # ~10.5 KB each
    for record in records:
        save(device.store, record)
    watching = Watching(device.client)

    report = SyncEngine(device.store, watching, batch_size=8).sync_once()

    # One refusal, then batches within half the stated 64 KiB limit (three records), never eight.
    assert len(watching.refused) == 1
    sizes = [len(batch) for batch in watching.batches]
    assert sizes[:3] == [8, 4, 4] and 2 <= max(sizes[3:]) <= 3, sizes
    assert [op.record_id for batch in watching.batches[1:] for op in batch] == [r.id for r in records]
    assert report.rejected == 0 and device.store.pending_count() == 0


def test_a_record_over_the_lowered_aim_but_under_the_servers_limit_still_goes_alone(
    narrow_server: ServerProcess, team: Team
):
    device = enroll_device(narrow_server, team, "alice")
    small = [employer(f"Employer {n}", notes=long_text()) for n in range(8)]
    # ~42 KB, each field within its cap: over the lowered aim of 32 KiB, under the server's 64 KiB.
    middle = employer(
        "Middle Notes Ltd",
        notes=long_text(),
        hiring_needs=long_text(),
        next_step=long_text(),
        contacts=[long_text(100) for _ in range(20)],
    )
    for record in [*small, middle]:
        save(device.store, record)
    watching = Watching(device.client)

    report = SyncEngine(device.store, watching, batch_size=8).sync_once()

    assert [[op.record_id for op in batch] for batch in watching.batches][-1] == [middle.id]
    assert states(device.store, "employer", [middle.id]) == ["synced"]
    assert report.rejected == 0 and device.store.pending_count() == 0
