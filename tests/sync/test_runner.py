"""When the runner syncs: at start, after saves (debounced), on "Sync now", after backoff when
offline, never again after a revocation. Fake engine, FakeClock, millisecond delays, bounded waits."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from app.domain.clock import FakeClock
from app.store import StoreError, StoreFull
from sync.backoff import Backoff
from sync.engine import Progress, SyncReport
from sync.errors import Offline, Unauthorized
from sync.runner import SyncRunner, SyncStatus

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
BOUND_S = 5.0  # an upper bound on a hang, never a timing assertion

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Harness:
    def __init__(self, outcomes: list[Exception | None] | None = None, *, healthy: list[bool] | None = None):
        self.outcomes = list(outcomes or [])
        self.healthy = list(healthy or [])
        self.passes = 0
        self.health_checks = 0
        self.revoked = 0
        self.statuses: list[SyncStatus] = []
        self.status_threads: list[int] = []
        self.during_pass: Callable[[], None] = lambda: None
        self.clock = FakeClock(T0)
        self.runner = SyncRunner(
            self.sync_once,
            clock=self.clock,
            health=self.health,
            counts=lambda: (0, 0),
            on_status=self.on_status,
            on_revoked=self.on_revoked,
            backoff=Backoff(base_s=0.001, cap_s=0.002, draw=lambda _lo, hi: hi),
            debounce_s=0.001,
            period_s=1000.0,  # only prompted passes happen during a test
        )

    def sync_once(self) -> SyncReport:
        self.passes += 1
        self.during_pass()
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        return SyncReport()

    def health(self) -> bool:
        self.health_checks += 1
        return self.healthy.pop(0) if self.healthy else True

    def on_status(self, status: SyncStatus) -> None:
        self.statuses.append(status)
        self.status_threads.append(threading.get_ident())

    def on_revoked(self) -> None:
        self.revoked += 1


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(5000):  # bounded
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition never became true")


async def test_a_pass_runs_at_start_and_records_the_last_success():
    h = Harness()
    await asyncio.wait_for(h.runner.run(max_passes=1), BOUND_S)
    assert h.passes == 1
    assert [s.syncing for s in h.statuses] == [True, False]
    final = h.runner.status
    assert final.online is True and final.last_success_at == T0 and final.problem is None


async def test_a_burst_of_saves_becomes_one_pass():
    h = Harness()
    task = asyncio.create_task(h.runner.run(max_passes=2))
    await until(lambda: h.passes == 1 and not h.runner.status.syncing)
    for _ in range(5):
        h.runner.after_save()
    await asyncio.wait_for(task, BOUND_S)
    assert h.passes == 2


async def test_sync_now_wakes_a_runner_that_would_otherwise_wait_for_its_period():
    h = Harness()
    task = asyncio.create_task(h.runner.run(max_passes=2))
    await until(lambda: h.passes == 1 and not h.runner.status.syncing)
    h.clock.advance(minutes=5)
    h.runner.sync_now()
    await asyncio.wait_for(task, BOUND_S)
    assert h.passes == 2 and h.runner.status.last_success_at == h.clock.now()


async def test_offline_backs_off_and_checks_health_before_trying_a_pass_again():
    h = Harness([Offline("ConnectError")], healthy=[False, True])
    await asyncio.wait_for(h.runner.run(max_passes=3), BOUND_S)
    assert h.passes == 2  # the pass that failed, and the one after health came back
    assert h.health_checks == 2
    offline = [s for s in h.statuses if s.online is False]
    assert offline and offline[0].problem and "safe on this phone" in offline[0].problem
    assert h.runner.status.online is True


async def test_the_backoff_resets_after_a_successful_pass():
    h = Harness([Offline("x"), Offline("y")])
    backoff = h.runner._backoff
    await asyncio.wait_for(h.runner.run(max_passes=3), BOUND_S)
    assert h.passes == 3 and backoff.failures == 0


async def test_a_revoked_token_stops_syncing_for_good():
    h = Harness([Unauthorized("revoked")])
    await asyncio.wait_for(h.runner.run(), BOUND_S)  # no max_passes: it must end by itself
    assert h.revoked == 1 and h.passes == 1
    assert h.runner.stopped
    assert h.runner.status.revoked and not h.runner.status.enrolled


async def test_progress_reported_from_the_worker_thread_is_published_on_the_loop():
    h = Harness()
    h.during_pass = lambda: h.runner.report_progress(Progress(done=500, total=10_000, phase="push"))
    loop_thread = threading.get_ident()
    await asyncio.wait_for(h.runner.run(max_passes=1), BOUND_S)
    progress = [s.progress for s in h.statuses if s.progress is not None]
    assert progress == [Progress(done=500, total=10_000, phase="push")]
    assert set(h.status_threads) == {loop_thread}
    assert h.runner.status.progress is None  # cleared when the pass is over


async def test_stop_ends_a_waiting_runner():
    h = Harness()
    task = asyncio.create_task(h.runner.run())
    await until(lambda: h.passes == 1 and not h.runner.status.syncing)
    h.runner.stop()
    await asyncio.wait_for(task, BOUND_S)
    assert h.passes == 1


async def test_an_unexpected_error_in_a_pass_is_shown_and_the_runner_tries_again():
    # A store error (say, a damaged file) is not a network fault, but it must not end syncing.
    h = Harness([StoreError("the store could not be written")])
    await asyncio.wait_for(h.runner.run(max_passes=2), BOUND_S)
    assert h.passes == 2 and not h.runner.stopped
    failed = [s for s in h.statuses if s.problem is not None]
    assert failed and "StoreError" in failed[0].problem and "could not be written" not in failed[0].problem
    assert h.runner.status.problem is None and h.runner.status.last_success_at == T0


async def test_a_full_phone_is_said_in_its_own_words_and_is_not_called_offline():
    h = Harness([StoreFull()])
    await asyncio.wait_for(h.runner.run(max_passes=1), BOUND_S)
    assert h.runner.status.problem == str(StoreFull()) and "storage is full" in h.runner.status.problem
    assert h.runner.status.online is not False and not h.runner.stopped
