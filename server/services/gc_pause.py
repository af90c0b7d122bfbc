"""Pausing Python's cyclic garbage collector while a push works, shared safely between threads.

A push builds tens of thousands of short-lived dicts, lists and dataclasses (JSON has no cycles;
reference counting frees them). Each few hundred allocations the collector runs anyway, walking
the young objects and, as they age, older generations: a good part of a push's own time, finding
nothing. Pushes run on worker threads side by side, and the collector's switch is one per process,
so the pause counts its holders: the collector is switched back on (if it was on) when the last of
them leaves. One pause per process, as the collector is.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class CollectorPause:
    """Holders of the pause; the collector is off while there is at least one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._was_enabled = False

    @property
    def holders(self) -> int:
        return self._holders

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if self._holders == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
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


# The collector is one per process, so is its pause.
PUSH_PAUSE = CollectorPause()
