"""The geocoding queue: employers saved with an address but no map location get one when online.

There is no queue table: the queue *is* the set of employers whose address has no point found for
it (`needs_location`), so it is as durable as the records and survives restarts and merges. A
save never waits for it. A pass runs when a sync pass has just succeeded (so the phone is online)
and once at start; each lookup goes through the geocoder passed in (app.geo.default_geocoder in
the app: Nominatim behind geopy's RateLimiter and a cache) in a worker thread, and the point is
saved like any edit, so it syncs to the team. If the employer was edited while the lookup ran,
the answer is for an old address and is dropped.

A geocoder that raises means "not now" (offline, timeout, quota): the pass stops and the next one
tries again. An address the geocoder does not know is not asked again until it changes or the app
restarts (a person can still place it with "Find on map" or by editing).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from app.domain.errors import ValidationError
from app.domain.records import Employer
from app.geo import Geocoder, GeocoderUnavailable, look_up
from app.records import RecordService
from app.store import StoreError

DEFAULT_PASS_LIMIT = 25  # Nominatim allows one request a second: a pass stays under half a minute


def needs_location(employer: Employer) -> bool:
    """An address with no point found for it (never found, or found for an older address)."""
    address = employer.address.strip()
    if not address:
        return False
    if employer.latitude is None or employer.longitude is None:
        return True
    return bool(employer.geocoded_address) and employer.geocoded_address != address


@dataclass(frozen=True)
class GeocodePass:
    located: int = 0
    unknown: int = 0
    stale: int = 0  # answers dropped because the employer changed meanwhile
    unavailable: bool = False  # the pass stopped: offline or refused
    remaining: int = 0


class GeocodeQueue:
    def __init__(
        self,
        service: RecordService,
        geocoder: Geocoder,
        *,
        run_lookup: Callable[..., Any] | None = None,
    ) -> None:
        self.service = service
        self.geocoder = geocoder
        # How a blocking lookup is awaited: a worker thread in the app, inline in tests.
        self._run_lookup = run_lookup or asyncio.to_thread
        self._unknown: set[tuple[str, str]] = set()  # (employer id, address) the geocoder did not know
        self.running = False

    def pending(self) -> list[Employer]:
        return [
            employer
            for employer in self.service.employers()
            if needs_location(employer) and (employer.id, employer.address.strip()) not in self._unknown
        ]

    async def run_pass(self, limit: int = DEFAULT_PASS_LIMIT) -> GeocodePass:
        """Look up to `limit` addresses; never raises for a geocoder or network failure."""
        if self.running:
            return GeocodePass(remaining=len(self.pending()))
        self.running = True
        located = unknown = stale = 0
        unavailable = False
        try:
            for employer in self.pending()[:limit]:
                address = employer.address.strip()
                try:
                    point = await self._run_lookup(look_up, address, self.geocoder)
                except GeocoderUnavailable:
                    unavailable = True
                    break
                if point is None:
                    self._unknown.add((employer.id, address))
                    unknown += 1
                elif self._save_point(employer.id, address, point):
                    located += 1
                else:
                    stale += 1
        finally:
            self.running = False
        return GeocodePass(located, unknown, stale, unavailable, remaining=len(self.pending()))

    def _save_point(self, employer_id: str, address: str, point: tuple[float, float]) -> bool:
        current = self.service.load("employer", employer_id)  # fresh: it may have changed meanwhile
        if not isinstance(current, Employer) or current.address.strip() != address:
            return False
        if not needs_location(current):
            return False
        located = replace(current, latitude=point[0], longitude=point[1], geocoded_address=address)
        try:
            self.service.save(located)
        except (ValidationError, StoreError):
            return False  # e.g. a point out of range, or a full disk: the employer stays queued
        return True


class SyncEvents(Protocol):
    def subscribe(self, listener: Callable[[str], None]) -> Callable[[], None]: ...


def run_when_online(queue: GeocodeQueue, sync: SyncEvents | None) -> Callable[[], None]:
    """Start a pass now and after every successful sync pass (the phone is online then).

    Call on the UI event loop. Returns a function that stops listening."""
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[GeocodePass]] = set()  # referenced until done, so none is collected

    def start() -> None:
        if not queue.running and not tasks and queue.pending():
            task = loop.create_task(queue.run_pass())
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    def on_event(event: str) -> None:
        if event == "pass_done":
            with contextlib.suppress(RuntimeError):  # the loop is closing
                start()

    start()
    return sync.subscribe(on_event) if sync is not None else (lambda: None)
