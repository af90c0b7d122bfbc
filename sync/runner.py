"""When to sync: at start, shortly after each save, on "Sync now", when the connection returns,
and periodically while online. Offline is a normal state here, never an error screen.

Two kinds of waiting after a failed pass. When the server cannot be reached, the runner probes its
health (one cheap GET) on a short cap, `PROBE_CAP_S`, and syncs the moment a probe answers: after an
outage, records reach the server within that cap plus one pass, without a tap on "Sync now". When
the server answers its health check but the sync still fails (5xx, a refusal), that is the
server's trouble, and the long backoff applies so a struggling server is not hammered.

The runner owns no data: every pass is a `SyncEngine.sync_once` run in a worker thread, and what
it reports to the app is a `SyncStatus` value.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from app.domain.clock import Clock
from app.domain.outbox import StorageFull
from sync.backoff import Backoff
from sync.engine import Progress, SyncReport
from sync.errors import Offline, ProtocolFault, SyncError, Unauthorized, UpdateRequired

UPDATE_THE_APP = "Update the app to keep syncing. Your records are safe on this phone."
NO_CONNECTION = "No connection. Your records are safe on this phone."
SERVER_TROUBLE = "The server has a problem and Fieldwork will try again. Your records are safe on this phone."
# Full jitter draws up to this; records arrive within this and one pass of the API's return.
PROBE_CAP_S = 25.0
SYNC_STOPPED = "Sync stopped on a problem on this phone and will try again. Saved records are kept."
log = logging.getLogger(__name__)
Waiter = Callable[[asyncio.Event, float], Awaitable[None]]  # (wake event, seconds): returns on either


@dataclass(frozen=True)
class SyncStatus:
    enrolled: bool = False
    online: bool | None = None  # None: not tried yet
    syncing: bool = False
    pending: int = 0
    attention: int = 0  # rejected or conflicting records
    last_success_at: datetime | None = None
    progress: Progress | None = None
    problem: str | None = None  # for people: why the last pass stopped
    revoked: bool = False


class SyncRunner:
    def __init__(
        self,
        sync_once: Callable[[], SyncReport],
        *,
        clock: Clock,
        health: Callable[[], bool],
        counts: Callable[[], tuple[int, int]],
        on_status: Callable[[SyncStatus], None],
        on_revoked: Callable[[], None],
        backoff: Backoff | None = None,
        probe_backoff: Backoff | None = None,
        wait: Waiter | None = None,
        last_success_at: datetime | None = None,
        debounce_s: float = 3.0,
        period_s: float = 120.0,
    ) -> None:
        self._sync_once = sync_once
        self._clock = clock
        self._health = health
        self._counts = counts
        self._on_status = on_status
        self._on_revoked = on_revoked
        self._backoff = backoff or Backoff()
        self._probe_backoff = probe_backoff or self._backoff.capped(PROBE_CAP_S)
        self._wait_for_wake = wait or _wake_or_timeout
        self._debounce_s = debounce_s
        self._period_s = period_s
        self._wake = asyncio.Event()
        self._soon = False
        self._stopped = False
        self._loop: asyncio.AbstractEventLoop | None = None
        pending, attention = counts()
        self.status = SyncStatus(
            enrolled=True, pending=pending, attention=attention, last_success_at=last_success_at
        )

    def sync_now(self) -> None:
        self._soon = False
        self._wake.set()

    def after_save(self) -> None:
        """Debounced: a burst of saves becomes one push a few seconds after the last."""
        self._soon = True
        self._wake.set()

    def connectivity_changed(self, connected: bool) -> None:
        """The platform says the network changed: a phone that was offline probes at once."""
        if connected and self.status.online is False:
            self.sync_now()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    @property
    def stopped(self) -> bool:
        return self._stopped

    async def run(self, *, max_passes: int | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        passes = 0
        delay = 0.0  # sync at start
        while not self._stopped and (max_passes is None or passes < max_passes):
            await self._wait(delay)
            if self._stopped:
                return
            passes += 1
            delay = await self.run_pass()

    async def run_pass(self) -> float:
        """One attempt; returns how long to wait before the next unprompted one."""
        probed = False
        if self.status.online is False:
            if not await asyncio.to_thread(self._health):
                return self._unreachable()
            probed = True
        self._publish(syncing=True, problem=None)
        try:
            report = await asyncio.to_thread(self._sync_once)
        except Unauthorized:
            self._stopped = True
            self._on_revoked()
            self._publish(syncing=False, enrolled=False, revoked=True, problem="This phone was signed out.")
            return self._period_s
        except Offline:
            # Answered the health probe, then failed: the server's trouble (5xx), not the network.
            return self._offline(SERVER_TROUBLE) if probed else self._unreachable()
        except UpdateRequired:
            # Retrying sooner cannot help: the same app gets the same answer until it is updated.
            self._publish(syncing=False, online=False, problem=UPDATE_THE_APP)
            return self._period_s
        except ProtocolFault as exc:
            return self._offline(f"The server refused a request: {exc}")
        except SyncError as exc:
            return self._offline(str(exc))
        except StorageFull as exc:
            # The phone, not the network: its sentence is for people ("free space and save again").
            return self._phone_problem(str(exc))
        except Exception as exc:  # a store or programming error: the loop must outlive it
            # The type only: an exception's text may quote record data, which must not reach logs.
            log.error("sync pass failed on this device: %s", type(exc).__name__)
            return self._phone_problem(f"{SYNC_STOPPED} ({type(exc).__name__})")
        self._backoff.reset()
        self._probe_backoff.reset()
        self._publish(syncing=False, online=True, last_success_at=self._clock.now(), progress=None)
        del report
        return self._period_s

    def report_progress(self, progress: Progress) -> None:
        """Called by the engine from the worker thread: publish on the loop that owns the status."""
        loop = self._loop
        if loop is None or _running_loop() is loop:
            self._publish(progress=progress)
        elif not loop.is_closed():
            loop.call_soon_threadsafe(functools.partial(self._publish, progress=progress))

    def _unreachable(self) -> float:
        """No answer at all: probe health again soon, on the short cap."""
        self._publish(syncing=False, online=False, problem=NO_CONNECTION)
        return self._probe_backoff.next_delay()

    def _offline(self, problem: str) -> float:
        self._publish(syncing=False, online=False, problem=problem)
        return self._backoff.next_delay()

    def _phone_problem(self, problem: str) -> float:
        """A pass stopped by the phone itself: shown, retried later, the network state untouched."""
        self._publish(syncing=False, problem=problem)
        return self._backoff.next_delay()

    def _publish(self, **changes: object) -> None:
        pending, attention = self._counts()
        self.status = replace(self.status, pending=pending, attention=attention, **changes)  # type: ignore[arg-type]
        self._on_status(self.status)

    async def _wait(self, delay: float) -> None:
        if delay > 0:
            await self._wait_for_wake(self._wake, delay)
        self._wake.clear()
        if self._soon and not self._stopped:
            self._soon = False
            await asyncio.sleep(self._debounce_s)
            self._wake.clear()


async def _wake_or_timeout(wake: asyncio.Event, delay: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(wake.wait(), timeout=delay)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
