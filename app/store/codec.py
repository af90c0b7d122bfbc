"""Byte formats of the durable store: journal lines and snapshots.

A journal line is one transaction: ``<crc32 as 8 hex digits> <json>\\n`` where the JSON is a
list of operations, each absolute (a full document put, a delete, or a table drop). A line
whose checksum or shape is wrong is treated as never written.

A snapshot is ``fieldwork-snapshot 2 <crc32> <length>\\n`` and the tables as a pickle (protocol
5) of plain dicts, lists, strings and numbers only: it loads and writes faster than the same
tables as JSON, and is smaller (README, Benchmarks: figures behind the code). It is read by
``_PlainUnpickler``, which refuses every global, so a pickle naming a class or a function cannot
run code; what a store holds was JSON before it got here (every journal line is), so nothing
else is ever in it. Snapshots written before (``fieldwork-snapshot 1``, a JSON body) are still
read, and the next compaction rewrites them in the new form.

The memory storage uses the same encoding so both storages reject exactly the same input.
"""

from __future__ import annotations

import gc
import io
import json
import pickle
import sys
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from app.store.errors import StoreCorrupted, StoreError

Tables = dict[str, dict[str, dict[str, Any]]]
Op = list[Any]

SNAPSHOT_MAGIC = b"fieldwork-snapshot 2"  # a pickle of plain values
JSON_SNAPSHOT_MAGIC = b"fieldwork-snapshot 1"  # a JSON body: stores written before, still read


@dataclass(frozen=True)
class Put:
    """Store ``doc`` as the whole document ``doc_id`` of ``table``."""

    table: str
    doc_id: str
    doc: Mapping[str, Any]


@dataclass(frozen=True)
class Delete:
    """Remove document ``doc_id`` from ``table`` (a no-op when absent)."""

    table: str
    doc_id: str


@dataclass(frozen=True)
class DropTable:
    """Remove every document of ``table``."""

    table: str


@dataclass(frozen=True)
class CreateTable:
    """Make sure ``table`` exists, even empty (TinyDB lists empty tables it was given)."""

    table: str


@dataclass(frozen=True)
class ResetAll:
    """Remove every table; used by TinyDB's full ``write`` before it puts the new state."""


Change = Put | Delete | DropTable | CreateTable | ResetAll


def _as_op(change: Change) -> Op:
    if isinstance(change, Put):
        _check_names(change.table, change.doc_id)
        return ["p", change.table, change.doc_id, change.doc]
    if isinstance(change, Delete):
        _check_names(change.table, change.doc_id)
        return ["d", change.table, change.doc_id]
    if isinstance(change, DropTable):
        _check_names(change.table, "")
        return ["x", change.table]
    if isinstance(change, CreateTable):
        _check_names(change.table, "")
        return ["c", change.table]
    return ["r"]


def _check_names(table: object, doc_id: object) -> None:
    if not isinstance(table, str) or not table or not isinstance(doc_id, str):
        raise StoreError(f"table and document id must be strings, got {table!r}/{doc_id!r}")


def encode_changes(changes: Sequence[Change]) -> bytes:
    """Serialise one transaction; raises ``StoreError`` before anything is written."""
    try:
        text = json.dumps(
            [_as_op(change) for change in changes],
            allow_nan=False,  # NaN is not JSON; the server would refuse it later
            separators=(",", ":"),
        )
    except (TypeError, ValueError, RecursionError) as exc:
        raise StoreError(f"record is not JSON-serialisable: {exc}") from exc
    return text.encode("utf-8")


def frame(payload: bytes) -> bytes:
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


def checked_payload(line: bytes) -> bytes | None:
    """The payload of one journal line (without its newline), or None if its checksum fails."""
    if len(line) < 10 or line[8:9] != b" ":
        return None
    payload = line[9:]
    try:
        return payload if int(line[:8], 16) == zlib.crc32(payload) else None
    except ValueError:
        return None


def parse_payloads(payloads: list[bytes]) -> list[list[Op] | None]:
    """Decode checksummed payloads; None for any that is not a well-formed transaction."""
    try:
        # One parse for the whole journal: per-call overhead dominates for small lines.
        parsed: list[Any] = json.loads(b"[" + b",".join(payloads) + b"]")
    except ValueError:  # only if a checksum matched by chance: parse line by line
        parsed = [_loads_or_none(payload) for payload in payloads]
    return [ops if _well_formed(ops) else None for ops in parsed]


def _loads_or_none(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return None


_SHAPES = {"p": 4, "d": 3, "x": 2, "c": 2, "r": 1}


def _well_formed(ops: Any) -> bool:
    if type(ops) is not list:
        return False
    for op in ops:
        if type(op) is not list or not op or _SHAPES.get(op[0]) != len(op):
            return False
        if len(op) > 1 and (type(op[1]) is not str or (len(op) > 2 and type(op[2]) is not str)):
            return False
        if op[0] == "p" and type(op[3]) is not dict:
            return False
    return True


def decode_payload(payload: bytes) -> list[Op]:
    """Decode a payload this process just encoded (a private deep copy of the documents)."""
    ops: list[Op] = json.loads(payload)
    return ops


def apply_ops(tables: Tables, ops: Sequence[Op]) -> set[str]:
    """Apply operations in order to ``tables``; returns the names of the tables touched.

    Every operation is absolute (full-document put, delete, table drop, reset), never relative
    to the previous value, so the state after a sequence of them only depends on the last
    operation touching each document. Replaying an old journal over a newer snapshot that
    already contains it therefore gives that snapshot's state again: replay is idempotent,
    which is what makes a crash between "snapshot replaced" and "journal reset" harmless.
    """
    touched: set[str] = set()
    for op in ops:
        kind = op[0]
        if kind == "r":
            touched.update(tables)
            tables.clear()
            continue
        table = op[1]
        touched.add(table)
        if kind == "p":
            doc = op[3]
            _share_strings(doc)
            tables.setdefault(table, {})[_intern(op[2])] = doc
        elif kind == "d":
            docs = tables.get(table)
            if docs is not None:
                docs.pop(op[2], None)
        elif kind == "c":
            tables.setdefault(table, {})
        else:
            tables.pop(table, None)
    return touched


_SHARED_MAX = 64  # longer text is seldom repeated: not worth hashing
_intern = sys.intern  # a global, not an attribute lookup per string


def _share_strings(doc: dict[str, Any]) -> None:
    """Make equal short strings of a freshly decoded document one object each (``sys.intern``).

    States, enum values, ids repeated across tables (a record's id is its key too): stored
    once, a pickle refers back to them instead of writing them again, so a snapshot has fewer
    objects to build when the store opens, and the live tables take less memory. Only
    documents nobody else holds yet come here (just decoded), and a string is immutable."""
    for key, value in doc.items():
        kind = type(value)
        if kind is str:
            if len(value) <= _SHARED_MAX:
                doc[key] = _intern(value)
        elif kind is dict:
            _share_strings(value)
        elif kind is list:
            _share_list_strings(value)


def _share_list_strings(values: list[Any]) -> None:
    for index, value in enumerate(values):
        kind = type(value)
        if kind is str:
            if len(value) <= _SHARED_MAX:
                values[index] = _intern(value)
        elif kind is dict:
            _share_strings(value)
        elif kind is list:
            _share_list_strings(value)


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


class _PlainPickler(pickle.Pickler):
    """Pickles plain values only: anything that would need a global to load back is refused."""

    def reducer_override(self, obj: Any) -> Any:
        # Not called for None, bools, ints, floats, str, bytes, dict, list, tuple, set (those are
        # opcodes of their own); anything else is not JSON and has no place in a store.
        raise StoreError(f"data is not JSON-serialisable: {type(obj).__name__}")


class _PlainUnpickler(pickle.Unpickler):
    """Loads plain values only: every global (a class, a function) is refused, so a pickle
    cannot construct or call anything."""

    def find_class(self, module: str, name: str) -> Any:
        raise StoreCorrupted(f"snapshot names {module}.{name}: it holds plain values only")


def encode_snapshot(tables: Tables) -> bytes:
    buffer = io.BytesIO()
    try:
        with paused_gc():
            _PlainPickler(buffer, protocol=5).dump(tables)
    except (pickle.PicklingError, RecursionError) as exc:
        raise StoreError(f"data is not JSON-serialisable: {exc}") from exc
    body = buffer.getvalue()
    return b"%s %08x %d\n%s" % (SNAPSHOT_MAGIC, zlib.crc32(body), len(body), body)


def decode_snapshot(blob: bytes, *, authenticated: bool = False) -> Tables:
    """The tables of a snapshot; ``authenticated`` when its bytes came out of a cipher that
    checked every one of them (``sealing``), so the checksum cannot find anything more."""
    end = blob.find(b"\n")
    parts = blob[: max(end, 0)].split(b" ")
    body = memoryview(blob)[end + 1 :]  # no copy of a possibly large body
    try:
        crc, length = int(parts[2], 16), int(parts[3])
    except (IndexError, ValueError):
        crc, length = -1, -1
    magic = b" ".join(parts[:2])
    magic_ok = end > 0 and len(parts) == 4 and magic in (SNAPSHOT_MAGIC, JSON_SNAPSHOT_MAGIC)
    if not magic_ok or length != len(body) or (not authenticated and crc != zlib.crc32(body)):
        raise StoreCorrupted("snapshot file is damaged (header, length or checksum mismatch)")
    with paused_gc():
        tables = _unpickle(blob, end + 1) if magic == SNAPSHOT_MAGIC else _json_tables(body)
    if not isinstance(tables, dict):
        raise StoreCorrupted("snapshot does not hold a table mapping")
    return tables


def _unpickle(blob: bytes, start: int) -> Any:
    stream = io.BytesIO(blob)  # shares the bytes object's buffer: no copy
    stream.seek(start)
    try:
        return _PlainUnpickler(stream).load()
    except StoreCorrupted:
        raise
    except Exception as exc:  # a pickle's checksum held but it does not load: any error is damage
        raise StoreCorrupted(f"snapshot does not load: {exc}") from exc


def _json_tables(body: memoryview) -> Any:
    try:
        return json.loads(str(body, "utf-8"))
    except ValueError as exc:
        raise StoreCorrupted(f"snapshot is not valid JSON: {exc}") from exc
