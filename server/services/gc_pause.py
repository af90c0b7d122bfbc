"""Pausing Python's cyclic garbage collector while a push works, shared safely between threads.

A push builds tens of thousands of short-lived dicts, lists and dataclasses (JSON has no cycles;
reference counting frees them). Each few hundred allocations the collector runs anyway, walking
the young objects and, as they age, older generations: a good part of a push's own time, finding
nothing. Pushes run on worker threads side by side, and the collector's switch is one per process,
so the pause counts its holders: the collector is switched back on (if it was on) when the last of
them leaves. One pause per process, as the collector is. Under a steady load of phones the pushes
can overlap without a gap for as long as the load lasts, and cycles made meanwhile (a request's
exception and its traceback, say) would pile up: so a holder that leaves once the pause has lasted
`longest` seconds since its last collection collects before it goes.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Long enough that a phone's whole sync runs inside one pause; short enough that garbage left by
# a busy server's requests cannot build up.
LONGEST_PAUSE_S = 10.0


class CollectorPause:
    """Holders of the pause; the collector is off while there is at least one."""

    def __init__(
        self, *, longest: float = LONGEST_PAUSE_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._was_enabled = False
        self._longest = longest
        self._clock = clock
        self._collected_at = 0.0

    @property
    def holders(self) -> int:
        return self._holders

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if self._holders == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
                self._collected_at = self._clock()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0 and self._was_enabled:
                    # Not gc.freeze()/unfreeze() to skip walking what the batch left: unfreezing
                    # would hand the objects server.main.serving_app froze back to the collector.
                    gc.enable()
                elif self._holders and self._was_enabled and self._overdue():
                    gc.collect()
                    self._collected_at = self._clock()

    def _overdue(self) -> bool:
        return self._clock() - self._collected_at >= self._longest


# The collector is one per process, so is its pause.
PUSH_PAUSE = CollectorPause()
