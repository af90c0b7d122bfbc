"""Every network fault, injected between the real client and the real server on loopback.

Each test faults the first push of a backlog, checks that nothing was lost locally, then lets
the device sync to quiescence and checks the server holds every record exactly once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest

from sync.client import Offline, SyncError
from tests.sync.harness import Device, Fault, ServerProcess, Team, enroll_device
from tests.sync.records import employer, save, visit
from tests.sync.server_view import server_records

BACKLOG = 7
BATCH = 3  # several batches, so faults land in the middle of a backlog


class FirstPushFaults:
    """Injects `fault` on the first `times` push requests, then lets everything through."""

    def __init__(self, fault: Fault, times: int = 1) -> None:
        self.fault = fault
        self.left = times

    def __call__(self, request: httpx.Request) -> Fault | None:
        if request.url.path.endswith("/sync/push") and self.left > 0:
            self.left -= 1
            return self.fault
        return None


def fill_backlog(device: Device) -> list[str]:
    ids = []
    for n in range(BACKLOG):
        place = employer(f"Employer {n}")
        save(device.store, place)
        ids.append(place.id)
        if n % 2 == 0:
            contact = visit(place.id)
            save(device.store, contact)
            ids.append(contact.id)
    return ids


def sync_to_quiescence(device: Device, *, passes: int = 8) -> None:
    for _ in range(passes):  # bounded
        try:
            device.engine.sync_once()
        except Offline:
            continue
        if device.store.pending_count() == 0:
            return
    raise AssertionError(f"{device.name} still has {device.store.pending_count()} pending")


def assert_everything_arrived_once(device: Device, team: Team, ids: list[str]) -> None:
    held = server_records(team)
    assert sorted(held) == sorted(ids)  # no loss, nothing extra
    assert all(row["version"] == 1 and row["versions"] == 1 for row in held.values()), held  # no double apply
    for record_id, row in held.items():
        local = device.store.get(row["kind"], record_id)
        assert local is not None and local.sync.state == "synced"
        assert local.sync.server_version == row["version"]


@pytest.fixture
def make_device(server: ServerProcess, team: Team) -> Iterator:
    def make(fault: Fault, times: int = 1) -> Device:
        # A short timeout: the TIMEOUT fault waits it out for real.
        return enroll_device(
            server, team, "alice", plan=FirstPushFaults(fault, times), batch_size=BATCH, timeout=2.0
        )

    yield make


@pytest.mark.parametrize(
    "fault",
    [
        Fault.DROP_REQUEST,
        Fault.DROP_RESPONSE,
        Fault.TIMEOUT,
        Fault.HTTP_500,
        Fault.HTTP_502,
        Fault.HTTP_503,
    ],
)
def test_a_failed_push_loses_nothing_and_a_retry_duplicates_nothing(make_device, team: Team, fault: Fault):
    device = make_device(fault)
    ids = fill_backlog(device)

    with pytest.raises(Offline):
        device.engine.sync_once()
    assert device.store.pending_count() == len(ids)  # the faulted batch is still queued
    # These faults strike after the server committed: it already holds the batch it never answered.
    committed_first = fault in (Fault.DROP_RESPONSE, Fault.TIMEOUT, Fault.HTTP_502)
    assert len(server_records(team)) == (BATCH if committed_first else 0)

    sync_to_quiescence(device)
    assert device.transport.faults == [fault]
    assert_everything_arrived_once(device, team, ids)


def test_a_request_delivered_twice_is_applied_once(make_device, team: Team):
    device = make_device(Fault.DUPLICATE, times=2)
    ids = fill_backlog(device)
    device.engine.sync_once()
    assert device.transport.faults == [Fault.DUPLICATE, Fault.DUPLICATE]
    assert_everything_arrived_once(device, team, ids)


def test_a_server_restart_in_the_middle_of_a_push_loses_and_duplicates_nothing(make_device, team: Team):
    device = make_device(Fault.RESTART)
    ids = fill_backlog(device)
    # Whether the request beat the kill is a race; both outcomes must end the same way.
    with contextlib.suppress(SyncError):
        device.engine.sync_once()
    sync_to_quiescence(device)
    assert_everything_arrived_once(device, team, ids)


def test_a_fault_in_the_middle_of_a_backlog_resumes_where_it_stopped(server: ServerProcess, team: Team):
    pushes = {"n": 0}

    def fail_second_push(request: httpx.Request) -> Fault | None:
        if request.url.path.endswith("/sync/push"):
            pushes["n"] += 1
            if pushes["n"] == 2:
                return Fault.DROP_REQUEST
        return None

    device = enroll_device(server, team, "alice", plan=fail_second_push, batch_size=BATCH)
    ids = fill_backlog(device)
    with pytest.raises(Offline):
        device.engine.sync_once()
    assert device.store.pending_count() == len(ids) - BATCH  # the first batch is recorded as done
    sync_to_quiescence(device)
    assert_everything_arrived_once(device, team, ids)


def test_a_dropped_pull_answer_does_not_move_the_cursor(server: ServerProcess, team: Team):
    alice = enroll_device(server, team, "alice")
    place = employer()
    save(alice.store, place)
    alice.engine.sync_once()

    pulls = {"n": 0}

    def drop_first_pull(request: httpx.Request) -> Fault | None:
        if request.url.path.endswith("/sync/pull"):
            pulls["n"] += 1
            return Fault.DROP_RESPONSE if pulls["n"] == 1 else None
        return None

    bob = enroll_device(server, team, "bob", plan=drop_first_pull)
    with pytest.raises(Offline):
        bob.engine.sync_once()
    assert bob.store.cursor() is None
    assert bob.store.get("employer", place.id) is None
    bob.engine.sync_once()
    shared = bob.store.get("employer", place.id)
    assert shared is not None and shared.sync.state == "synced"
