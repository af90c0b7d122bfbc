"""Byte formats of the durable store: journal lines and snapshots.

A journal line is one transaction: ``<crc32 as 8 hex digits> <json>\\n`` where the JSON is a
list of operations, each absolute (a full document put, a delete, or a table drop). A line
whose checksum or shape is wrong is treated as never written.

A snapshot is ``fieldwork-snapshot 3 <crc32> <length>\\n`` and a body of pickles (protocol 5)
of plain dicts, lists, strings and numbers only: the internal tables in one, each record kind
in chunks decoded only when read (``lazy``), so opening a store does not decode every record.
A pickle loads and writes faster than the same tables as JSON, and is smaller (README,
Benchmarks: figures behind the code). Every pickle is read by ``pickles.PlainUnpickler``, which
refuses every global, so a pickle naming a class or a function cannot run code; what a store
holds was JSON before it got here (every journal line is), so nothing else is ever in it.
Snapshots written before are still read: ``fieldwork-snapshot 2`` (the tables as one pickle)
and ``fieldwork-snapshot 1`` (a JSON body); the next compaction rewrites them in the new form.

The memory storage uses the same encoding so both storages reject exactly the same input.
"""

from __future__ import annotations

import json
import sys
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.store.errors import StoreCorrupted, StoreError
from app.store.layout import SYNC
from app.store.lazy import LazyTable, LiveTables, decode_body, encode_body
from app.store.pickles import load, paused_gc

Tables = dict[str, dict[str, dict[str, Any]]]
Op = list[Any]

SNAPSHOT_MAGIC = b"fieldwork-snapshot 3"  # pickles, record kinds in chunks (lazy.encode_body)
PICKLE_SNAPSHOT_MAGIC = b"fieldwork-snapshot 2"  # the tables as one pickle: stores written before
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
    lazy: dict[str, LazyTable] = {}
    plain_rows: dict[tuple[Any, Any], dict[str, Any]] = {}
    if type(tables) is LiveTables:
        lazy, plain_rows = tables.lazy, tables.plain_rows
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
            if table == SYNC and len(doc) == 2 and "state" in doc and "server_version" in doc:
                # Most records' sync rows are just this: one dict per value, as for strings,
                # so a snapshot holds (and a reopen builds) one per value, not one per record.
                doc = plain_rows.setdefault((doc["state"], doc["server_version"]), doc)
            encoded = lazy.get(table) if lazy else None
            if encoded is None:
                dict.setdefault(tables, table, {})[_intern(op[2])] = doc
            else:
                encoded.put(_intern(op[2]), doc)
        elif kind == "d":
            encoded = lazy.get(table) if lazy else None
            if encoded is not None:
                encoded.delete(op[2])
            else:
                docs = dict.get(tables, table)
                if docs is not None:
                    docs.pop(op[2], None)
        elif kind == "c":
            if table not in lazy:
                dict.setdefault(tables, table, {})
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


def encode_snapshot(tables: Tables) -> bytes:
    with paused_gc():
        body = encode_body(tables)
    return b"%s %08x %d\n%s" % (SNAPSHOT_MAGIC, zlib.crc32(body), len(body), body)


_MAGICS = (SNAPSHOT_MAGIC, PICKLE_SNAPSHOT_MAGIC, JSON_SNAPSHOT_MAGIC)


def decode_snapshot(blob: bytes, *, authenticated: bool = False) -> LiveTables:
    """The tables of a snapshot; ``authenticated`` when its bytes came out of a cipher that
    checked every one of them (``sealing``), so the checksum cannot find anything more. The
    record kinds keep reading ``blob`` until they are decoded whole."""
    end = blob.find(b"\n")
    parts = blob[: max(end, 0)].split(b" ")
    body = memoryview(blob)[end + 1 :]  # no copy of a possibly large body
    try:
        crc, length = int(parts[2], 16), int(parts[3])
    except (IndexError, ValueError):
        crc, length = -1, -1
    magic = b" ".join(parts[:2])
    magic_ok = end > 0 and len(parts) == 4 and magic in _MAGICS
    if not magic_ok or length != len(body) or (not authenticated and crc != zlib.crc32(body)):
        raise StoreCorrupted("snapshot file is damaged (header, length or checksum mismatch)")
    with paused_gc():
        if magic == SNAPSHOT_MAGIC:
            return decode_body(blob, end + 1)
        tables = load(blob, end + 1)[0] if magic == PICKLE_SNAPSHOT_MAGIC else _json_tables(body)
    if not isinstance(tables, dict):
        raise StoreCorrupted("snapshot does not hold a table mapping")
    return LiveTables(tables)


def _json_tables(body: memoryview) -> Any:
    try:
        return json.loads(str(body, "utf-8"))
    except ValueError as exc:
        raise StoreCorrupted(f"snapshot is not valid JSON: {exc}") from exc
