"""Sync resumes on its own soon after an outage: while the API cannot be reached the runner probes
its health on a short cap and syncs the moment a probe answers (issue 17, item 3).

Real API process (stopped and started), real client, engine and store. Time during the outage
passes on a fake clock through the runner's injected waiter, so a 6-minute outage takes about a
server start of wall time; the real seconds each pass takes are added to the figure measured.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.clock import FakeClock
from sync.backoff import Backoff
from sync.runner import PROBE_CAP_S, SERVER_TROUBLE, SyncRunner
from tests.sync import records
from tests.sync.harness import Device, Fault, ServerProcess, Team, enroll_device
from tests.sync.server_view import server_records

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
OUTAGE_S = 360.0  # the walk's 6-minute outage
TARGET_S = 35.0  # records on the server within this of the API coming back
BOUND_S = 60.0  # an upper bound on a hang (a server start included), never a timing assertion

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def worst_case(_low: float, high: float) -> float:
    """Full jitter drawn at its ceiling: every wait as long as the runner allows."""
    return high


class Outage:
    """The runner's scheduler: before the outage it waits for real wake-ups; during it, each wait
    passes at once on the fake clock, and the API is started again when 6 minutes have passed."""

    def __init__(self, server: ServerProcess, clock: FakeClock, delivered: Callable[[], bool]) -> None:
        self.server, self.clock, self.delivered = server, clock, delivered
        self.down_at: datetime | None = None
        self.back_at: datetime | None = None  # the fake instant the API answered again
        self.back_wall: float | None = None  # time.monotonic() once it was up
        self.waits: list[float] = []
        self.done = asyncio.Event()
        self.runner: SyncRunner | None = None

    async def wait(self, wake: asyncio.Event, delay: float) -> None:
        if self.down_at is None:
            await wake.wait()  # before the outage: only a save wakes the runner
            return
        if self.back_at is not None and self.delivered():
            assert self.runner is not None
            self.runner.stop()
            self.done.set()
            return
        self.waits.append(delay)
        start = self.clock.now()
        self.clock.advance(seconds=delay)
        comeback = self.down_at + timedelta(seconds=OUTAGE_S)
        if self.back_at is None and self.clock.now() >= comeback:
            await asyncio.to_thread(self.server.start)
            self.back_at, self.back_wall = max(start, comeback), time.monotonic()


async def test_records_reach_the_server_within_35_s_of_the_api_coming_back(
    server: ServerProcess, team: Team
) -> None:
    device = enroll_device(server, team, "alice")
    clock = FakeClock(T0)
    saved: list[str] = []

    def delivered() -> bool:
        return device.store.pending_count() == 0 and set(saved) <= set(server_records(team))

    outage = Outage(server, clock, delivered)
    runner = _runner(device, clock, backoff=Backoff(draw=worst_case), wait=outage.wait)
    outage.runner = runner
    task = asyncio.get_running_loop().create_task(runner.run())
    try:
        await _until(lambda: runner.status.online is True)  # synced once before the outage
        server.kill()
        outage.down_at = clock.now()
        saved.append(records.save(device.store, records.employer("Outage Café")).data["id"])
        runner.after_save()
        await asyncio.wait_for(outage.done.wait(), BOUND_S)
        await asyncio.wait_for(task, BOUND_S)
    finally:
        runner.stop()
        if not _answers(device):  # leave the module's server running for the next test
            server.start()
    assert outage.back_at is not None and outage.back_wall is not None
    fake_s = (clock.now() - outage.back_at).total_seconds()
    wall_s = time.monotonic() - outage.back_wall
    print(f"outage waits {outage.waits}; after the API returned: {fake_s:.1f} s + {wall_s:.2f} s of passes")
    assert all(wait <= PROBE_CAP_S for wait in outage.waits)
    assert fake_s + wall_s <= TARGET_S
    assert runner.status.online is True and runner.status.last_success_at == clock.now()


async def test_a_server_error_keeps_the_long_backoff(server: ServerProcess, team: Team) -> None:
    """The API answers its health check but fails every push with a 500: the runner does not
    retry on the probe's short cap, it backs off past it."""
    device = enroll_device(server, team, "bob", plan=_fail_pushes)
    records.save(device.store, records.employer("Failing Bakery"))
    delays: list[float] = []

    async def count(_wake: asyncio.Event, delay: float) -> None:
        delays.append(delay)

    runner = _runner(device, FakeClock(T0), backoff=Backoff(draw=worst_case), wait=count)
    await asyncio.wait_for(runner.run(max_passes=7), BOUND_S)
    assert Fault.HTTP_500 in device.transport.faults
    assert runner.status.online is False and runner.status.problem == SERVER_TROUBLE
    assert max(delays) > PROBE_CAP_S  # 2, 2, 4, 8, 16, 32: the long backoff, not the probe's cap
    assert device.store.pending_count() == 1


async def test_a_connectivity_change_sends_an_offline_phone_probing_at_once(
    server: ServerProcess, team: Team
) -> None:
    device = enroll_device(server, team, "alice")
    clock = FakeClock(T0)
    record_id = records.save(device.store, records.employer("Back Online Deli")).data["id"]
    never = Backoff(base_s=10_000.0, cap_s=10_000.0, draw=worst_case)  # no probe of its own in this test
    runner = _runner(device, clock, backoff=never, probe_backoff=never)
    server.kill()
    task = asyncio.get_running_loop().create_task(runner.run())
    try:
        await _until(lambda: runner.status.online is False)
        await asyncio.to_thread(server.start)
        runner.connectivity_changed(True)
        await _until(lambda: device.store.pending_count() == 0)
    finally:
        runner.stop()
        if not _answers(device):  # leave the module's server running for the next test
            server.start()
        await asyncio.wait_for(task, BOUND_S)
    assert record_id in server_records(team)


def _runner(device: Device, clock: FakeClock, **options: object) -> SyncRunner:
    return SyncRunner(
        device.engine.sync_once,
        clock=clock,
        health=device.client.health,
        counts=lambda: (device.store.pending_count(), 0),
        on_status=lambda _status: None,
        on_revoked=lambda: None,
        debounce_s=0.0,
        **options,  # type: ignore[arg-type]
    )


def _fail_pushes(request: object) -> Fault | None:
    return Fault.HTTP_500 if "/sync/push" in str(getattr(request, "url", "")) else None


def _answers(device: Device) -> bool:
    return device.client.health()


async def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + BOUND_S
    while not condition():  # bounded polling on what the runner publishes
        if time.monotonic() > deadline:
            raise AssertionError("condition never became true")
        await asyncio.sleep(0.01)
