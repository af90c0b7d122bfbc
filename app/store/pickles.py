"""Plain-value pickles: how the store's snapshot is encoded, and read without running any code.

Only plain values (dicts, lists, strings, numbers, None, booleans) are written; the reader
refuses every global, so a pickle naming a class or a function cannot construct or call
anything: a damaged or forged snapshot is damage, never code (``codec``, ``lazy``).
"""

from __future__ import annotations

import gc
import io
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from app.store.errors import StoreCorrupted, StoreError


class PlainPickler(pickle.Pickler):
    """Pickles plain values only: anything that would need a global to load back is refused."""

    def reducer_override(self, obj: Any) -> Any:
        # Not called for None, bools, ints, floats, str, bytes, dict, list, tuple, set (those are
        # opcodes of their own); anything else is not JSON and has no place in a store.
        raise StoreError(f"data is not JSON-serialisable: {type(obj).__name__}")


class PlainUnpickler(pickle.Unpickler):
    """Loads plain values only: every global (a class, a function) is refused, so a pickle
    cannot construct or call anything."""

    def find_class(self, module: str, name: str) -> Any:
        raise StoreCorrupted(f"snapshot names {module}.{name}: it holds plain values only")


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while (de)serialising a whole store.

    Building or walking a million small dicts and lists triggers hundreds of collections that
    find nothing (JSON has no cycles); pausing the collector halves reopen and compaction time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # Everything built meanwhile still counts as young: the first allocation after
            # enabling would walk it all (and again as it ages), finding no garbage. Freezing
            # and unfreezing moves it straight to the oldest generation without a walk (the
            # list splices of gc.freeze/gc.unfreeze); later full collections still see it.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def dump(value: Any) -> bytes:
    buffer = io.BytesIO()
    try:
        PlainPickler(buffer, protocol=5).dump(value)
    except (pickle.PicklingError, RecursionError) as exc:
        raise StoreError(f"data is not JSON-serialisable: {exc}") from exc
    return buffer.getvalue()


def load(source: bytes, start: int) -> tuple[Any, int]:
    """The value pickled at ``start`` of ``source``, and where its pickle ends."""
    stream = io.BytesIO(source)  # shares the bytes object's buffer: no copy
    stream.seek(start)
    try:
        return PlainUnpickler(stream).load(), stream.tell()
    except StoreCorrupted:
        raise
    except Exception as exc:  # a pickle's checksum held but it does not load: any error is damage
        raise StoreCorrupted(f"snapshot does not load: {exc}") from exc
