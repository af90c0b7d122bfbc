"""Opt-in timing of the app's own part of a tap: event received -> last UI message sent.

Set ``FIELDWORK_UI_TIMING=/path/file.jsonl`` and every control event the session dispatches appends
one JSON line: the event's name, the milliseconds from the moment Flet hands the event to the
session until its handler (and the update it triggers) returned, how much of that was Flet turning
the changed control tree into patches and sending them (diff, serialisation, queueing on the
websocket), and how many messages went out. bench/ui.py reads it. Unset, nothing is patched.

It wraps Flet's own ``Session.dispatch_event`` and ``Session.patch_control`` (Flet 1.0.x): the real
handlers run unchanged, only clocks are read around them.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from typing import Any

ENV = "FIELDWORK_UI_TIMING"
_installed = False


def install_from_env() -> bool:
    """Install the hook when ``FIELDWORK_UI_TIMING`` names a file; True if installed."""
    path = os.environ.get(ENV)
    if not path:
        return False
    install(path)
    return True


def install(path: str) -> None:
    global _installed
    if _installed:
        return
    from flet.messaging.session import Session

    lock = threading.Lock()
    current: dict[str, float] = {}
    dispatch = Session.dispatch_event
    patch_control = Session.patch_control

    @functools.wraps(dispatch)
    async def timed_dispatch(self: Any, control_id: int, event_name: str, event_data: Any) -> None:
        started = time.perf_counter()
        current.update(patch=0.0, messages=0.0)
        try:
            await dispatch(self, control_id, event_name, event_data)
        finally:
            took = time.perf_counter() - started
            line = {
                "event": event_name,
                "at": time.time(),
                "ms": round(took * 1000, 3),
                "patch_ms": round(current.get("patch", 0.0) * 1000, 3),
                "messages": int(current.get("messages", 0.0)),
            }
            with lock, open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\n")

    @functools.wraps(patch_control)
    def timed_patch(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return patch_control(self, *args, **kwargs)
        finally:
            current["patch"] = current.get("patch", 0.0) + time.perf_counter() - started
            current["messages"] = current.get("messages", 0.0) + 1

    Session.dispatch_event = timed_dispatch  # type: ignore[method-assign]
    Session.patch_control = timed_patch  # type: ignore[method-assign]
    _installed = True
